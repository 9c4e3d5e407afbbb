/**
 * What the file store keeps in memory instead of its events: per record (one
 * append batch) where it lies in the file, its stream, first revision, first
 * position, event count and the stream's previous record; per stream its
 * name, last revision and last record. The numbers live in typed arrays (off
 * the JS heap); the JS heap holds only each stream's name and its map entry.
 * About 40 bytes per record and 12 per stream off the heap, and about 110
 * bytes of heap per stream (a workflow id as key): a log of millions of events
 * indexes in tens of megabytes, and a finished workflow costs its records and
 * one map entry (`tests/unit/retained-memory.test.ts` holds it to that).
 *
 * Only the newest records stay in memory: the store freezes older ones into
 * immutable segments on disk (index-segment.ts; `frozenContents`, then
 * `frozen` once the segment is durable), and the streams with no record left
 * in memory leave the map. Such a stream's last revision is then known only to
 * a segment: `lastRevision` answers undefined until `recall` brought it into
 * a small cache (a stream no segment may hold is answered at once, from the
 * segments' hashes in memory). Per stream frozen, about 8 bytes stay in memory.
 *
 * A stream's records are found by walking back from its last record along the
 * previous-record links, so a stream keeps no list of its own: reads near a
 * stream's end (the engine's) cost what they return; a read from the start of
 * a long stream walks it once.
 *
 * Records are numbered from 0 in file order, which is position order. The
 * index also holds queued records (not yet written) so that the next append's
 * expected revision is checked against them; it knows nothing of visibility.
 */

import { compactString } from "../../domain/compact-string.ts";
import { FENCE_EVERY } from "./index-segment.ts";
import type { IndexSegment, SegmentContents, SegmentFence, SegmentRecord } from "./index-segment.ts";

/** One record as indexed. */
export interface IndexedBatch {
  /** The record's number: records are numbered from 0 in file order. */
  number: number;
  streamId: string;
  /** Revision and position of the batch's first event. */
  revision: number;
  position: number;
  count: number;
  /** Byte range of the record in the log file, its newline included. */
  offset: number;
  length: number;
}

/** The index; see the module comment. */
export interface LogIndex {
  /** Events indexed, queued ones included: the position the next append gets. */
  eventCount(): number;
  /** Bytes indexed: the offset the next record is written at. */
  endOffset(): number;
  /**
   * Adds the next record, `length` bytes long, right after the last one.
   * Returns its number; throws when it does not continue its stream's
   * revisions and the global positions without a gap, and when the stream's
   * last revision is not known in memory (`recall` it first).
   */
  add(streamId: string, revision: number, position: number, count: number, length: number): number;
  /** A record in memory (not yet frozen); throws a RangeError for any other. */
  batch(batchNumber: number): IndexedBatch;
  /** The number of the record in memory holding `position` (which must be indexed), or -1 when that record is frozen. */
  batchAt(position: number): number;
  /**
   * Revision of the stream's last event, queued ones included; -1 when it has
   * none; undefined when only a frozen segment can tell: `recall` it, then ask again.
   */
  lastRevision(streamId: string): number | undefined;
  /** Like `lastRevision`, counting only records that start before `position` (frozen ones always do). */
  lastRevisionBefore(streamId: string, position: number): number | undefined;
  /** Brings what the segments know of the stream's last revision into memory (a small cache). */
  recall(streamId: string): Promise<void>;
  /** The records of `streamId` holding revisions `from` to `to` (inclusive), in order, from memory and segments. */
  streamBatches(streamId: string, from: number, to: number): Promise<IndexedBatch[]>;
  /** Where reading by position may start to reach `position`: a record at or before it (exact in memory, a fence when frozen). */
  startOf(position: number): { position: number; offset: number };
  /** Records held in memory, and the first of them. */
  hotRecords(): number;
  firstHotRecord(): number;
  /** What a segment of the records from the first in memory up to `cut` (exclusive) holds. */
  frozenContents(cut: number): SegmentContents;
  /** Takes a durable segment written from `frozenContents` and drops its records from memory. */
  frozen(segment: IndexSegment): void;
  /** The segments, oldest first. */
  segments(): readonly IndexSegment[];
}

/** Options of `createLogIndex`. */
export interface LogIndexOptions {
  /** Segments covering the log's first records, oldest first, without gaps (checked). */
  segments?: IndexSegment[];
  /** Streams whose last revision `recall` keeps; default 1024. */
  recalledStreams?: number;
}

