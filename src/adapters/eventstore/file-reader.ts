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
import type { EventBatch } from "./event-log.ts";
import type { LogIndex, IndexedBatch } from "./file-index.ts";
import { asEventBatch, decodeRecord } from "./file-record.ts";

/** Reads records of one log file; see the module comment. */
export interface LogReader {
  /** The events of a record when they are in memory (pinned or cached). */
  atHand(batchNumber: number): readonly RecordedEvent[] | undefined;
  /** The events of a record: in memory, or read from disk (and cached). */
  batchEvents(batch: IndexedBatch): Promise<readonly RecordedEvent[]>;
  /** The events at positions `from` (inclusive) to `to` (exclusive), all written, read in chunks. */
  readRange(from: number, to: number): Promise<RecordedEvent[]>;
  /** Keeps a queued record's events (`length` bytes in the file) in memory until `unpinBefore` passes it. */
  pin(batchNumber: number, events: readonly RecordedEvent[], length: number): void;
  /** Moves the pinned records before `position` to the cache. */
  unpinBefore(position: number): void;
}

/** Bytes per read of consecutive records (more when a single record is larger). */
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/**
 * Creates a reader of `file` (open as `handle`) by `index`. Reads by position
 * start where the index says (a record in memory, or a fence of a frozen
 * segment) and walk the records from there, so they need nothing of the
 * index once started: a record frozen meanwhile is still read.
 */
export function createLogReader(handle: FileHandle, file: string, index: LogIndex, cache: BatchCache): LogReader {
  const pinned = new Map<number, { events: readonly RecordedEvent[]; length: number }>();
  const reading = new Map<number, Promise<readonly RecordedEvent[]>>();

  function atHand(batchNumber: number): readonly RecordedEvent[] | undefined {
    return pinned.get(batchNumber)?.events ?? cache.get(batchNumber);
  }

  async function readBatch(batch: IndexedBatch): Promise<readonly RecordedEvent[]> {
    const bytes = await readBytes(batch.offset, batch.length);
    const events = decode(bytes, batch);
    cache.set(batch.number, events, batch.length);
    return events;
  }

  async function readRange(from: number, to: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    if (from >= to) return events;
    const start = index.startOf(from);
    let expected = start.position;
    let lineOffset = start.offset;
    let readAt = start.offset;
    let pending = EMPTY;
    // Where the last record wanted ends, when the index holds it in memory: read no further than that.
    const lastWanted = index.batchAt(to - 1);
    const endWanted = lastWanted === -1 ? Number.POSITIVE_INFINITY : index.batch(lastWanted).offset + index.batch(lastWanted).length;
    while (expected < to) {
      const want = Math.max(1, Math.min(CHUNK_BYTES, endWanted - readAt));
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, readAt);
      if (bytesRead === 0) throw new Error(`${file}: ends at byte offset ${readAt}, before position ${to}, which the index holds; was it truncated while open?`);
      readAt += bytesRead;
      const data = pending.length > 0 ? Buffer.concat([pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let lineStart = 0;
      for (let newline = data.indexOf(NEWLINE); newline !== -1 && expected < to; newline = data.indexOf(NEWLINE, lineStart)) {
        const stored = decodeLine(data.subarray(lineStart, newline + 1), lineOffset);
        if (stored.position !== expected) {
          throw new Error(`${file}: record at byte offset ${lineOffset} holds position ${stored.position}; position ${expected} was expected there`);
        }
        for (const event of toRecordedEvents(stored)) {
          if (event.position >= from && event.position < to) events.push(event);
        }
        expected += stored.events.length;
        lineOffset += newline + 1 - lineStart;
        lineStart = newline + 1;
      }
      pending = data.subarray(lineStart);
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

  function decodeLine(bytes: Buffer, offset: number): EventBatch {
    const decoded = bytes.at(-1) === NEWLINE ? decodeRecord(bytes.subarray(0, -1)) : { ok: false as const, reason: "no newline" };
    if (!decoded.ok) throw new Error(`${file}: record at byte offset ${offset} is damaged (${decoded.reason}); it was intact when the store opened`);
    try {
      return asEventBatch(decoded.value);
    } catch (error) {
      throw new Error(`${file}: invalid record at byte offset ${offset}: ${(error as Error).message}`, { cause: error });
    }
  }

  function decode(bytes: Buffer, batch: IndexedBatch): RecordedEvent[] {
    const stored = decodeLine(bytes, batch.offset);
    if (stored.streamId !== batch.streamId || stored.position !== batch.position || stored.revision !== batch.revision || stored.events.length !== batch.count) {
      throw new Error(`${file}: record at byte offset ${batch.offset} is not the one indexed there (stream "${batch.streamId}", position ${batch.position})`);
    }
    return toRecordedEvents(stored);
  }

  return {
    atHand,
    batchEvents(batch) {
      const batchNumber = batch.number;
      const inMemory = atHand(batchNumber);
      if (inMemory) return Promise.resolve(inMemory);
      // Concurrent readers of one record share one read.
      let read = reading.get(batchNumber);
      if (!read) {
        read = readBatch(batch).finally(() => reading.delete(batchNumber));
        reading.set(batchNumber, read);
      }
      return read;
    },
    readRange,
    pin(batchNumber, events, length) {
      pinned.set(batchNumber, { events, length });
    },
    unpinBefore(position) {
      // Pinned in record order, so the ones to move come first.
      for (const [batchNumber, { events, length }] of pinned) {
        if (events[0]!.position >= position) break;
        pinned.delete(batchNumber);
        cache.set(batchNumber, events, length);
      }
    },
  };
}
