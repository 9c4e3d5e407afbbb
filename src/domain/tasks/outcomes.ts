import type { DecisionContext } from "../workflow/context.ts";
import type { WorkflowEvent } from "../workflow/events.ts";
import type { TaskState } from "../workflow/state.ts";

/** The decider completes a system task with `outputData`. */
export function completed(task: TaskState, ctx: DecisionContext, outputData: Record<string, unknown>): WorkflowEvent {
  return { type: "TaskCompleted", data: { taskId: task.taskId, outputData, time: ctx.now } };
}

/**
 * The decider fails a system task: FAILED_WITH_TERMINAL_ERROR by default;
 * `terminal: false` gives plain FAILED (retried when a TaskDef allows).
 */
export function failed(
  task: TaskState,
  ctx: DecisionContext,
  reason: string,
  outputData: Record<string, unknown> = {},
  terminal = true,
): WorkflowEvent {
  return { type: "TaskFailed", data: { taskId: task.taskId, outputData, reason, terminal, time: ctx.now } };
}

/** The decider moves a system task to IN_PROGRESS (a WAIT with a due time carries it). */
export function started(task: TaskState, ctx: DecisionContext, waitUntil?: number): WorkflowEvent {
  return { type: "TaskStarted", data: { taskId: task.taskId, time: ctx.now, waitUntil } };
}
