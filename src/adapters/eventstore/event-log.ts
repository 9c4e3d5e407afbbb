/**
 * The memory store's log: every event in memory, by global position and by
 * stream, with the append rules of append-rules.ts. The file store and its
 * snapshot keep only an index (file-index.ts) and read events from disk.
 *
 * Events can be added before they are visible; readers see visible events
 * only. The memory store reveals each append at once.
 */
import type { AppendResult, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent } from "../../domain/ports.ts";
import { assertValidExpected, conflict, deepFreeze, expectationHolds, isRetry, retryRange, toStoredEvents } from "./append-rules.ts";
import type { StoredEvent } from "./append-rules.ts";

export type { StoredEvent } from "./append-rules.ts";

/** One append call as stored: events of one stream at contiguous revisions and positions. */
export interface EventBatch {
  streamId: string;
  /** Revision of the first event. */
  revision: number;
  /** Global position of the first event. */
  position: number;
  events: StoredEvent[];
}

/** What an append has to do: write a new batch, or nothing (a retry, or no events). */
export type AppendPlan = { kind: "write"; batch: EventBatch } | { kind: "done"; result: AppendResult };

/** Events by position and by stream, with the append rules. */
export interface EventLog {
  /** Every added event, indexed by position; only the first `visibleCount()` are visible. */
  readonly events: readonly RecordedEvent[];
  visibleCount(): number;
  /** Checks `expected` against every added event; throws `ConcurrencyError` when it is stale. */
  planAppend(streamId: string, events: NewEvent[], expected: ExpectedRevision, created: number): AppendPlan;
  /**
   * Adds a batch, not yet visible. The log takes ownership: its events are
   * frozen, since every reader shares them, so pass a copy (the stores pass
   * the batch as read back from JSON), never the caller's objects.
   */
  add(batch: EventBatch): AppendResult;
  /** Makes the events before position `count` visible. */
  reveal(count: number): void;
  readStream(streamId: string, options?: ReadStreamOptions): RecordedEvent[];
  readAll(options?: ReadAllOptions): RecordedEvent[];
}

/** Creates an empty event log. */
export function createEventLog(): EventLog {
  const events: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  let visible = 0;

  function planAppend(
    streamId: string,
    newEvents: NewEvent[],
    expected: ExpectedRevision,
    created: number,
  ): AppendPlan {
    assertValidExpected(expected);
    const stream = streams.get(streamId) ?? [];
    const last = stream.length - 1;
    if (!expectationHolds(last, expected)) {
      const retried = retriedAppend(stream, newEvents, expected);
      if (retried) return { kind: "done", result: retried };
      throw conflict(streamId, expected, last);
    }
    if (newEvents.length === 0) {
      return { kind: "done", result: { nextExpectedRevision: last, position: stream.at(-1)?.position ?? -1 } };
    }
    return { kind: "write", batch: { streamId, revision: last + 1, position: events.length, events: toStoredEvents(newEvents, created) } };
  }

  function add(batch: EventBatch): AppendResult {
    const stream = streams.get(batch.streamId) ?? [];
    // Guards the invariant that positions and revisions have no gaps; a
    // file whose records break it must not be half-loaded.
    if (batch.position !== events.length || batch.revision !== stream.length || batch.events.length === 0) {
      throw new Error(
        `batch of ${batch.events.length} event(s) for stream "${batch.streamId}" starts at revision ${batch.revision}, position ${batch.position}; expected revision ${stream.length}, position ${events.length}`,
      );
    }
    for (const recorded of toRecordedEvents(batch)) {
      events.push(recorded);
      stream.push(recorded);
    }
    streams.set(batch.streamId, stream);
    const count = batch.events.length;
    return { nextExpectedRevision: batch.revision + count - 1, position: batch.position + count - 1 };
  }

  function readStream(streamId: string, options: ReadStreamOptions = {}): RecordedEvent[] {
    const stream = streams.get(streamId);
    if (!stream) return [];
    let end = stream.length;
    // Only the newest events of a stream can be invisible, so walk back from the end.
    while (end > 0 && (stream[end - 1]?.position ?? 0) >= visible) end -= 1;
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (options.direction === "backwards") {
      const from = Math.min(options.fromRevision ?? end - 1, end - 1);
      return stream.slice(Math.max(0, from - maxCount + 1), from + 1).reverse();
    }
    const from = Math.max(0, options.fromRevision ?? 0);
    return stream.slice(from, Math.min(end, from + maxCount));
  }

  function readAll(options: ReadAllOptions = {}): RecordedEvent[] {
    const from = Math.max(0, options.fromPosition ?? 0);
    return events.slice(from, Math.min(visible, from + (options.maxCount ?? Number.POSITIVE_INFINITY)));
  }

  return {
    events,
    visibleCount: () => visible,
    planAppend,
    add,
    reveal(count) {
      visible = Math.max(visible, Math.min(count, events.length));
    },
    readStream,
    readAll,
  };
}

/** A batch's events as recorded events, deeply frozen, since every reader shares them. */
export function toRecordedEvents(batch: EventBatch): RecordedEvent[] {
  return batch.events.map(({ id, type, data, metadata, created }, index) =>
    deepFreeze({ id, streamId: batch.streamId, revision: batch.revision + index, position: batch.position + index, type, data, metadata, created }),
  );
}

/** The first attempt's result, when appending `newEvents` at `expected` repeats it. */
function retriedAppend(
  stream: readonly RecordedEvent[],
  newEvents: readonly NewEvent[],
  expected: ExpectedRevision,
): AppendResult | undefined {
  const range = retryRange(newEvents, expected);
  if (!range) return undefined;
  const stored = stream.slice(range.first, range.first + range.count);
  const lastStored = stored.at(-1);
  if (!lastStored || !isRetry(stored.map((event) => event.id), newEvents)) return undefined;
  return { nextExpectedRevision: lastStored.revision, position: lastStored.position };
}
