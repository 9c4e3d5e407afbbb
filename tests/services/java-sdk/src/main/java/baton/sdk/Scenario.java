package baton.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.netflix.conductor.client.exception.ConductorClientException;
import com.netflix.conductor.client.http.ConductorClient;
import com.netflix.conductor.client.http.MetadataClient;
import com.netflix.conductor.client.http.TaskClient;
import com.netflix.conductor.client.http.WorkflowClient;
import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskDef;
import com.netflix.conductor.common.metadata.tasks.TaskExecLog;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.common.metadata.workflow.RerunWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.WorkflowDef;
import com.netflix.conductor.common.run.SearchResult;
import com.netflix.conductor.common.run.TaskSummary;
import com.netflix.conductor.common.run.Workflow;
import com.netflix.conductor.common.run.WorkflowSummary;
import com.netflix.conductor.common.run.WorkflowTestRequest;
import com.netflix.conductor.sdk.workflow.def.ConductorWorkflow;
import com.netflix.conductor.sdk.workflow.def.WorkflowBuilder;
import com.netflix.conductor.sdk.workflow.def.tasks.SimpleTask;
import com.netflix.conductor.sdk.workflow.def.tasks.Wait;
import com.netflix.conductor.sdk.workflow.executor.WorkflowExecutor;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Baton driven through the official Conductor Java client (conductor-client) and SDK
 * (java-sdk), exactly as a user would: DSL workflows via ConductorWorkflow, annotated
 * workers ({@link Workers}), WorkflowClient, TaskClient and MetadataClient.
 *
 * <p>Run by tests/services/java-sdk.test.ts: {@code java -cp ... baton.sdk.Scenario <api url> <results.json>}.
 * Every check runs on its own and its outcome goes to results.json as
 * {"checks": [{"name", "ok", "error"}]}, so the vitest test names each check that failed.
 */
public final class Scenario {
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String HELLO = "java_hello_" + RUN;
    static final String LIFECYCLE = "java_lifecycle_" + RUN;
    static final String RETRYABLE = "java_retryable_" + RUN;
    static final Set<Workflow.WorkflowStatus> TERMINAL = Set.of(Workflow.WorkflowStatus.COMPLETED,
            Workflow.WorkflowStatus.FAILED, Workflow.WorkflowStatus.TERMINATED, Workflow.WorkflowStatus.TIMED_OUT);

    interface Check {
        void run() throws Exception;
    }

    final List<Map<String, Object>> results = new ArrayList<>();
    final WorkflowExecutor executor;
    final ConductorClient client;
    final MetadataClient metadata;
    final WorkflowClient workflows;
    final TaskClient tasks;

    Scenario(String apiUrl) {
        client = new ConductorClient(apiUrl);
        metadata = new MetadataClient(client);
        workflows = new WorkflowClient(client);
        tasks = new TaskClient(client);
        executor = new WorkflowExecutor(client, 100);
    }

