/**
 * Reads the file store's records back from disk by the index (file-index.ts):
 * one record at a time through the cache (stream reads), or runs of
 * consecutive records in one read each (catch-up, readAll), around the cache.
 *
 * Records that are queued, or durable but not yet handed to subscribers, are
 * pinned in memory: their appends are checked against them (retries) and live
 * delivery hands them out without I/O, which read-your-writes depends on
 * (subscriptions.ts). Once delivered they move to the cache.
 *
 * Every record read is checked again (checksum, and that it is the record the
 * index expects): the file may have been damaged since it was opened, and a
 * wrong event must never be handed out as a right one.
 */
import type { FileHandle } from "node:fs/promises";
import type { RecordedEvent } from "../../domain/ports.ts";
import type { BatchCache } from "./batch-cache.ts";
import { toRecordedEvents } from "./event-log.ts";
import type { LogIndex, IndexedBatch } from "./file-index.ts";
import { asEventBatch, decodeRecord } from "./file-record.ts";

/** Reads records of one log file; see the module comment. */
export interface LogReader {
  /** The events of a record when they are in memory (pinned or cached). */
  atHand(batchNumber: number): readonly RecordedEvent[] | undefined;
  /** The events of a record: in memory, or read from disk (and cached). */
  batchEvents(batchNumber: number): Promise<readonly RecordedEvent[]>;
  /** The events at positions `from` (inclusive) to `to` (exclusive), all written, read in chunks. */
  readRange(from: number, to: number): Promise<RecordedEvent[]>;
  /** Keeps a queued record's events in memory until `unpinBefore` passes it. */
  pin(batchNumber: number, events: readonly RecordedEvent[]): void;
  /** Moves the pinned records before `position` to the cache. */
  unpinBefore(position: number): void;
}

/** Bytes per read of consecutive records (more when a single record is larger). */
const CHUNK_BYTES = 1 << 20;

/** Creates a reader of `file` (open as `handle`) by `index`. */
export function createLogReader(handle: FileHandle, file: string, index: LogIndex, cache: BatchCache): LogReader {
  const pinned = new Map<number, readonly RecordedEvent[]>();
  const reading = new Map<number, Promise<readonly RecordedEvent[]>>();

  function atHand(batchNumber: number): readonly RecordedEvent[] | undefined {
    return pinned.get(batchNumber) ?? cache.get(batchNumber);
  }

  async function readBatch(batchNumber: number): Promise<readonly RecordedEvent[]> {
    const batch = index.batch(batchNumber);
    const bytes = await readBytes(batch.offset, batch.length);
    const events = decode(bytes, batch);
    cache.set(batchNumber, events, batch.length);
    return events;
  }

  async function readRange(from: number, to: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    let batchNumber = from < to ? index.batchAt(from) : 0;
    let position = from;
    while (position < to) {
      const run = [index.batch(batchNumber)];
      let bytes = run[0]!.length;
      for (;;) {
        const last = run.at(-1)!;
        if (last.position + last.count >= to) break;
        const next = index.batch(batchNumber + run.length);
        if (bytes + next.length > CHUNK_BYTES) break;
        run.push(next);
        bytes += next.length;
      }
      const buffer = await readBytes(run[0]!.offset, bytes);
      let at = 0;
      for (const batch of run) {
        for (const event of decode(buffer.subarray(at, at + batch.length), batch)) {
          if (event.position >= from && event.position < to) events.push(event);
        }
        at += batch.length;
      }
      const last = run.at(-1)!;
      position = last.position + last.count;
      batchNumber += run.length;
    }
    return events;
  }

  async function readBytes(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
      if (bytesRead === 0) throw new Error(`${file}: ends before byte offset ${offset + length}, which the index holds; was it truncated while open?`);
      filled += bytesRead;
    }
    return buffer;
  }

  function decode(bytes: Buffer, batch: IndexedBatch): RecordedEvent[] {
    const decoded = bytes.at(-1) === 0x0a ? decodeRecord(bytes.subarray(0, -1)) : { ok: false as const, reason: "no newline" };
    if (!decoded.ok) throw new Error(`${file}: record at byte offset ${batch.offset} is damaged (${decoded.reason}); it was intact when the store opened`);
    let stored;
    try {
      stored = asEventBatch(decoded.value);
    } catch (error) {
      throw new Error(`${file}: invalid record at byte offset ${batch.offset}: ${(error as Error).message}`, { cause: error });
    }
    if (stored.streamId !== batch.streamId || stored.position !== batch.position || stored.revision !== batch.revision || stored.events.length !== batch.count) {
      throw new Error(`${file}: record at byte offset ${batch.offset} is not the one indexed there (stream "${batch.streamId}", position ${batch.position})`);
    }
    return toRecordedEvents(stored);
  }

  return {
    atHand,
    batchEvents(batchNumber) {
      const inMemory = atHand(batchNumber);
      if (inMemory) return Promise.resolve(inMemory);
      // Concurrent readers of one record share one read.
      let read = reading.get(batchNumber);
      if (!read) {
        read = readBatch(batchNumber).finally(() => reading.delete(batchNumber));
        reading.set(batchNumber, read);
      }
      return read;
    },
    readRange,
    pin(batchNumber, events) {
      pinned.set(batchNumber, events);
    },
    unpinBefore(position) {
      // Pinned in record order, so the ones to move come first.
      for (const [batchNumber, events] of pinned) {
        const batch = index.batch(batchNumber);
        if (batch.position >= position) break;
        pinned.delete(batchNumber);
        cache.set(batchNumber, events, batch.length);
      }
    },
  };
}
