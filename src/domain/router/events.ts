import type { CompletionEvent } from "./completion.ts";
import type { MatchRule, RouteTarget } from "./match.ts";

/** The bus record a completion came in (a Kafka record, or its in-process equivalent). */
export interface RouterMessage {
  topic: string;
  partition: number;
  offset: string;
  key?: string;
}

/** `topic/partition/offset`: how the router names a message everywhere (audit detail, holds, unmatched). */
export const routerMessageId = (message: RouterMessage) => `${message.topic}/${message.partition}/${message.offset}`;

/**
 * Why a message completed nothing: not a completion event (`malformed`), for a
 * workflow that does not exist, matching no task, for a task that will never
 * wait again (`gone`), or held until its hold time ran out (`expired`).
 */
export type UnmatchedCause = "malformed" | "unknown_workflow" | "no_task" | "gone" | "expired";

/** A message the router could not apply, kept for an operator to inspect. */
export interface UnmatchedCompletion {
  messageId: string;
  message: RouterMessage;
  cause: UnmatchedCause;
  reason: string;
  workflowId?: string;
  eventType?: string;
  taskId?: string;
  taskRefName?: string;
  /** The message text (cut at 4 KiB). */
  value: string;
  time: number;
}

/** A completion whose task does not wait yet; applied when it does, given up at `until`. */
export interface HeldCompletion {
  messageId: string;
  message: RouterMessage;
  completion: CompletionEvent;
  rule: MatchRule;
  target: RouteTarget;
  /** Why it is held (the task's state when it came). */
  reason: string;
  heldAt: number;
  until: number;
}

/** How a hold ended. */
export type HoldRelease = "applied" | "duplicate" | "gone" | "expired";

/**
 * The router's own facts: unmatched messages in `router-unmatched`, holds and
 * their release in `router-holds` (so holds survive a restart).
 */
export type RouterEvent =
  | { type: "CompletionUnmatched"; data: UnmatchedCompletion }
  | { type: "CompletionHeld"; data: HeldCompletion }
  | { type: "HeldCompletionReleased"; data: { messageId: string; outcome: HoldRelease; reason?: string; time: number } };

/** The holds a `router-holds` stream leaves open, in the order they were taken. */
export function openHolds(events: Iterable<RouterEvent>): HeldCompletion[] {
  const open = new Map<string, HeldCompletion>();
  for (const event of events) {
    if (event.type === "CompletionHeld") open.set(event.data.messageId, event.data);
    else if (event.type === "HeldCompletionReleased") open.delete(event.data.messageId);
  }
  return [...open.values()];
}
