import { baseRef, nodeFor } from "../domain/workflow/graph.ts";
import { latestAttempts, type TaskState, type WorkflowState } from "../domain/workflow/state.ts";
import type { TaskStatus } from "../domain/workflow/status.ts";

/** Where a failed workflow should be rerun from, and which tasks that resets. */
export interface RetrySuggestion {
  workflowId: string;
  reRunFromTaskRefName: string;
  reRunFromTaskId: string;
  /** Every task reference from the restart point on, in schedule order. */
  resetTasks: string[];
  reason: string;
}

const FAILED_TASK: ReadonlySet<TaskStatus> = new Set(["FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT"]);

/**
 * The original system's restart-point rule: on a FAILED workflow take the first
 * failed task (latest attempts, by seq). An EVENT task waits for a reply to the
 * task before it, so a failed EVENT restarts from that publisher (its request is
 * sent again); any other task restarts from itself. Undefined when the workflow
 * has not failed or no task failed (e.g. it was failed by a workflow timeout).
 */
export function restartPointFor(workflow: WorkflowState): RetrySuggestion | undefined {
  if (workflow.status !== "FAILED") return undefined;
  const tasks = latestAttempts(workflow);
  // A JOIN fails because a branch task did; it is scheduled with the branch heads, so
  // it comes first by seq, but the restart point is the branch task's.
  const isFailed = (task: TaskState) => FAILED_TASK.has(task.status);
  const isJoin = (task: TaskState) => task.taskType === "JOIN" || task.taskType === "EXCLUSIVE_JOIN";
  const branchFailure = tasks.findIndex((task) => isFailed(task) && !isJoin(task));
  const failedIndex = branchFailure >= 0 ? branchFailure : tasks.findIndex(isFailed);
  const failed = tasks[failedIndex];
  if (!failed) return undefined;
  const publisher = failed.taskType === "EVENT" ? (publisherInList(workflow, tasks, failed) ?? tasks[failedIndex - 1]) : undefined;
  const from: TaskState = publisher ?? failed;
  const said = failed.reasonForIncompletion?.trim() ? failed.reasonForIncompletion.trim() : undefined;
  const reason = publisher
    ? `EVENT task '${failed.referenceTaskName}' ${failed.status}: ${said ?? "its reply never came"}, so rerun from '${publisher.referenceTaskName}' (${publisher.taskType}), the task that published the request`
    : `task '${failed.referenceTaskName}' (${failed.taskType}) ${failed.status}${said ? `: ${said}` : ""}; rerun from it`;
  return {
    workflowId: workflow.workflowId,
    reRunFromTaskRefName: from.referenceTaskName,
    reRunFromTaskId: from.taskId,
    resetTasks: tasks.slice(tasks.indexOf(from)).map((task) => task.referenceTaskName),
    reason,
  };
}

/**
 * The task before an EVENT in its own task list (its fork branch, case or loop
 * body), which published the request it waits on; by seq the task before it may
 * belong to another branch. Undefined when the EVENT heads its list.
 */
function publisherInList(workflow: WorkflowState, tasks: readonly TaskState[], event: TaskState): TaskState | undefined {
  const node = nodeFor(workflow.definition, event.referenceTaskName);
  const previous = node && node.index > 0 ? node.list[node.index - 1] : undefined;
  if (!previous) return undefined;
  const iteration = event.referenceTaskName.slice(baseRef(event.referenceTaskName).length);
  const ref = `${previous.taskReferenceName}${iteration}`;
  return tasks.find((task) => task.referenceTaskName === ref);
}
