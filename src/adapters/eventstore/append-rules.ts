/**
 * The append rules both embedded stores apply (EventStoreDB's): the expected
 * revision, the conflict it raises, and when a repeated append is a retry of
 * one that already succeeded. Shared so that the memory store's in-memory log
 * and the file store's on-disk index cannot drift apart.
 */
import { ConcurrencyError } from "../../domain/errors.ts";
import type { EventMetadata, ExpectedRevision, NewEvent } from "../../domain/ports.ts";

/** The part of a recorded event that is not implied by its batch. */
export interface StoredEvent {
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  created: number;
}

/** Throws a RangeError for a numeric expected revision that is not a revision. */
export function assertValidExpected(expected: ExpectedRevision): void {
  if (typeof expected === "number" && !(Number.isInteger(expected) && expected >= 0)) {
    throw new RangeError(`Expected revision must be a revision (an integer >= 0), "no_stream", "stream_exists" or "any"; got ${expected}`);
  }
}

/** Whether `expected` holds for a stream whose last revision is `last` (-1: no stream). */
export function expectationHolds(last: number, expected: ExpectedRevision): boolean {
  switch (expected) {
    case "any":
      return true;
    case "no_stream":
      return last < 0;
    case "stream_exists":
      return last >= 0;
    default:
      return expected === last;
  }
}

/** The conflict of an append whose `expected` does not hold for a stream at `last`. */
export function conflict(streamId: string, expected: ExpectedRevision, last: number): ConcurrencyError {
  const describe = typeof expected === "number" ? `revision ${expected}` : `"${expected}"`;
  return new ConcurrencyError(
    `Stream "${streamId}": expected ${describe}, but it ${last < 0 ? "does not exist" : `is at revision ${last}`}`,
    streamId,
    expected,
    last < 0 ? "no_stream" : last,
  );
}

/**
 * Where a retry's events would be in the stream: the revisions right after the
 * expected one. Undefined when the append cannot be a retry.
 */
export function retryRange(newEvents: readonly NewEvent[], expected: ExpectedRevision): { first: number; count: number } | undefined {
  if (expected === "any" || expected === "stream_exists" || newEvents.length === 0) return undefined;
  return { first: expected === "no_stream" ? 0 : expected + 1, count: newEvents.length };
}

/**
 * A retried append (EventStoreDB's rule): when the events right after the
 * expected revision have exactly the ids being appended, the first attempt
 * succeeded. `storedIds` are the ids at `retryRange`, as many as exist.
 */
export function isRetry(storedIds: readonly string[], newEvents: readonly NewEvent[]): boolean {
  return storedIds.length === newEvents.length && storedIds.every((id, index) => id === newEvents[index]?.id);
}

/** The events of an append as they are stored. */
export function toStoredEvents(newEvents: readonly NewEvent[], created: number): StoredEvent[] {
  return newEvents.map(({ id, type, data, metadata }) => ({ id, type, data, metadata: metadata ?? {}, created }));
}

/**
 * Freezes `value` and everything in it: stored events are shared by every
 * reader. Walks with its own stack: a log may hold values nested deeper than
 * the call stack (written before the input limits), and reading them must work.
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === "object" && item !== null && !Object.isFrozen(item)) {
      Object.freeze(item);
      for (const child of Object.values(item)) pending.push(child);
    }
  }
  return value;
}
