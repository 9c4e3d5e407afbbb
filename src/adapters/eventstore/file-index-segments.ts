/**
 * The file store's index segments on disk, `<dir>/index/segment-<first>-<end>.idx`
 * (index-segment.ts): loading them on open, checked against the log, and
 * freezing the index's oldest records in memory into a new one.
 *
 * A segment is trusted only when it passes its checksum, the segments cover
 * the log's first records without a gap, and the last record the newest one
 * names is in the log where it says, with the position it says. Anything
 * else (a damaged or truncated segment, a log repaired or replaced since) and
 * every segment is deleted: the store then indexes the whole log, as it does
 * without segments, and freezes anew. Segments only speed up opening and save
 * memory; the log is the only record of events.
 */
import { mkdir, readdir, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { LogIndex } from "./file-index.ts";
import { asEventBatch, decodeRecord } from "./file-record.ts";
import { syncDirectory } from "./file-writer.ts";
import { openIndexSegment, writeIndexSegment } from "./index-segment.ts";
import type { IndexSegment } from "./index-segment.ts";

const SEGMENT_NAME = /^segment-(\d+)-(\d+)\.idx$/;

/** The directory of a data directory's segments. */
export function segmentsDirectory(dir: string): string {
  return join(dir, "index");
}

/**
 * The segments of `dir` that describe the log open as `handle`, oldest
 * first; an empty list, after deleting them and telling `onDiscard` why,
 * when any of them fails its checks (see the module comment).
 */
export async function loadIndexSegments(dir: string, handle: FileHandle, onDiscard: (reason: string) => void): Promise<IndexSegment[]> {
  const directory = segmentsDirectory(dir);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  // What a crash mid-write leaves: never renamed into place, so never part of the index.
  for (const name of names.filter((name) => name.endsWith(".tmp"))) await rm(join(directory, name), { force: true });
  const segments: IndexSegment[] = [];
  try {
    const files = names.filter((name) => SEGMENT_NAME.test(name)).sort((a, b) => Number(SEGMENT_NAME.exec(a)![1]) - Number(SEGMENT_NAME.exec(b)![1]));
    for (const name of files) segments.push(await openIndexSegment(join(directory, name)));
    await checkAgainstLog(segments, handle);
    return segments;
  } catch (error) {
    await Promise.all(segments.map((segment) => segment.close()));
    onDiscard((error as Error).message);
    await rm(directory, { recursive: true, force: true });
    return [];
  }
}

async function checkAgainstLog(segments: IndexSegment[], handle: FileHandle): Promise<void> {
  let next = { record: 0, position: 0, offset: 0 };
  for (const { file, range } of segments) {
    if (range.firstRecord !== next.record || range.firstPosition !== next.position || range.startOffset !== next.offset) {
      throw new Error(`${file} does not continue the segment before it (record ${next.record}, position ${next.position}, byte ${next.offset})`);
    }
    next = { record: range.endRecord, position: range.endPosition, offset: range.endOffset };
  }
  const last = segments.at(-1);
  if (!last) return;
  const { file, range } = last;
  const bytes = Buffer.alloc(range.lastRecordLength);
  const { bytesRead } = await handle.read(bytes, 0, bytes.length, range.lastRecordOffset);
  const decoded = bytesRead === bytes.length && bytes.at(-1) === 0x0a ? decodeRecord(bytes.subarray(0, -1)) : undefined;
  let matches = false;
  if (decoded?.ok) {
    const batch = asEventBatch(decoded.value);
    matches = batch.position + batch.events.length === range.endPosition && range.lastRecordOffset + range.lastRecordLength === range.endOffset;
  }
  if (!matches) throw new Error(`${file}: the log has no record ending at position ${range.endPosition} at byte ${range.lastRecordOffset}; it changed since the segment was written`);
}

/**
 * Writes the index's records before `cut` (all durable and delivered) into a
 * new segment, durably, then lets the index drop them from memory.
 * Returns false, writing nothing, when `isClosing()` turned true meanwhile.
 */
export async function freezeIndex(dir: string, index: LogIndex, cut: number, fsync: boolean, isClosing: () => boolean): Promise<boolean> {
  const contents = index.frozenContents(cut);
  const directory = segmentsDirectory(dir);
  const created = await mkdir(directory, { recursive: true });
  if (created && fsync) await syncDirectory(dir);
  const { firstRecord, endRecord } = contents.range;
  const file = join(directory, `segment-${firstRecord}-${endRecord}.idx`);
  await writeIndexSegment(file, contents, fsync);
  const segment = await openIndexSegment(file);
  if (isClosing()) {
    await segment.close();
    return false;
  }
  index.frozen(segment);
  return true;
}
