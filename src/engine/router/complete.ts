import { NotFoundError } from "../../domain/errors.ts";
import type { EventSource } from "../../domain/ports.ts";
import { type CompletionEvent, completionOutcome } from "../../domain/router/completion.ts";
import type { HoldRelease } from "../../domain/router/events.ts";
import { LateCompletionError } from "../../domain/workflow/complete-from-message.ts";
import type { MessageCompletion, MessageCompletionVerdict } from "../message-completions.ts";
import { type Origin, sourceOf } from "./origin.ts";
import type { RouterCounts } from "./stats.ts";
import type { UnmatchedRecords } from "./unmatched.ts";

/** The worker id completions applied by the router carry. */
export const ROUTER_WORKER_ID = "baton:router";

/** What the router needs of the engine to end a task. */
export interface TaskCompleter {
  completeTaskFromMessage(workflowId: string, completion: MessageCompletion, source: EventSource): Promise<MessageCompletionVerdict>;
}

/** What became of a completion sent to its task (the outcomes a hold can end with, but expiry). */
export interface CompletionResult {
  outcome: Exclude<HoldRelease, "expired">;
  reason?: string;
}

export interface CompleteDeps {
  engine: TaskCompleter;
  counts: RouterCounts;
  unmatched: UnmatchedRecords;
}

/**
 * Sends a completion to the task routing found for it, as a
 * CompleteTaskFromMessage command carrying the message id, and records what
 * the workflow decider made of it: applied (completed or failed), a repeat
 * (this message, or another answer, ended the task already: counted as a
 * duplicate), or too late for a task that will never take one (unmatched).
 */
export function createCompleter({ engine, counts, unmatched }: CompleteDeps) {
  return async function complete(completion: CompletionEvent, origin: Origin, taskId: string, value: string): Promise<CompletionResult> {
    const outcome = completionOutcome(completion);
    try {
      const verdict = await engine.completeTaskFromMessage(
        completion.workflowId,
        {
          taskId,
          messageId: origin.id,
          status: outcome.status,
          outputData: completion.data,
          reason: outcome.status === "FAILED" ? outcome.reason : undefined,
          workerId: ROUTER_WORKER_ID,
        },
        sourceOf(origin),
      );
      if (verdict === "duplicate") {
        counts.duplicates++;
        return { outcome: "duplicate", reason: `message ${origin.id} already ended task ${taskId}` };
      }
      counts.matched++;
      if (outcome.status === "FAILED") counts.failed++;
      else counts.completed++;
      return { outcome: "applied" };
    } catch (error) {
      if (error instanceof LateCompletionError && error.answered) {
        counts.duplicates++;
        return { outcome: "duplicate", reason: error.message };
      }
      if (error instanceof LateCompletionError || error instanceof NotFoundError) {
        await unmatched.record(origin, value, "gone", error.message, completion);
        return { outcome: "gone", reason: error.message };
      }
      throw error;
    }
  };
}

export type Complete = ReturnType<typeof createCompleter>;
