/**
 * An immutable on-disk piece of the file store's index (file-index.ts): for
 * one run of consecutive records of the log, each stream's records in it (the
 * record's number, byte range, first revision, position and event count),
 * sorted by a hash of the stream's name, and a sparse list of where records
 * start (fences) for reads by position.
 *
 * Layout (little endian):
 *
 *     "BATONIX1"  u32 head length  head  entries  u32 crc32 of all bytes before it
 *     head:    8 f64 (first record, end record, first position, end position,
 *              start offset, end offset, last record's offset and length),
 *              u32 streams, u32 fences, u32 hash per stream (ascending),
 *              u32 entry offset per stream and one past the last, 3 f64 per fence
 *              (record number, position, byte offset)
 *     entry:   u32 name length, the name (UTF-8), u32 records, 6 f64 per record
 *
 * Opening reads the whole file once to check the checksum (a damaged or
 * truncated segment is refused with `IndexSegmentDamageError`, never used)
 * and keeps only the head: 8 bytes per stream. A lookup finds the stream's
 * hash by binary search in memory and reads its entry from disk (one read),
 * comparing the name, so a hash collision costs a read, never a wrong answer.
 *
 * Written as a temp file, fsynced, renamed into place, and the directory
 * fsynced (`syncDirectory`), so a crash leaves either the whole segment or
 * none (and perhaps a temp file, which the store removes on open).
 */
