/**
 * Reading `$all` for the EventStoreDB store, in pages, from a Baton position.
 *
 * EventStoreDB only reads `$all` from record boundaries: the start, the end,
 * or an event's own position; anything else is refused as an invalid position.
 * Callers often ask for "the event after p" as `p + 1` (the memory and file
 * stores number densely), which is never a boundary here, so a refused start
 * is located: first at `p - 1` (that common case), else by walking back from
 * the end. Events before the requested position are dropped client-side.
 *
 * The client's `readAll` has no server-side filter, so events outside Baton's
 * streams (statistics, settings, other applications) are read and dropped here.
 */
import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  type Direction,
  type EventStoreDBClient,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from "@eventstore/db-client";
import type { RecordedEvent } from "../../domain/ports.ts";
import { toPosition, toRecordedEvent } from "./esdb-events.ts";

/** Raw events per `$all` read call. */
const PAGE_SIZE = 500;
/** gRPC status EventStoreDB answers a read from a non-boundary position with. */
const INVALID_ARGUMENT = 3;

/** One page: the matching events, and the last raw event read (a valid position to continue after). */
export interface AllPage {
  events: RecordedEvent[];
  last: Position | undefined;
}

export type AllReader = ReturnType<typeof createAllReader>;

/** Reads `$all` through `client`, keeping events of streams `inScope` accepts. */
export function createAllReader(client: EventStoreDBClient, inScope: (streamId: string) => boolean) {
  async function readRaw(fromPosition: ReadPosition, maxCount: number, direction: Direction = FORWARDS): Promise<ResolvedEvent[]> {
    const raw: ResolvedEvent[] = [];
    for await (const resolved of client.readAll({ fromPosition, maxCount, direction })) raw.push(resolved);
    return raw;
  }

  /** A position to start a forwards read at, at or before the first event at or after `from`. */
  async function locate(from: number): Promise<ReadPosition> {
    try {
      await readRaw(toPosition(from - 1), 1);
      return toPosition(from - 1);
    } catch (error) {
      if (!isInvalidPosition(error)) throw error;
    }
    let cursor: ReadPosition = END;
    let firstAtOrAfter: Position | undefined;
    for (;;) {
      const raw = await readRaw(cursor, PAGE_SIZE, BACKWARDS);
      for (const { event } of raw) {
        if (!event?.position) continue;
        if (event.position.commit < BigInt(from)) return firstAtOrAfter ?? event.position;
        firstAtOrAfter = event.position;
        cursor = event.position;
      }
      if (raw.length < PAGE_SIZE) return firstAtOrAfter ?? START;
    }
  }

  /**
   * Pages of matching events at positions >= `from`, in order, until the end
   * of `$all` as it was when the last page was read. `pageSize` bounds the raw
   * events of a page (so a small `maxCount` does not read a full page).
   */
  async function* pages(from: number, pageSize: () => number = () => PAGE_SIZE): AsyncGenerator<AllPage> {
    let cursor: ReadPosition = from <= 0 ? START : toPosition(from);
    let last: Position | undefined;
    let located = from <= 0;
    for (;;) {
      // Continuing at the previous page's last event re-reads it: ask for one more.
      const size = Math.max(1, Math.min(PAGE_SIZE, pageSize())) + (last === undefined ? 0 : 1);
      let raw: ResolvedEvent[];
      try {
        raw = await readRaw(cursor, size);
      } catch (error) {
        if (located || !isInvalidPosition(error)) throw error;
        cursor = await locate(from);
        located = true;
        continue;
      }
      located = true;
      const events: RecordedEvent[] = [];
      for (const { event } of raw) {
        // A page starts at the previous page's last event (reads are inclusive): skip it.
        if (!event?.position || (last !== undefined && event.position.commit <= last.commit)) continue;
        last = event.position;
        if (event.position.commit >= BigInt(from) && inScope(event.streamId)) events.push(toRecordedEvent(event));
      }
      yield { events, last };
      if (raw.length < size || last === undefined) return;
      cursor = last;
    }
  }

  /** The last event of `$all` (any stream), if any: where a subscription can start after. */
  async function lastPosition(): Promise<Position | undefined> {
    const [last] = await readRaw(END, 1, BACKWARDS);
    return last?.event?.position;
  }

  return { pages, lastPosition };
}

/** Whether EventStoreDB refused a read's start position (INVALID_ARGUMENT; older servers say so only in the message). */
function isInvalidPosition(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === INVALID_ARGUMENT || (typeof message === "string" && /invalid position/i.test(message));
}
