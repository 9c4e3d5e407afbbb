/**
 * Verifies the file store's log on open, record by record, and decides what
 * damage means. A crash mid-write leaves at most an incomplete last line (no
 * newline): a torn tail, never acknowledged, safe to cut. Every complete
 * line was written whole, so one that fails its check (the last one too) was
 * damaged afterwards, by a disk or an editor, and cutting it would drop
 * acknowledged events: the scan throws `LogDamageError` instead, and
 * `baton repair` (file-repair.ts) deals with it on purpose.
 */
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { EventBatch } from "./event-log.ts";
import { describeDamage, LogDamageError, normalizeLine } from "./file-damage.ts";
import { asEventBatch, decodeRecord } from "./file-record.ts";

/** A torn tail: the bytes from `offset` to the end of the file, an incomplete record. */
export interface RepairInfo {
  offset: number;
  droppedBytes: number;
  reason: string;
}

/** What the scan found after the last complete record. */
export type LogTail =
  /** An incomplete record, to be cut (or skipped by a reader). */
  | ({ kind: "torn" } & RepairInfo)
  /** A whole, valid record that lacks only its newline, not passed to `onRecord`: keep it by adding the newline. */
  | { kind: "unterminated"; offset: number; batch: EventBatch; length: number };

/** Reading in chunks keeps memory to one chunk plus the longest record. */
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const CR = 0x0d;
const HEADER = /^[0-9a-f]{8} $/;
/**
 * Where a record starts (encodeRecord writes `streamId` first). Nowhere else in
 * JSON.stringify output: a structural `{` never follows a space, and one inside
 * a string is followed by the string's closing quote, never by a key.
 */
const RECORD_START = /[0-9a-f]{8} \{"streamId":"/g;

/** Where a record lies in the file: its first byte, and its length with the newline. */
export interface RecordSpan {
  offset: number;
  length: number;
}

/**
 * Passes every record from byte `fromOffset` on (where a record starts) to
 * `onRecord`, awaited when it returns a promise, in file order, with where it lies, and
 * returns what follows the last complete record, if anything. Throws
 * `LogDamageError` (naming `file`, the byte offset and what was found) for a
 * complete line that is not a valid record, for an incomplete last line that
 * is not a torn record, and for records `asEventBatch` or `onRecord` reject.
 */
export async function scanLog(
  handle: FileHandle,
  file: string,
  onRecord: (batch: EventBatch, span: RecordSpan) => void | Promise<void>,
  fromOffset = 0,
): Promise<LogTail | undefined> {
  const damaged = (offset: number, found: string) => new LogDamageError(file, offset, found, dirname(file));
  for await (const line of readLogLines(handle, fromOffset)) {
    if (!line.complete) return lastLine(line, damaged);
    const decoded = decodeRecord(line.bytes);
    if (!decoded.ok) throw damaged(line.offset, describeDamage(line.bytes, line.offset, decoded.reason));
    try {
      const added = onRecord(asEventBatch(decoded.value), { offset: line.offset, length: line.bytes.length + 1 });
      if (added) await added;
    } catch (error) {
      throw Object.assign(damaged(line.offset, `invalid record: ${(error as Error).message}`), { cause: error });
    }
  }
  return undefined;
}

/** The incomplete last line: a torn record, or a whole record without its newline; anything else is damage. */
function lastLine(line: LogLine, damaged: (offset: number, found: string) => LogDamageError): LogTail {
  const { bytes, offset } = line;
  const decoded = decodeRecord(bytes);
  if (decoded.ok) {
    try {
      return { kind: "unterminated", offset, batch: asEventBatch(decoded.value), length: bytes.length + 1 };
    } catch (error) {
      throw Object.assign(damaged(offset, `invalid record: ${(error as Error).message}`), { cause: error });
    }
  }
  if (bytes.length > 9 && decodeRecord(bytes.subarray(0, -1)).ok) {
    throw damaged(offset, `the last record is whole but its newline is byte 0x${bytes.at(-1)!.toString(16).padStart(2, "0")}`);
  }
  const normalized = normalizeLine(bytes, offset === 0);
  if (normalized.fixes.length > 0 && decodeRecord(normalized.bytes).ok) throw damaged(offset, describeDamage(bytes, offset, decoded.reason));
  const notTorn = notATornRecord(bytes);
  if (notTorn) throw damaged(offset, `an incomplete last line that is not the start of one record (${notTorn})`);
  return { kind: "torn", offset, droppedBytes: bytes.length, reason: `incomplete record (no newline; ${decoded.reason})` };
}

/**
 * Why `bytes` cannot be what a crash leaves of one record being written, or
 * undefined when it can. Fewer than a header's bytes hold no event and are cut.
 */
export function notATornRecord(bytes: Buffer): string | undefined {
  if (bytes.length < 9) return undefined;
  if (!HEADER.test(bytes.toString("latin1", 0, 9))) return "no record header";
  if (bytes.includes(CR)) return "it holds a carriage return";
  const starts = bytes.toString("latin1").match(RECORD_START)?.length ?? 0;
  if (starts > 1) return `it holds ${starts} record starts`;
  return undefined;
}

/** One line of the log. */
export interface LogLine {
  offset: number;
  /** The line without its newline. */
  bytes: Buffer;
  /** False for a last line with no newline. */
  complete: boolean;
}

/** The log's lines from byte `fromOffset` on (a line start), in file order, read in chunks. */
export async function* readLogLines(handle: FileHandle, fromOffset = 0): AsyncGenerator<LogLine> {
  const pieces: Buffer[] = []; // the line read so far, when it spans chunks
  let lineStart = fromOffset;
  let readAt = fromOffset;
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