import { open, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import { syncDirectory } from "./file-writer.ts";

/** One record of a stream as a segment holds it (see `IndexedBatch`). */
export interface SegmentRecord {
  number: number;
  offset: number;
  length: number;
  revision: number;
  position: number;
  count: number;
}

/** Where a record starts: the segment keeps one every `FENCE_EVERY` records, and its first. */
export interface SegmentFence {
  number: number;
  position: number;
  offset: number;
}

/** The run of the log a segment covers: records `firstRecord` to `endRecord` (exclusive), and so on. */
export interface SegmentRange {
  firstRecord: number;
  endRecord: number;
  firstPosition: number;
  endPosition: number;
  startOffset: number;
  endOffset: number;
  /** The last record's byte range, which opening compares with the log. */
  lastRecordOffset: number;
  lastRecordLength: number;
}

/** What a segment is written from. */
export interface SegmentContents {
  range: SegmentRange;
  /** Each stream once, with its records in this range in log order. */
  streams: Array<{ streamId: string; records: SegmentRecord[] }>;
  fences: SegmentFence[];
}

/** An open segment; see the module comment. */
export interface IndexSegment {
  file: string;
  range: SegmentRange;
  streamCount(): number;
  /** False when the segment surely holds nothing of `streamId` (no disk read). */
  mayHold(streamId: string): boolean;
  /** The stream's records in this segment, in log order; undefined when it has none. */
  lookup(streamId: string): Promise<SegmentRecord[] | undefined>;
  /** The last fence at or before `position` (which must be in the range). */
  fenceAtOrBefore(position: number): SegmentFence;
  close(): Promise<void>;
}

/** A segment file that fails its checks: it is not used, and the index is rebuilt from the log. */
export class IndexSegmentDamageError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: damaged index segment (${detail}); the store rebuilds its index from events.log`);
    this.name = "IndexSegmentDamageError";
  }
}

/** A fence every this many records: 24 bytes per 256 records stay in memory. */
export const FENCE_EVERY = 256;

const MAGIC = Buffer.from("BATONIX1", "latin1");
const RANGE_FIELDS = 8;
const RECORD_FIELDS = 6;
const FENCE_FIELDS = 3;

/** The hash segments sort and look streams up by. */
export function streamHash(streamId: string): number {
  return crc32(streamId);
}

/** Writes `contents` to `file` durably (temp file, fsync, rename, directory fsync); see the module comment. */
export async function writeIndexSegment(file: string, contents: SegmentContents, fsync: boolean): Promise<void> {
  const bytes = encodeSegment(contents);
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(bytes);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  if (fsync) await syncDirectory(dirname(file));
}

/** The bytes of a segment; entries sorted by hash, then name. */
export function encodeSegment(contents: SegmentContents): Buffer {
  const sorted = contents.streams
    .map((stream) => ({ ...stream, hash: streamHash(stream.streamId), name: Buffer.from(stream.streamId, "utf8") }))
    .sort((a, b) => a.hash - b.hash || Buffer.compare(a.name, b.name));
  const entries = sorted.map(({ name, records }) => {
    const entry = Buffer.alloc(8 + name.length + records.length * RECORD_FIELDS * 8);
    entry.writeUInt32LE(name.length, 0);
    name.copy(entry, 4);
    let at = 4 + name.length;
    entry.writeUInt32LE(records.length, at);
    at += 4;
    for (const record of records) {
      for (const value of [record.number, record.offset, record.length, record.revision, record.position, record.count]) {
        entry.writeDoubleLE(value, at);
        at += 8;
      }
    }
    return entry;
  });
  const streams = sorted.length;
  const head = Buffer.alloc(RANGE_FIELDS * 8 + 8 + streams * 4 + (streams + 1) * 4 + contents.fences.length * FENCE_FIELDS * 8);
  const { range } = contents;
  let at = 0;
  for (const value of [range.firstRecord, range.endRecord, range.firstPosition, range.endPosition, range.startOffset, range.endOffset, range.lastRecordOffset, range.lastRecordLength]) {
    head.writeDoubleLE(value, at);
    at += 8;
  }
  head.writeUInt32LE(streams, at);
  head.writeUInt32LE(contents.fences.length, at + 4);
  at += 8;
  for (const { hash } of sorted) {
    head.writeUInt32LE(hash, at);
    at += 4;
  }
  let entryOffset = 0;
  for (const entry of [...entries, undefined]) {
    if (entryOffset > 0xffff_ffff) throw new RangeError("index segment entries exceed 4 GiB; freeze fewer records at a time");
    head.writeUInt32LE(entryOffset, at);
    at += 4;
    entryOffset += entry?.length ?? 0;
  }
  for (const fence of contents.fences) {
    head.writeDoubleLE(fence.number, at);
    head.writeDoubleLE(fence.position, at + 8);
    head.writeDoubleLE(fence.offset, at + 16);
    at += 24;
  }
  const length = Buffer.alloc(4);
  length.writeUInt32LE(head.length);
  const body = Buffer.concat([MAGIC, length, head, ...entries]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32LE(crc32(body));
  return Buffer.concat([body, checksum]);
}

/** Opens a segment, checking all of it; throws `IndexSegmentDamageError` when it is damaged or truncated. */
export async function openIndexSegment(file: string): Promise<IndexSegment> {
  const handle = await open(file, "r");
  try {
    return await readSegment(handle, file);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function readSegment(handle: FileHandle, file: string): Promise<IndexSegment> {
  const damaged = (detail: string) => new IndexSegmentDamageError(file, detail);
  const size = (await handle.stat()).size;
  if (size < MAGIC.length + 8) throw damaged(`${size} bytes, shorter than any segment`);
  const prefix = await readExactly(handle, 0, MAGIC.length + 4);
  if (!prefix.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged("not an index segment (wrong magic)");
  const headLength = prefix.readUInt32LE(MAGIC.length);
  if (prefix.length + headLength > size - 4) throw damaged(`head of ${headLength} bytes does not fit in ${size} bytes`);
  const head = await readExactly(handle, prefix.length, headLength);
  // The checksum covers everything: read it all once, in chunks.
  let checksum = 0;
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (let at = 0; at < size - 4; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - 4 - at), at);
    if (bytesRead === 0) throw damaged(`ends at byte ${at} while being read`);
    checksum = crc32(chunk.subarray(0, bytesRead), checksum);
    at += bytesRead;
  }
  if ((await readExactly(handle, size - 4, 4)).readUInt32LE() !== checksum) throw damaged("checksum mismatch");

  const values: number[] = [];
  for (let i = 0; i < RANGE_FIELDS; i++) values.push(head.readDoubleLE(i * 8));
  const [firstRecord, endRecord, firstPosition, endPosition, startOffset, endOffset, lastRecordOffset, lastRecordLength] = values as [number, number, number, number, number, number, number, number];
  const range: SegmentRange = { firstRecord, endRecord, firstPosition, endPosition, startOffset, endOffset, lastRecordOffset, lastRecordLength };
  const streams = head.readUInt32LE(RANGE_FIELDS * 8);
  const fenceCount = head.readUInt32LE(RANGE_FIELDS * 8 + 4);
  const hashesAt = RANGE_FIELDS * 8 + 8;
  const offsetsAt = hashesAt + streams * 4;
  const fencesAt = offsetsAt + (streams + 1) * 4;
  if (fencesAt + fenceCount * FENCE_FIELDS * 8 !== head.length) throw damaged("head length does not match its counts");
  // Copies of their own (aligned), not views of `head`.
  const hashes = new Uint32Array(streams);
  for (let i = 0; i < streams; i++) hashes[i] = head.readUInt32LE(hashesAt + i * 4);
  const entryOffsets = new Uint32Array(streams + 1);
  for (let i = 0; i <= streams; i++) entryOffsets[i] = head.readUInt32LE(offsetsAt + i * 4);
  const fences = new Float64Array(fenceCount * FENCE_FIELDS);
  for (let i = 0; i < fences.length; i++) fences[i] = head.readDoubleLE(fencesAt + i * 8);
  const entriesAt = prefix.length + head.length;
  if (entriesAt + entryOffsets[streams]! !== size - 4) throw damaged("entries do not end where the checksum starts");
  if (fenceCount === 0 || fences[1] !== firstPosition) throw damaged("no fence at the first record");

  function firstWithHashAtLeast(hash: number): number {
    let low = 0;
    let high = streams;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (hashes[middle]! < hash) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  async function readEntry(entry: number): Promise<{ name: string; records: SegmentRecord[] }> {
    const from = entryOffsets[entry]!;
    const length = entryOffsets[entry + 1]! - from;
    const bytes = await readExactly(handle, entriesAt + from, length);
    if (bytes.length !== length) throw damaged(`entry ${entry} was cut short after opening`);
    const nameLength = bytes.readUInt32LE(0);
    const name = bytes.toString("utf8", 4, 4 + nameLength);
    const count = bytes.readUInt32LE(4 + nameLength);
    if (8 + nameLength + count * RECORD_FIELDS * 8 !== length) throw damaged(`entry ${entry} does not match its length`);
    const records: SegmentRecord[] = [];
    for (let i = 0, at = 8 + nameLength; i < count; i++, at += RECORD_FIELDS * 8) {
      records.push({
        number: bytes.readDoubleLE(at),
        offset: bytes.readDoubleLE(at + 8),
        length: bytes.readDoubleLE(at + 16),
        revision: bytes.readDoubleLE(at + 24),
        position: bytes.readDoubleLE(at + 32),
        count: bytes.readDoubleLE(at + 40),
      });
    }
    return { name, records };
  }

  return {
    file,
    range,
    streamCount: () => streams,
    mayHold(streamId) {
      const hash = streamHash(streamId);
      return hashes[firstWithHashAtLeast(hash)] === hash;
    },
    async lookup(streamId) {
      const hash = streamHash(streamId);
      for (let entry = firstWithHashAtLeast(hash); entry < streams && hashes[entry] === hash; entry++) {
        const found = await readEntry(entry);
        if (found.name === streamId) return found.records;
      }
      return undefined;
    },
    fenceAtOrBefore(position) {
      let low = 0;
      let high = fenceCount - 1;
      while (low < high) {
        const middle = (low + high + 1) >>> 1;
        if (fences[middle * FENCE_FIELDS + 1]! <= position) low = middle;
        else high = middle - 1;
      }
      return { number: fences[low * FENCE_FIELDS]!, position: fences[low * FENCE_FIELDS + 1]!, offset: fences[low * FENCE_FIELDS + 2]! };
    },
    close: () => handle.close(),
  };
}

/** Up to `length` bytes at `offset` (fewer only at the end of the file). */
async function readExactly(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) return buffer.subarray(0, filled);
    filled += bytesRead;
  }
  return buffer;
}
