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

/** One record as indexed. */
export interface IndexedBatch {
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
   * revisions and the global positions without a gap.
   */
  add(streamId: string, revision: number, position: number, count: number, length: number): number;
  batch(batchNumber: number): IndexedBatch;
  /** The number of the record holding `position` (which must be indexed). */
  batchAt(position: number): number;
  /** Revision of the stream's last event, queued ones included; -1 when it has none. */
  lastRevision(streamId: string): number;
  /** The records of `streamId` holding revisions `from` to `to` (inclusive), in order. */
  streamBatches(streamId: string, from: number, to: number): number[];
}

/** No record: the first record of a stream has no previous one. */
const NONE = -1;

/** Creates an empty index. */
export function createLogIndex(): LogIndex {
  let size = 0;
  let capacity = 1024;
  // Columns, not objects: a few typed arrays cost a fraction of a million small objects, and stay off the JS heap.
  let offsets = new Float64Array(capacity);
  let lengths = new Uint32Array(capacity);
  let positions = new Float64Array(capacity);
  let revisions = new Float64Array(capacity);
  let counts = new Uint32Array(capacity);
  let streamOf = new Uint32Array(capacity);
  let previousInStream = new Int32Array(capacity);
  // Per stream, by its number: its name, last revision and last record.
  const streams = new Map<string, number>();
  const streamNames: string[] = [];
  let streamCapacity = 1024;
  let lastRevisions = new Float64Array(streamCapacity);
  let lastBatches = new Int32Array(streamCapacity);
  let events = 0;
  let end = 0;

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

  function newStream(given: string): number {
    // Held as long as the store is open: a copy of its own, not the caller's string tree (domain/compact-string.ts).
    const streamId = compactString(given);
    const number = streamNames.push(streamId) - 1;
    if (number === streamCapacity) {
      streamCapacity *= 2;
      lastRevisions = resized(lastRevisions, streamCapacity);
      lastBatches = resized(lastBatches, streamCapacity);
    }
    streams.set(streamId, number);
    lastRevisions[number] = -1;
    lastBatches[number] = NONE;
    return number;
  }

  function add(streamId: string, revision: number, position: number, count: number, length: number): number {
    const known = streams.get(streamId);
    const nextRevision = (known === undefined ? -1 : lastRevisions[known]!) + 1;
    // Guards the invariant that positions and revisions have no gaps; a
    // file whose records break it must not be half-loaded.
    if (position !== events || revision !== nextRevision || count === 0) {
      throw new Error(
        `batch of ${count} event(s) for stream "${streamId}" starts at revision ${revision}, position ${position}; expected revision ${nextRevision}, position ${events}`,
      );
    }
    if (size === capacity) grow();
    const stream = known ?? newStream(streamId);
    offsets[size] = end;
    lengths[size] = length;
    positions[size] = position;
    revisions[size] = revision;
    counts[size] = count;
    streamOf[size] = stream;
    previousInStream[size] = lastBatches[stream]!;
    lastBatches[stream] = size;
    lastRevisions[stream] = revision + count - 1;
    events += count;
    end += length;
    size += 1;
    return size - 1;
  }

  function batch(batchNumber: number): IndexedBatch {
    if (!(batchNumber >= 0 && batchNumber < size)) throw new RangeError(`no record ${batchNumber} in the index`);
    return {
      streamId: streamNames[streamOf[batchNumber]!]!,
      revision: revisions[batchNumber]!,
      position: positions[batchNumber]!,
      count: counts[batchNumber]!,
      offset: offsets[batchNumber]!,
      length: lengths[batchNumber]!,
    };
  }

  function batchAt(position: number): number {
    if (!(position >= 0 && position < events)) throw new RangeError(`no event at position ${position} in the index`);
    return lastAtOrBefore(size, (index) => positions[index]!, position);
  }

  function streamBatches(streamId: string, from: number, to: number): number[] {
    const stream = streams.get(streamId);
    if (stream === undefined || from > to) return [];
    const found: number[] = [];
    // Back from the last record to the one holding `from` (the first, when `from` is before it).
    for (let batchNumber = lastBatches[stream]!; batchNumber !== NONE; batchNumber = previousInStream[batchNumber]!) {
      const first = revisions[batchNumber]!;
      if (first <= to) found.push(batchNumber);
      if (first <= from) break;
    }
    return found.reverse();
  }

  return {
    eventCount: () => events,
    endOffset: () => end,
    add,
    batch,
    batchAt,
    lastRevision(streamId) {
      const stream = streams.get(streamId);
      return stream === undefined ? -1 : lastRevisions[stream]!;
    },
    streamBatches,
  };
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
