import type { EventHandler, EventActionType } from "./schema.ts";

/** Facts about handler definitions; stored in `eventhandler-<name>` streams. */
export type EventHandlerEvent =
  | { type: "EventHandlerRegistered"; data: { handler: EventHandler; time: number } }
  | { type: "EventHandlerRemoved"; data: { name: string; time: number } };

/** Conductor's `EventExecution` statuses; IN_PROGRESS marks an action Baton holds for later. */
export type EventExecutionStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED" | "SKIPPED";

/**
 * Conductor's `EventExecution`: what one handler did with one message.
 * `id` is `<messageId>_<action index>`; `messageId` is `topic:partition:offset`.
 * A failure's message is in `output.exception`, as in Conductor.
 */
export interface EventExecution {
  id: string;
  messageId: string;
  /** The handler's name. */
  name: string;
  /** The handler's event (the topic the message came from). */
  event: string;
  created: number;
  status: EventExecutionStatus;
  /** Absent for an execution that ended before any action ran (condition false or broken). */
  action?: EventActionType;
  output: Record<string, unknown>;
}

/**
 * A complete_task / fail_task whose task is not waiting yet, with its
 * expressions already resolved, so it can be applied later (or after a restart).
 */
export interface HeldTaskAction {
  action: "complete_task" | "fail_task";
  task: ResolvedTaskDetails;
  /** Epoch ms after which it is given up and recorded FAILED. */
  until: number;
}

/** complete_task / fail_task parameters after `${...}` resolution. */
export interface ResolvedTaskDetails {
  workflowId?: string;
  taskRefName?: string;
  taskId?: string;
  output: Record<string, unknown>;
  reasonForIncompletion?: string;
}

/** Stored in `eventexecution-<handlerName>`; a later record with the same id supersedes an earlier one. */
export type EventExecutionEvent = {
  type: "EventExecutionRecorded";
  data: { execution: EventExecution; held?: HeldTaskAction };
};