/** No record: the first record of a stream in memory has no previous one there. */
const NONE = -1;

/** Creates an index, empty or continuing `options.segments`. */
export function createLogIndex(options: LogIndexOptions = {}): LogIndex {
  const segments = [...(options.segments ?? [])];
  checkContiguous(segments);
  const lastSegment = segments.at(-1)?.range;
  /** Number of the first record in memory; records below it are in segments. */
  let base = lastSegment?.endRecord ?? 0;
  let size = base;
  let capacity = 1024;
  // Columns, not objects: a few typed arrays cost a fraction of a million small objects, and stay off the JS heap.
  // Indexed by record number minus `base`.
  let offsets = new Float64Array(capacity);
  let lengths = new Uint32Array(capacity);
  let positions = new Float64Array(capacity);
  let revisions = new Float64Array(capacity);
  let counts = new Uint32Array(capacity);
  let streamOf = new Uint32Array(capacity);
  let previousInStream = new Int32Array(capacity);
  // Per stream with records in memory, by its number: its name, last revision and last record.
  let streams = new Map<string, number>();
  let streamNames: string[] = [];
  let streamCapacity = 1024;
  let lastRevisions = new Float64Array(streamCapacity);
  let lastBatches = new Int32Array(streamCapacity);
  let events = lastSegment?.endPosition ?? 0;
  let end = lastSegment?.endOffset ?? 0;
  // Last revisions of streams only segments hold, as `recall` found them (-1: none); cleared when a segment is added.
  const recalled = new Map<string, number>();
  const recalledCapacity = options.recalledStreams ?? 1024;
  let generation = 0;

  const at = (batchNumber: number) => batchNumber - base;

  function grow(): void {
    capacity *= 2;
    offsets = resized(offsets, capacity);
    lengths = resized(lengths, capacity);
    positions = resized(positions, capacity);
    revisions = resized(revisions, capacity);
    counts = resized(counts, capacity);
    streamOf = resized(streamOf, capacity);
    previousInStream = resized(previousInStream, capacity);
  }

  function newStream(given: string, lastRevision: number): number {
    // Held as long as the stream is in memory: a copy of its own, not the caller's string tree (domain/compact-string.ts).
    const streamId = compactString(given);
    const number = streamNames.push(streamId) - 1;
    if (number === streamCapacity) {
      streamCapacity *= 2;
      lastRevisions = resized(lastRevisions, streamCapacity);
      lastBatches = resized(lastBatches, streamCapacity);
    }
    streams.set(streamId, number);
    lastRevisions[number] = lastRevision;
    lastBatches[number] = NONE;
    recalled.delete(streamId);
    return number;
  }

  function coldLastRevision(streamId: string): number | undefined {
    const known = recalled.get(streamId);
    if (known !== undefined) return known;
    return segments.some((segment) => segment.mayHold(streamId)) ? undefined : -1;
  }

  function lastRevision(streamId: string): number | undefined {
    const stream = streams.get(streamId);
    return stream === undefined ? coldLastRevision(streamId) : lastRevisions[stream]!;
  }

  function add(streamId: string, revision: number, position: number, count: number, length: number): number {
    const known = streams.get(streamId);
    const last = known === undefined ? coldLastRevision(streamId) : lastRevisions[known]!;
    if (last === undefined) throw new Error(`stream "${streamId}" may have records in an index segment: recall it before adding to it`);
    const nextRevision = last + 1;
    // Guards the invariant that positions and revisions have no gaps; a
    // file whose records break it must not be half-loaded.
    if (position !== events || revision !== nextRevision || count === 0) {
      throw new Error(
        `batch of ${count} event(s) for stream "${streamId}" starts at revision ${revision}, position ${position}; expected revision ${nextRevision}, position ${events}`,
      );
    }
    if (at(size) === capacity) grow();
    const stream = known ?? newStream(streamId, last);
    const slot = at(size);
    offsets[slot] = end;
    lengths[slot] = length;
    positions[slot] = position;
    revisions[slot] = revision;
    counts[slot] = count;
    streamOf[slot] = stream;
    previousInStream[slot] = lastBatches[stream]!;
    lastBatches[stream] = size;
    lastRevisions[stream] = revision + count - 1;
    events += count;
    end += length;
    size += 1;
    return size - 1;
  }

  function batch(batchNumber: number): IndexedBatch {
    if (!(batchNumber >= base && batchNumber < size)) throw new RangeError(`no record ${batchNumber} in memory (records ${base} to ${size - 1} are)`);
    const slot = at(batchNumber);
    return {
      number: batchNumber,
      streamId: streamNames[streamOf[slot]!]!,
      revision: revisions[slot]!,
      position: positions[slot]!,
      count: counts[slot]!,
      offset: offsets[slot]!,
      length: lengths[slot]!,
    };
  }

  function batchAt(position: number): number {
    if (!(position >= 0 && position < events)) throw new RangeError(`no event at position ${position} in the index`);
    const slot = lastAtOrBefore(size - base, (index) => positions[index]!, position);
    return slot === -1 ? -1 : slot + base;
  }

  function lastRevisionBefore(streamId: string, position: number): number | undefined {
    const stream = streams.get(streamId);
    if (stream === undefined) return coldLastRevision(streamId);
    let last = lastRevisions[stream]!;
    for (let batchNumber = lastBatches[stream]!; batchNumber !== NONE; batchNumber = previousInStream[at(batchNumber)]!) {
      if (positions[at(batchNumber)]! < position) break;
      last = revisions[at(batchNumber)]! - 1;
    }
    return last;
  }

  async function recall(streamId: string): Promise<void> {
    for (;;) {
      if (lastRevision(streamId) !== undefined) return;
      const seen = generation;
      let found = -1;
      for (const segment of [...segments].reverse()) {
        if (!segment.mayHold(streamId)) continue;
        const records = await segment.lookup(streamId);
        const last = records?.at(-1);
        if (last) {
          found = last.revision + last.count - 1;
          break;
        }
      }
      // A segment added meanwhile may hold newer records of the stream: look again.
      if (seen !== generation) continue;
      if (recalled.size >= recalledCapacity) recalled.delete(recalled.keys().next().value!);
      recalled.set(streamId, found);
      return;
    }
  }

  async function streamBatches(streamId: string, from: number, to: number): Promise<IndexedBatch[]> {
    if (from > to) return [];
    // What is in memory and which segments exist, taken together before any await.
    const onDisk = [...segments].reverse();
    const found: IndexedBatch[] = [];
    const stream = streams.get(streamId);
    if (stream !== undefined) {
      let earliest = Number.POSITIVE_INFINITY;
      for (let batchNumber = lastBatches[stream]!; batchNumber !== NONE; batchNumber = previousInStream[at(batchNumber)]!) {
        const first = revisions[at(batchNumber)]!;
        if (first <= to) found.push(batch(batchNumber));
        earliest = first;
        if (first <= from) return found.reverse();
      }
      if (earliest === 0) return found.reverse();
    }
    for (const segment of onDisk) {
      if (!segment.mayHold(streamId)) continue;
      const records = await segment.lookup(streamId);
      if (!records) continue;
      for (let i = records.length - 1; i >= 0; i--) {
        const record = records[i]!;
        if (record.revision <= to) found.push({ ...record, streamId });
        if (record.revision <= from) return found.reverse();
      }
    }
    return found.reverse();
  }

  function startOf(position: number): { position: number; offset: number } {
    if (size > base && position >= positions[0]!) {
      const slot = at(batchAt(Math.min(position, events - 1)));
      return { position: positions[slot]!, offset: offsets[slot]! };
    }
    if (position >= events) return { position: events, offset: end };
    const segment = segments[lastAtOrBefore(segments.length, (index) => segments[index]!.range.firstPosition, position)];
    if (!segment) throw new RangeError(`no event at position ${position} in the index`);
    return segment.fenceAtOrBefore(position);
  }

  function frozenContents(cut: number): SegmentContents {
    if (!(cut > base && cut <= size)) throw new RangeError(`cannot freeze records ${base} to ${cut - 1}: records ${base} to ${size - 1} are in memory`);
    const byStream = new Map<number, SegmentRecord[]>();
    const fences: SegmentFence[] = [];
    for (let batchNumber = base; batchNumber < cut; batchNumber++) {
      const slot = at(batchNumber);
      const record = { number: batchNumber, offset: offsets[slot]!, length: lengths[slot]!, revision: revisions[slot]!, position: positions[slot]!, count: counts[slot]! };
      if ((batchNumber - base) % FENCE_EVERY === 0) fences.push({ number: batchNumber, position: record.position, offset: record.offset });
      const stream = streamOf[slot]!;
      const records = byStream.get(stream);
      if (records) records.push(record);
      else byStream.set(stream, [record]);
    }
    const last = at(cut - 1);
    return {
      range: {
        firstRecord: base,
        endRecord: cut,
        firstPosition: positions[0]!,
        endPosition: positions[last]! + counts[last]!,
        startOffset: offsets[0]!,
        endOffset: offsets[last]! + lengths[last]!,
        lastRecordOffset: offsets[last]!,
        lastRecordLength: lengths[last]!,
      },
      streams: [...byStream].map(([stream, records]) => ({ streamId: streamNames[stream]!, records })),
      fences,
    };
  }

  function frozen(segment: IndexSegment): void {
    const { firstRecord, endRecord: cut } = segment.range;
    if (firstRecord !== base || !(cut > base && cut <= size)) {
      throw new RangeError(`segment ${segment.file} covers records ${firstRecord} to ${cut - 1}, not the first ones in memory (${base} to ${size - 1})`);
    }
    const kept = size - cut;
    const from = at(cut);
    capacity = Math.max(1024, 2 ** Math.ceil(Math.log2(Math.max(1, kept))));
    offsets = sliceInto(offsets, from, kept, capacity);
    lengths = sliceInto(lengths, from, kept, capacity);
    positions = sliceInto(positions, from, kept, capacity);
    revisions = sliceInto(revisions, from, kept, capacity);
    counts = sliceInto(counts, from, kept, capacity);
    const oldStreamOf = sliceInto(streamOf, from, kept, capacity);
    previousInStream = sliceInto(previousInStream, from, kept, capacity);
    for (let slot = 0; slot < kept; slot++) if (previousInStream[slot]! < cut) previousInStream[slot] = NONE;
    // Streams without a record left in memory leave it; the others are numbered anew.
    const renumbered = new Int32Array(streamNames.length).fill(-1);
    const names: string[] = [];
    const nextStreams = new Map<string, number>();
    let survivors = 0;
    for (let stream = 0; stream < streamNames.length; stream++) if (lastBatches[stream]! >= cut) survivors++;
    const nextCapacity = Math.max(1024, 2 ** Math.ceil(Math.log2(Math.max(1, survivors))));
    const nextRevisions = new Float64Array(nextCapacity);
    const nextBatches = new Int32Array(nextCapacity);
    streamNames.forEach((name, stream) => {
      if (lastBatches[stream]! < cut) return;
      const number = names.push(name) - 1;
      renumbered[stream] = number;
      nextStreams.set(name, number);
      nextRevisions[number] = lastRevisions[stream]!;
      nextBatches[number] = lastBatches[stream]!;
    });
    for (let slot = 0; slot < kept; slot++) oldStreamOf[slot] = renumbered[oldStreamOf[slot]!]!;
    streamOf = oldStreamOf;
    streams = nextStreams;
    streamNames = names;
    streamCapacity = nextCapacity;
    lastRevisions = nextRevisions;
    lastBatches = nextBatches;
    segments.push(segment);
    base = cut;
    recalled.clear();
    generation += 1;
  }

  return {
    eventCount: () => events,
    endOffset: () => end,
    add,
    batch,
    batchAt,
    lastRevision,
    lastRevisionBefore,
    recall,
    streamBatches,
    startOf,
    hotRecords: () => size - base,
    firstHotRecord: () => base,
    frozenContents,
    frozen,
    segments: () => segments,
  };
}

