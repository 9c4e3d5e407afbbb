import { ConflictError, NotFoundError } from "../errors.ts";
import type { DecisionContext } from "./context.ts";
import type { WorkflowEvent } from "./events.ts";
import { findTask, type WorkflowState } from "./state.ts";
import { isTaskTerminal, isWorkflowTerminal, type TaskStatus, type WorkflowStatus } from "./status.ts";

/**
 * An inbound message ends a task: a completion event the router matched, or an
 * event handler's complete_task / fail_task. Which task, and whether it waits
 * yet, is settled before (src/domain/router/match.ts, event-handlers/target.ts;
 * a message for a task that does not wait yet is held by the application);
 * this command names the one attempt the message is for.
 */
export interface CompleteTaskFromMessage {
  type: "CompleteTaskFromMessage";
  taskId: string;
  /** Names the message wherever it is recorded (e.g. `topic/partition/offset`); remembered on the task it ends. */
  messageId: string;
  status: "COMPLETED" | "FAILED";
  /** Becomes the task's output. */
  outputData: Record<string, unknown>;
  /** Why the task failed (a FAILED message). */
  reason?: string;
  /** Shown as the task's workerId (the router's is `baton:router`). */
  workerId?: string;
}

/** Statuses a completion could have produced: a message for a task in one of them repeats an answer. */
export function isAnswered(status: TaskStatus): boolean {
  return status === "COMPLETED" || status === "COMPLETED_WITH_ERRORS" || status === "FAILED" || status === "FAILED_WITH_TERMINAL_ERROR";
}

/**
 * A message that came after its task ended, or after its workflow did. It is a
 * conflict like any other; the statuses say which kind, so the router can
 * count a repeat of an answer apart from a message nothing will ever take.
 */
export class LateCompletionError extends ConflictError {
  constructor(
    message: string,
    readonly taskStatus: TaskStatus,
    readonly workflowStatus: WorkflowStatus,
  ) {
    super(message);
    this.name = "LateCompletionError";
  }

  /** The task had already ended with a result (another message, a worker): this one repeats an answer. */
  get answered(): boolean {
    return isAnswered(this.taskStatus);
  }
}

/**
 * The event that ends the task with the message's result, or: nothing when this
 * message already ended it (a redelivery: duplicate); a LateCompletionError
 * when the task ended otherwise or its workflow ended (too late); NotFound for a
 * task the workflow does not have. The caller continues the workflow after it.
 */
export function completeTaskFromMessage(state: WorkflowState, command: CompleteTaskFromMessage, ctx: DecisionContext): WorkflowEvent[] {
  const task = findTask(state, command.taskId);
  if (!task) throw new NotFoundError(`Task ${command.taskId} not found in workflow ${state.workflowId}`);
  if (task.endedByMessageId === command.messageId) return [];
  if (isTaskTerminal(task.status)) {
    throw new LateCompletionError(
      `task ${task.taskId} of workflow ${state.workflowId} is already ${task.status}`,
      task.status,
      state.status,
    );
  }
  if (isWorkflowTerminal(state.status)) {
    throw new LateCompletionError(
      `workflow ${state.workflowId} is ${state.status}, so task ${task.taskId} will not wait again`,
      task.status,
      state.status,
    );
  }
  const ended = { taskId: task.taskId, workerId: command.workerId, outputData: command.outputData, time: ctx.now, messageId: command.messageId };
  return command.status === "COMPLETED"
    ? [{ type: "TaskCompleted", data: ended }]
    : [{ type: "TaskFailed", data: { ...ended, reason: command.reason ?? "", terminal: false } }];
}
