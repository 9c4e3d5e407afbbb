package baton.sdk;

import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.sdk.workflow.task.InputParam;
import com.netflix.conductor.sdk.workflow.task.WorkerTask;

import java.util.Map;

/** The scenario's workers, found by WorkflowExecutor.initWorkers through their annotations. */
public class Workers {
    static final String GREET = "java_greet";
    static final String FLAKY = "java_flaky";

    @WorkerTask(value = GREET, pollingInterval = 50)
    public Map<String, Object> greet(@InputParam("name") String name) {
        return Map.of("message", "Hello " + name);
    }

    /** Fails its first attempt (retryCount 0 fails the workflow); later attempts succeed. */
    @WorkerTask(value = FLAKY, pollingInterval = 50)
    public TaskResult flaky(Task task) {
        TaskResult result = new TaskResult(task);
        result.setStatus(task.getRetryCount() == 0 ? TaskResult.Status.FAILED : TaskResult.Status.COMPLETED);
        result.addOutputData("attempt", task.getRetryCount());
        if (task.getRetryCount() == 0) result.setReasonForIncompletion("first attempt fails on purpose");
        return result;
    }
}
