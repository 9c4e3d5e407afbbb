import type { EventStore } from "../../domain/ports.ts";
import type { CompletionEvent } from "../../domain/router/completion.ts";
import type { UnmatchedCause, UnmatchedCompletion } from "../../domain/router/events.ts";
import { ROUTER_UNMATCHED_STREAM } from "../../domain/streams.ts";
import type { Origin, RouterLog } from "./origin.ts";
import type { RouterCounts } from "./stats.ts";

/** How much of a message's text an unmatched record keeps. */
const VALUE_LIMIT = 4096;

export interface UnmatchedDeps {
  store: EventStore;
  log: RouterLog;
  counts: RouterCounts;
  clock: () => number;
}

/**
 * `router-unmatched`: the messages the router could not apply (malformed, for
 * no workflow or task, too late, or held past the hold time), kept for an
 * operator with the reason.
 */
export function createUnmatchedRecords({ store, log, counts, clock }: UnmatchedDeps) {
  return {
    async record(origin: Origin, value: string, cause: UnmatchedCause, reason: string, completion?: CompletionEvent): Promise<void> {
      const data: UnmatchedCompletion = { messageId: origin.id, message: origin.message, cause, reason, value: value.slice(0, VALUE_LIMIT), time: clock() };
      if (completion) {
        data.workflowId = completion.workflowId;
        data.eventType = completion.eventType;
        if (completion.taskId !== undefined) data.taskId = completion.taskId;
        if (completion.taskRefName !== undefined) data.taskRefName = completion.taskRefName;
      }
      await log(ROUTER_UNMATCHED_STREAM, { type: "CompletionUnmatched", data }, origin);
      counts.unmatched++;
    },
    /** Unmatched messages, newest first. */
    async list(limit = 100): Promise<UnmatchedCompletion[]> {
      const events = await store.readStream(ROUTER_UNMATCHED_STREAM, { direction: "backwards", maxCount: limit });
      return events.filter((event) => event.type === "CompletionUnmatched").map((event) => event.data as UnmatchedCompletion);
    },
  };
}

export type UnmatchedRecords = ReturnType<typeof createUnmatchedRecords>;
