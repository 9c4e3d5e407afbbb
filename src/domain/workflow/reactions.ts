import { isReactorType } from "../definitions/task-types.ts";
import { workflowTaskOf } from "./definition-lookup.ts";
import { isDecisionDeferred, type WorkflowState } from "./state.ts";
import { isWorkflowTerminal } from "./status.ts";

/**
 * The side effects a workflow decision asks for. They run after the decision's
 * events are stored, at least once, in the process that decided (its owner),
 * and report back as workflow commands; every one is safe to run twice
 * (claims, deterministic child ids, conflicts on a second start).
 */
export type WorkflowReaction =
  /** A system task became ready for a reactor: HTTP, KAFKA_PUBLISH, EVENT, SUB_WORKFLOW, START_WORKFLOW. */
  | { kind: "RunSystemTask"; taskId: string; taskType: string; visibleAt: number }
  /** The workflow failed (or timed out, or was terminated) and names a failure workflow. */
  | { kind: "StartFailureWorkflow"; failureWorkflowId: string }
  /** A sub-workflow ended: its parent's SUB_WORKFLOW task ends with it. */
  | { kind: "ReportToParent"; parentWorkflowId: string; parentTaskId: string }
  /** The workflow ended other than by completing: the sub-workflows it still runs are terminated. */
  | { kind: "TerminateChildren" }
  /** The decision stopped at its work budget: the engine continues it with ContinueWorkflow. */
  | { kind: "ContinueDecision" };

/** What the step from `before` to `after` asks of the outside world. */
export function workflowReactions(before: WorkflowState, after: WorkflowState): WorkflowReaction[] {
  const reactions: WorkflowReaction[] = [];
  if (!isWorkflowTerminal(after.status)) {
    const wasScheduled = new Set(before.tasks.filter((task) => task.status === "SCHEDULED").map((task) => task.taskId));
    for (const task of after.tasks) {
      if (task.status !== "SCHEDULED" || wasScheduled.has(task.taskId)) continue;
      const type = workflowTaskOf(after, task)?.type;
      if (type !== undefined && isReactorType(type)) {
        reactions.push({ kind: "RunSystemTask", taskId: task.taskId, taskType: type, visibleAt: task.visibleAt });
      }
    }
  }
  if (isDecisionDeferred(after) && after.revision > before.revision) reactions.push({ kind: "ContinueDecision" });
  const ended = isWorkflowTerminal(after.status) && !(before.exists && isWorkflowTerminal(before.status));
  if (ended) {
    if (after.failureWorkflowId) reactions.push({ kind: "StartFailureWorkflow", failureWorkflowId: after.failureWorkflowId });
    if (after.parentWorkflowId && after.parentWorkflowTaskId) {
      reactions.push({ kind: "ReportToParent", parentWorkflowId: after.parentWorkflowId, parentTaskId: after.parentWorkflowTaskId });
    }
    if (after.status !== "COMPLETED") reactions.push({ kind: "TerminateChildren" });
  }
  return reactions;
}
