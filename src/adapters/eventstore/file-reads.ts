/**
 * The read side of the file store and of its read-only snapshot: the port's
 * `readStream` and `readAll`, and the feed its subscriptions read, all served
 * from disk through the index (file-index.ts) and the reader (file-reader.ts),
 * never past the visible (durable) events.
 */
import type { ReadAllOptions, ReadStreamOptions, RecordedEvent } from "../../domain/ports.ts";
import type { LogIndex } from "./file-index.ts";
import type { LogReader } from "./file-reader.ts";
import type { EventFeed } from "./subscriptions.ts";

/** Reads over one indexed log; see the module comment. */
export interface FileReads {
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * The events of `streamId` at revisions `from` to `to` (inclusive), queued
   * ones included: for the store's own checks (retries), never for callers.
   */
  streamRange(streamId: string, from: number, to: number): Promise<RecordedEvent[]>;
  feed: EventFeed;
}

/** Creates the reads of the log `index` describes; events at positions from `visibleCount()` on are not read. */
export function createFileReads(index: LogIndex, reader: LogReader, visibleCount: () => number): FileReads {
  async function streamRange(streamId: string, from: number, to: number): Promise<RecordedEvent[]> {
    const batches = await Promise.all((await index.streamBatches(streamId, from, to)).map((batch) => reader.batchEvents(batch)));
    return batches.flat().filter((event) => event.revision >= from && event.revision <= to);
  }

  /** The stream's last visible revision: appends are visible whole, so whole queued records are skipped. */
  async function lastVisibleRevision(streamId: string): Promise<number> {
    for (;;) {
      const last = index.lastRevisionBefore(streamId, visibleCount());
      if (last !== undefined) return last;
      await index.recall(streamId);
    }
  }

  async function readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const last = await lastVisibleRevision(streamId);
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (options.direction === "backwards") {
      const from = Math.min(options.fromRevision ?? last, last);
      if (from < 0) return [];
      return (await streamRange(streamId, Math.max(0, from - maxCount + 1), from)).reverse();
    }
    const from = Math.max(0, options.fromRevision ?? 0);
    return streamRange(streamId, from, Math.min(last, from + maxCount - 1));
  }

  async function readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = Math.max(0, options.fromPosition ?? 0);
    const to = Math.min(visibleCount(), from + (options.maxCount ?? Number.POSITIVE_INFINITY));
    return from < to ? reader.readRange(from, to) : [];
  }

  const feed: EventFeed = {
    visibleCount,
    eventAt(position) {
      if (position >= visibleCount()) return undefined;
      const batchNumber = index.batchAt(position);
      // A frozen record is not in memory either: the hub reads it (readFrom).
      const events = batchNumber === -1 ? undefined : reader.atHand(batchNumber);
      return events?.[position - (events[0]?.position ?? 0)];
    },
    readFrom: (position, maxCount) => readAll({ fromPosition: position, maxCount }),
  };

  return { readStream, readAll, streamRange, feed };
}
