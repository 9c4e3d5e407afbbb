import type { TaskState, WorkflowState } from "../workflow/state.ts";
import { isTaskSuccessful, isTaskTerminal, isWorkflowTerminal } from "../workflow/status.ts";
import type { ResolvedTaskDetails } from "./events.ts";

/**
 * Where a complete_task / fail_task goes: a waiting task to update now; not
 * yet (`hold`: Conductor drops such messages, Baton keeps them until the task
 * is waiting); or never (`gone`: the execution fails with the reason).
 */
export type TaskTarget =
  | { kind: "ready"; workflowId: string; taskId: string }
  | { kind: "hold"; reason: string }
  | { kind: "gone"; reason: string };

/** Loop iterations are named `<ref>__<n>`; an event names the task by its plain ref. */
const plainRef = (ref: string) => ref.replace(/__\d+$/, "");

/** The latest attempt (and loop iteration) of a reference, as Conductor picks it. */
export function latestTaskByRef(workflow: WorkflowState, ref: string): TaskState | undefined {
  for (let i = workflow.tasks.length - 1; i >= 0; i--) {
    const task = workflow.tasks[i]!;
    if (task.referenceTaskName === ref || plainRef(task.referenceTaskName) === ref) return task;
  }
  return undefined;
}

/**
 * Finds the task an action names. `workflow` is the workflow that holds
 * `details.taskId` when that task exists, else the one `details.workflowId`
 * names (undefined when there is none). A task id wins over a reference name.
 */
export function locateTask(details: ResolvedTaskDetails, workflow: WorkflowState | undefined): TaskTarget {
  const named = details.taskId ? `task ${details.taskId}` : `task '${details.taskRefName}'`;
  if (!workflow) {
    if (details.workflowId) return { kind: "gone", reason: `No such workflow found by id: ${details.workflowId}` };
    return { kind: "hold", reason: `no ${named} has been scheduled yet` };
  }
  if (details.workflowId && details.workflowId !== workflow.workflowId) {
    return { kind: "gone", reason: `${named} belongs to workflow ${workflow.workflowId}, not ${details.workflowId}` };
  }
  if (isWorkflowTerminal(workflow.status)) {
    return { kind: "gone", reason: `workflow ${workflow.workflowId} is ${workflow.status}, so ${named} will not wait again` };
  }
  const task = details.taskId
    ? workflow.tasks.find((t) => t.taskId === details.taskId)
    : latestTaskByRef(workflow, details.taskRefName ?? "");
  if (!task) return { kind: "hold", reason: `${named} of workflow ${workflow.workflowId} has not been scheduled yet` };
  if (!isTaskTerminal(task.status)) return { kind: "ready", workflowId: workflow.workflowId, taskId: task.taskId };
  // One task id is one attempt: once it ended it never waits again. A reference may
  // get a new attempt (retry) or a new loop iteration, unless it ended successfully outside a loop.
  if (details.taskId || (isTaskSuccessful(task.status) && task.iteration === 0)) {
    return { kind: "gone", reason: `${named} of workflow ${workflow.workflowId} is already ${task.status}` };
  }
  return {
    kind: "hold",
    reason: `${named} of workflow ${workflow.workflowId} is ${task.status}; waiting for its next attempt or iteration`,
  };
}