function checkContiguous(segments: IndexSegment[]): void {
  let next = { record: 0, position: 0, offset: 0 };
  for (const { file, range } of segments) {
    if (range.firstRecord !== next.record || range.firstPosition !== next.position || range.startOffset !== next.offset) {
      throw new RangeError(`index segment ${file} starts at record ${range.firstRecord}, position ${range.firstPosition}, byte ${range.startOffset}; expected ${next.record}, ${next.position}, ${next.offset}`);
    }
    next = { record: range.endRecord, position: range.endPosition, offset: range.endOffset };
  }
}

function sliceInto<T extends Float64Array | Uint32Array | Int32Array>(array: T, from: number, count: number, capacity: number): T {
  const copy = new (array.constructor as new (length: number) => T)(capacity);
  copy.set(array.subarray(from, from + count) as T);
  return copy;
}

/** The last index below `length` whose key is <= `target` (keys ascending), or -1. */
function lastAtOrBefore(length: number, keyAt: (index: number) => number, target: number): number {
  let low = 0;
  let high = length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (keyAt(middle) <= target) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

function resized<T extends Float64Array | Uint32Array | Int32Array>(array: T, capacity: number): T {
  const larger = new (array.constructor as new (length: number) => T)(capacity);
  larger.set(array);
  return larger;
}
