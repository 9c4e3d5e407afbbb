/**
 * Verifies the file store's log on open, record by record, and decides what
 * damage means. A crash mid-write can only damage the tail, so damage with no
 * intact record after it is a torn tail, safe to cut. Damage followed by an
 * intact record is something else (a disk or an editor at work), and cutting
 * it would lose acknowledged events, so the scan fails instead.
 */
import type { FileHandle } from "node:fs/promises";
import type { EventBatch } from "./event-log.ts";
import { asEventBatch, decodeRecord } from "./file-record.ts";

/** A damaged tail: the bytes from `offset` to the end of the file. */
export interface RepairInfo {
  offset: number;
  droppedBytes: number;
  reason: string;
}

/** Reading in chunks keeps memory to one chunk plus the longest record. */
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** Where a record lies in the file: its first byte, and its length with the newline. */
export interface RecordSpan {
  offset: number;
  length: number;
}

/**
 * Passes every intact record before the first damage to `onRecord`, in file
 * order, with where it lies, and returns the damaged tail, if any. Throws an Error naming `file`,
 * the byte offset and the reason for damage that is not a torn tail, and for
 * records `asEventBatch` or `onRecord` reject.
 */
export async function scanLog(
  handle: FileHandle,
  file: string,
  onRecord: (batch: EventBatch, span: RecordSpan) => void,
): Promise<RepairInfo | undefined> {
  let damage: { offset: number; reason: string } | undefined;
  let size = 0;
  for await (const line of readLines(handle)) {
    size = line.offset + line.bytes.length + (line.complete ? 1 : 0);
    const decoded = line.complete ? decodeRecord(line.bytes) : { ok: false as const, reason: "incomplete record (no newline)" };
    if (!decoded.ok) {
      damage ??= { offset: line.offset, reason: decoded.reason };
      continue;
    }
    if (damage) {
      throw new Error(
        `${file}: damaged record at byte offset ${damage.offset} (${damage.reason}) is followed by an intact record at byte offset ${line.offset}; refusing to open rather than drop events`,
      );
    }
    try {
      onRecord(asEventBatch(decoded.value), { offset: line.offset, length: line.bytes.length + 1 });
    } catch (error) {
      throw new Error(`${file}: invalid record at byte offset ${line.offset}: ${(error as Error).message}`, { cause: error });
    }
  }
  return damage && { ...damage, droppedBytes: size - damage.offset };
}

interface LogLine {
  offset: number;
  /** The line without its newline. */
  bytes: Buffer;
  /** False for a last line with no newline. */
  complete: boolean;
}

async function* readLines(handle: FileHandle): AsyncGenerator<LogLine> {
  const pieces: Buffer[] = []; // the line read so far, when it spans chunks
  let lineStart = 0;
  let readAt = 0;
  for (;;) {
    // A fresh buffer per chunk, because `pieces` may still point into the previous one.
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, readAt);
    if (bytesRead === 0) break;
    const data = chunk.subarray(0, bytesRead);
    let start = 0;
    for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
      pieces.push(data.subarray(start, end));
      yield { offset: lineStart, bytes: Buffer.concat(pieces), complete: true };
      pieces.length = 0;
      start = end + 1;
      lineStart = readAt + start;
    }
    if (start < bytesRead) pieces.push(data.subarray(start));
    readAt += bytesRead;
  }
  if (pieces.length > 0) yield { offset: lineStart, bytes: Buffer.concat(pieces), complete: false };
}