    void check(String name, Check body) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("name", name);
        long started = System.nanoTime();
        try {
            body.run();
            result.put("ok", true);
        } catch (Throwable error) {
            result.put("ok", false);
            if (error instanceof ConductorClientException http) {
                result.put("error", "HTTP " + http.getStatus() + ": " + http.getMessage());
            } else {
                result.put("error", error.getClass().getSimpleName() + ": " + error.getMessage());
                StringWriter trace = new StringWriter();
                error.printStackTrace(new PrintWriter(trace));
                String text = trace.toString();
                result.put("trace", text.substring(0, Math.min(text.length(), 1500)));
            }
        }
        result.put("ms", (System.nanoTime() - started) / 1_000_000);
        results.add(result);
    }

    static void expect(boolean condition, String message) {
        if (!condition) throw new AssertionError(message);
    }

    static <T> T eventually(Supplier<T> probe, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        T last = null;
        while (System.currentTimeMillis() < deadline) {
            last = probe.get();
            if (last != null) return last;
            Thread.sleep(100);
        }
        throw new AssertionError(what + " not reached within 30s");
    }

    Workflow workflow(String id) {
        return workflows.getWorkflow(id, true);
    }

    Workflow waitForTerminal(String id) throws InterruptedException {
        return eventually(() -> {
            Workflow wf = workflow(id);
            return TERMINAL.contains(wf.getStatus()) ? wf : null;
        }, "workflow " + id + " finished");
    }

    Task waitForTask(String id, String ref) throws InterruptedException {
        return eventually(() -> workflow(id).getTaskByRefName(ref), ref + " scheduled in " + id);
    }

    String start(String name, Integer version, String correlationId, Map<String, Object> input) {
        StartWorkflowRequest request = new StartWorkflowRequest();
        request.setName(name);
        request.setVersion(version);
        request.setCorrelationId(correlationId);
        request.setInput(input);
        return workflows.startWorkflow(request);
    }

    void completeTask(String workflowId, Task task, Map<String, Object> output) {
        TaskResult result = new TaskResult(task);
        result.setWorkflowInstanceId(workflowId);
        result.setStatus(TaskResult.Status.COMPLETED);
        result.setOutputData(output);
        tasks.updateTask(result);
    }

    ConductorWorkflow<Map<String, Object>> helloWorkflow() throws Exception {
        return new WorkflowBuilder<Map<String, Object>>(executor)
                .name(HELLO).version(1).ownerEmail("sdk@baton.local")
                .add(new SimpleTask(Workers.GREET, "greet_ref").input("name", "${workflow.input.name}"))
                .output("message", "${greet_ref.output.message}")
                .build();
    }

    ConductorWorkflow<Map<String, Object>> lifecycleWorkflow(int version, Map<String, Object> extraOutput) throws Exception {
        WorkflowBuilder<Map<String, Object>> builder = new WorkflowBuilder<Map<String, Object>>(executor)
                .name(LIFECYCLE).version(version).ownerEmail("sdk@baton.local")
                .add(new Wait("wait_ref"))
                .add(new SimpleTask(Workers.GREET, "greet_ref").input("name", "${workflow.input.name}"))
                .output("message", "${greet_ref.output.message}");
        extraOutput.forEach(builder::output);
        return builder.build();
    }

    static void expectNotFound(Check call, String what) throws Exception {
        try {
            call.run();
        } catch (ConductorClientException error) {
            expect(error.getStatus() == 404, what + ": expected 404, got " + error.getStatus() + " " + error.getMessage());
            return;
        }
        throw new AssertionError(what + ": still found");
    }

    void run() throws Exception {
        check("register task definitions", () -> {
            List<TaskDef> defs = new ArrayList<>();
            for (String name : List.of(Workers.GREET, Workers.FLAKY)) {
                TaskDef def = new TaskDef(name);
                def.setRetryCount(0);
                def.setTimeoutSeconds(60);
                def.setResponseTimeoutSeconds(30);
                def.setOwnerEmail("sdk@baton.local");
                defs.add(def);
            }
            metadata.registerTaskDefs(defs);
            expect(Workers.GREET.equals(metadata.getTaskDef(Workers.GREET).getName()), "getTaskDef");
            Set<String> names = metadata.getAllTaskDefs().stream().map(TaskDef::getName).collect(Collectors.toSet());
            expect(names.containsAll(List.of(Workers.GREET, Workers.FLAKY)), "getAllTaskDefs misses " + names);
        });

        check("update a task definition", () -> {
            TaskDef def = metadata.getTaskDef(Workers.FLAKY);
            def.setDescription("updated by the Java SDK");
            metadata.updateTaskDef(def);
            expect("updated by the Java SDK".equals(metadata.getTaskDef(Workers.FLAKY).getDescription()), "description");
        });

        check("register DSL workflows with overwrite", () -> {
            expect(helloWorkflow().registerWorkflow(true), "hello not registered");
            expect(helloWorkflow().registerWorkflow(true), "hello not registered again with overwrite");
            expect(lifecycleWorkflow(1, Map.of()).registerWorkflow(true), "lifecycle not registered");
            ConductorWorkflow<Map<String, Object>> retryable = new WorkflowBuilder<Map<String, Object>>(executor)
                    .name(RETRYABLE).version(1).ownerEmail("sdk@baton.local")
                    .add(new SimpleTask(Workers.FLAKY, "flaky_ref"))
                    .output("attempt", "${flaky_ref.output.attempt}")
                    .build();
            expect(retryable.registerWorkflow(true), "retryable not registered");
        });

        check("get a workflow definition", () -> {
            WorkflowDef def = metadata.getWorkflowDef(HELLO, 1);
            expect(HELLO.equals(def.getName()), "name " + def.getName());
            expect("greet_ref".equals(def.getTasks().get(0).getTaskReferenceName()), "tasks " + def.getTasks());
        });

        check("list the latest versions of workflow definitions", () -> {
            Set<String> names = metadata.getAllWorkflowsWithLatestVersions().stream()
                    .map(WorkflowDef::getName).collect(Collectors.toSet());
            expect(names.containsAll(List.of(HELLO, LIFECYCLE, RETRYABLE)), "latest versions miss some of " + names);
        });

        // The annotated workers (Workers) start polling here.
        executor.initWorkers("baton.sdk");

        check("annotated workers complete an executed DSL workflow", () -> {
            Workflow done = helloWorkflow().execute(Map.of("name", "Java")).get(30, TimeUnit.SECONDS);
            expect(done.getStatus() == Workflow.WorkflowStatus.COMPLETED, "status " + done.getStatus() + ": " + done.getReasonForIncompletion());
            expect("Hello Java".equals(done.getOutput().get("message")), "output " + done.getOutput());
            expect(done.getTaskByRefName("greet_ref").getWorkerId() != null, "the task names no worker");
        });

        check("execute a registered workflow by name", () -> {
            Workflow done = executor.executeWorkflow(HELLO, 1, Map.of("name", "by name")).get(30, TimeUnit.SECONDS);
            expect(done.getStatus() == Workflow.WorkflowStatus.COMPLETED, "status " + done.getStatus());
            expect("Hello by name".equals(done.getOutput().get("message")), "output " + done.getOutput());
        });

        String correlation = "java-corr-" + RUN;
        List<String> correlated = new ArrayList<>();
        check("look up workflows by correlation id", () -> {
            for (int n = 0; n < 2; n++) correlated.add(start(HELLO, 1, correlation, Map.of("name", "corr " + n)));
            for (String id : correlated) waitForTerminal(id);
            Set<String> found = workflows.getWorkflows(HELLO, correlation, true, true).stream()
                    .map(Workflow::getWorkflowId).collect(Collectors.toSet());
            expect(found.equals(Set.copyOf(correlated)), "found " + found + ", expected " + correlated);
            expect(workflows.getWorkflows(HELLO, correlation, false, false).isEmpty(), "completed workflows without includeClosed");
        });

        String query = "workflowType = \"" + HELLO + "\" AND correlationId = \"" + correlation + "\"";
        check("search workflows", () -> {
            SearchResult<WorkflowSummary> result = eventually(() -> {
                SearchResult<WorkflowSummary> r = workflows.search(0, 50, null, "*", query);
                Set<String> ids = r.getResults().stream().map(WorkflowSummary::getWorkflowId).collect(Collectors.toSet());
                return ids.equals(Set.copyOf(correlated)) ? r : null;
            }, "search finds the correlated workflows");
            expect(result.getTotalHits() == 2, "totalHits " + result.getTotalHits());
        });

        check("search workflows (v2)", () -> {
            SearchResult<Workflow> result = workflows.searchV2(0, 50, null, "*", query);
            Set<String> ids = result.getResults().stream().map(Workflow::getWorkflowId).collect(Collectors.toSet());
            expect(ids.equals(Set.copyOf(correlated)), "searchV2 found " + ids);
        });

        check("search tasks", () -> {
            SearchResult<TaskSummary> result = tasks.search(0, 50, null, "*", "taskType = \"" + Workers.GREET + "\"");
            Set<String> ids = result.getResults().stream().map(TaskSummary::getWorkflowId).collect(Collectors.toSet());
            expect(ids.containsAll(correlated), "task search found workflows " + ids);
        });

        check("running workflows by name", () -> {
            String id = start(LIFECYCLE, 1, null, Map.of("name", "running"));
            List<String> running = workflows.getRunningWorkflow(LIFECYCLE, 1);
            expect(running.contains(id), "running " + running);
            workflows.terminateWorkflow(id, "done");
        });

        check("pause and resume", () -> {
            String id = start(LIFECYCLE, 1, null, Map.of("name", "pause"));
            Task wait = waitForTask(id, "wait_ref");
            workflows.pauseWorkflow(id);
            expect(workflow(id).getStatus() == Workflow.WorkflowStatus.PAUSED, "not PAUSED");
            completeTask(id, wait, Map.of());
            Thread.sleep(500);
            Workflow paused = workflow(id);
            expect(paused.getStatus() == Workflow.WorkflowStatus.PAUSED, "status " + paused.getStatus());
            expect(paused.getTaskByRefName("greet_ref") == null, "greet scheduled while paused");
            workflows.resumeWorkflow(id);
            Workflow done = waitForTerminal(id);
            expect(done.getStatus() == Workflow.WorkflowStatus.COMPLETED, "status after resume " + done.getStatus());
        });

        check("update a task by id, with logs", () -> {
            String id = start(LIFECYCLE, 1, null, Map.of("name", "by id"));
            Task wait = waitForTask(id, "wait_ref");
            tasks.logMessageForTask(wait.getTaskId(), "approved by the Java SDK");
            List<String> logs = tasks.getTaskLogs(wait.getTaskId()).stream().map(TaskExecLog::getLog).toList();
            expect(logs.equals(List.of("approved by the Java SDK")), "logs " + logs);
            completeTask(id, wait, Map.of("approved", true));
            expect(tasks.getTaskDetails(wait.getTaskId()).getStatus() == Task.Status.COMPLETED, "task not COMPLETED");
            Workflow done = waitForTerminal(id);
            expect(done.getStatus() == Workflow.WorkflowStatus.COMPLETED, "status " + done.getStatus());
            expect(Boolean.TRUE.equals(done.getTaskByRefName("wait_ref").getOutputData().get("approved")), "wait output");
        });

        check("skip a task", () -> {
            // Conductor skips only a task not scheduled yet: greet_ref, while wait_ref waits.
            String id = start(LIFECYCLE, 1, null, Map.of("name", "skip"));
            Task wait = waitForTask(id, "wait_ref");
            workflows.skipTaskFromWorkflow(id, "greet_ref");
            completeTask(id, wait, Map.of());
            Workflow done = waitForTerminal(id);
            expect(done.getStatus() == Workflow.WorkflowStatus.COMPLETED, "status " + done.getStatus());
            expect(done.getTaskByRefName("greet_ref").getStatus() == Task.Status.SKIPPED,
                    "greet_ref " + done.getTaskByRefName("greet_ref").getStatus());
        });

        check("terminate", () -> {
            String id = start(LIFECYCLE, 1, null, Map.of("name", "terminate"));
            waitForTask(id, "wait_ref");
            workflows.terminateWorkflow(id, "stopped by the Java SDK");
            Workflow done = workflow(id);
            expect(done.getStatus() == Workflow.WorkflowStatus.TERMINATED, "status " + done.getStatus());
            expect("stopped by the Java SDK".equals(done.getReasonForIncompletion()), "reason " + done.getReasonForIncompletion());
            expect(done.getTaskByRefName("wait_ref").getStatus() == Task.Status.CANCELED, "wait_ref not CANCELED");
        });

        check("terminate in bulk", () -> {
            List<String> ids = List.of(start(LIFECYCLE, 1, null, Map.of()), start(LIFECYCLE, 1, null, Map.of()));
            var response = workflows.terminateWorkflows(ids, "bulk");
            expect(response.getBulkSuccessfulResults().containsAll(ids), "bulk results " + response.getBulkSuccessfulResults());
            for (String id : ids) expect(workflow(id).getStatus() == Workflow.WorkflowStatus.TERMINATED, id + " not TERMINATED");
        });

        check("restart", () -> {
            String id = start(LIFECYCLE, 1, null, Map.of("name", "restart"));
            workflows.terminateWorkflow(id, "to restart");
            workflows.restart(id, false);
            Workflow restarted = workflow(id);
            expect(restarted.getStatus() == Workflow.WorkflowStatus.RUNNING, "status " + restarted.getStatus());
            expect(restarted.getTasks().size() == 1 && restarted.getTasks().get(0).getStatus() == Task.Status.IN_PROGRESS,
                    "tasks " + restarted.getTasks().stream().map(Task::getStatus).toList());
            workflows.terminateWorkflow(id, "done");
        });

        check("restart with the latest definitions", () -> {
            String id = start(LIFECYCLE, 1, null, Map.of("name", "latest"));
            workflows.terminateWorkflow(id, "to restart on version 2");
            expect(lifecycleWorkflow(2, Map.of("version", "two")).registerWorkflow(true), "version 2 not registered");
            workflows.restart(id, true);
            Workflow restarted = workflow(id);
            expect(restarted.getWorkflowVersion() == 2, "restarted on version " + restarted.getWorkflowVersion());
            completeTask(id, waitForTask(id, "wait_ref"), Map.of());
            Workflow done = waitForTerminal(id);
            expect("two".equals(done.getOutput().get("version")), "output " + done.getOutput());
        });

        check("retry a failed workflow", () -> {
            String id = start(RETRYABLE, 1, null, Map.of());
            Workflow failed = waitForTerminal(id);
            expect(failed.getStatus() == Workflow.WorkflowStatus.FAILED, "status " + failed.getStatus() + " (the first attempt fails)");
            workflows.retryLastFailedTask(id);
            Workflow done = waitForTerminal(id);
            expect(done.getStatus() == Workflow.WorkflowStatus.COMPLETED, "status after retry " + done.getStatus());
            expect(Objects.equals(done.getOutput().get("attempt"), 1), "output " + done.getOutput());
        });

        check("rerun from a task with new input", () -> {
            String id = start(HELLO, 1, null, Map.of("name", "first"));
            Workflow done = waitForTerminal(id);
            RerunWorkflowRequest request = new RerunWorkflowRequest();
            request.setReRunFromTaskId(done.getTaskByRefName("greet_ref").getTaskId());
            request.setWorkflowInput(Map.of("name", "again"));
            request.setTaskInput(Map.of("name", "again"));
            expect(id.equals(workflows.rerunWorkflow(id, request)), "rerun returned another id");
            Workflow rerun = eventually(() -> {
                Workflow wf = workflow(id);
                return wf.getStatus() == Workflow.WorkflowStatus.COMPLETED && "Hello again".equals(wf.getOutput().get("message")) ? wf : null;
            }, "rerun completes with the new input");
            expect("again".equals(rerun.getInput().get("name")), "input " + rerun.getInput());
        });

        check("run the decider and reset callbacks", () -> {
            String id = start(LIFECYCLE, 1, null, Map.of("name", "decide"));
            waitForTask(id, "wait_ref");
            workflows.runDecider(id);
            workflows.resetCallbacksForInProgressTasks(id);
            expect(workflow(id).getStatus() == Workflow.WorkflowStatus.RUNNING, "not RUNNING");
            workflows.terminateWorkflow(id, "done");
        });

        check("queue size and poll data", () -> {
            expect(tasks.getQueueSizeForTask(Workers.GREET) == 0, "greet queue not drained");
            var pollData = tasks.getPollData(Workers.GREET);
            expect(!pollData.isEmpty() && Workers.GREET.equals(pollData.get(0).getQueueName()), "poll data " + pollData);
        });

        check("requeue pending tasks", () -> {
            String answer = tasks.requeuePendingTasksByTaskType(Workers.GREET);
            expect(answer != null, "no answer");
        });

        check("test a workflow with mocked task outputs", () -> {
            WorkflowTestRequest request = new WorkflowTestRequest();
            request.setName(HELLO);
            request.setVersion(1);
            request.setInput(Map.of("name", "mock"));
            request.setWorkflowDef(helloWorkflow().toWorkflowDef());
            request.setTaskRefToMockOutput(Map.of("greet_ref",
                    List.of(new WorkflowTestRequest.TaskMock(TaskResult.Status.COMPLETED, Map.of("message", "mocked")))));
            Workflow tested = workflows.testWorkflow(request);
            expect(tested.getStatus() == Workflow.WorkflowStatus.COMPLETED, "status " + tested.getStatus());
            expect("mocked".equals(tested.getOutput().get("message")), "output " + tested.getOutput());
        });

        check("remove a workflow", () -> {
            String id = start(HELLO, 1, null, Map.of("name", "remove"));
            waitForTerminal(id);
            workflows.deleteWorkflow(id, false);
            expectNotFound(() -> workflows.getWorkflow(id, false), "workflow after remove");
        });

        check("unregister a workflow definition", () -> {
            metadata.unregisterWorkflowDef(LIFECYCLE, 2);
            expectNotFound(() -> metadata.getWorkflowDef(LIFECYCLE, 2), "version 2 after unregister");
            expect(metadata.getWorkflowDef(LIFECYCLE, 1).getVersion() == 1, "version 1 went too");
        });
    }

    public static void main(String[] args) throws Exception {
        Scenario scenario = new Scenario(args[0]);
        scenario.run();
        new ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValue(new File(args[1]), Map.of("sdk", "conductor-client/java-sdk", "run", RUN, "checks", scenario.results));
        long failed = scenario.results.stream().filter(r -> !Boolean.TRUE.equals(r.get("ok"))).count();
        System.out.println((scenario.results.size() - failed) + "/" + scenario.results.size() + " checks passed");
        // Not executor.shutdown(): it gives each worker a 10 s grace period in turn,
        // which checks nothing; the results are written, so the process just ends.
        System.exit(0);
    }
}
