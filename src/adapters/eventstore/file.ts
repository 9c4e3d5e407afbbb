/**
 * The embedded default event store: an append-only log file,
 * `<dir>/events.log`, one checksummed line per append call (file-record.ts).
 *
 * Memory is bounded: events stay on disk. The store keeps an index (where each
 * record lies, its stream, revisions and positions; file-index.ts) and a small
 * cache of decoded records (batch-cache.ts), and reads records on demand
 * (file-reader.ts, file-reads.ts). Catch-up subscriptions and `readAll` read
 * the log in chunks, never all of it at once (unless `readAll` is asked for
 * all of it).
 *
 * The index itself is bounded too: the entries of all but the newest
 * `hotRecords` records (finished workflows, mostly) are frozen, in the
 * background, into immutable segments under `<dir>/index`
 * (file-index-segments.ts, index-segment.ts), looked up by binary search
 * when a stream only they know is read or appended to.
 *
 * Opening loads the segments (checked against the log, else deleted and
 * rebuilt), then verifies every record after them (file-scan.ts) and indexes it. A torn tail
 * (an incomplete last line: what a crash mid-write leaves) is cut off and
 * reported via `onRepair`. Any other damage, the last complete record's
 * included, fails the open with `LogDamageError` naming the file, the byte
 * offset, what was found and how to repair it (`baton repair`,
 * file-repair.ts): the store never drops an acknowledged event by itself.
 *
 * Appending: the expected revision is checked, and positions are assigned,
 * when the append is queued, against every event including queued ones, so
 * of two racing appends at one revision exactly one is queued. Queued appends
 * are written by group commit (file-writer.ts): one write and one fdatasync
 * per group, in queue order, so file order is position order. The loser of a
 * race is told only once the winner is durable and readable. A retry (the
 * same event ids at the same expected revision) is recognised by reading the
 * stream's events there, from disk if need be; that is rare.
 *
 * Read-your-writes: once a group is durable, its events become visible, then
 * are delivered to subscribers (`hub.deliver()` in `onDurable`, from memory:
 * queued records stay pinned until then), and only then do the group's append
 * promises resolve. Caught-up subscribers with synchronous handlers therefore
 * hold an append's events when it resolves.
 *
 * A failed write or sync leaves the file's content unknown, so the store then
 * refuses appends until it is reopened.
 *
 * One owner: opening locks the directory (directory-lock.ts) before it reads
 * or repairs anything, and fails, touching nothing, while another running
 * process holds it. Two writers would each acknowledge appends the other never
 * sees and interleave records into a log that no longer opens. `close()`
 * releases the lock. Read-only snapshots (file-snapshot.ts) take no lock.
 */
import { mkdir, open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { AppendResult, EventStore, ExpectedRevision, NewEvent } from "../../domain/ports.ts";
import { assertValidExpected, conflict, expectationHolds, isRetry, retryRange, toStoredEvents } from "./append-rules.ts";
import { createBatchCache } from "./batch-cache.ts";
import { lockDirectory } from "./directory-lock.ts";
import { toRecordedEvents } from "./event-log.ts";
import type { EventBatch } from "./event-log.ts";
import { LogDamageError } from "./file-damage.ts";
import { createLogIndex } from "./file-index.ts";
import { freezeIndex, loadIndexSegments } from "./file-index-segments.ts";
import type { IndexSegment } from "./index-segment.ts";
import type { LogIndex } from "./file-index.ts";
import { createLogReader } from "./file-reader.ts";
import { createFileReads } from "./file-reads.ts";
import { encodeRecord } from "./file-record.ts";
import { scanLog } from "./file-scan.ts";
import type { RepairInfo } from "./file-scan.ts";
import { createLogWriter, syncDirectory } from "./file-writer.ts";
import { createSubscriptionHub } from "./subscriptions.ts";

export type { RepairInfo } from "./file-scan.ts";
export { DirectoryInUseError } from "./directory-lock.ts";
export { LogDamageError } from "./file-damage.ts";

/** Options of `openFileEventStore`. */
export interface FileEventStoreOptions {
  /** Directory of the log; created if missing, and locked while the store is open. */
  dir: string;
  /** fdatasync after each group commit; default true. Off loses recent appends on power loss. */
  fsync?: boolean;
  /** Clock for `created`; defaults to `Date.now`. */
  now?: () => number;
  /** Told when opening cut a torn tail off the log (or completed a last record that lacked its newline). */
  onRepair?: (info: RepairInfo) => void;
  /** Decoded records kept in memory for reads, counted by their size in the file; default `DEFAULT_CACHE_BYTES`. */
  cacheBytes?: number;
  /**
   * Records whose index entries stay in memory; once twice as many are, the
   * oldest are frozen into an index segment on disk (file-index-segments.ts).
   * Default `DEFAULT_HOT_RECORDS`; `Infinity` never freezes.
   */
  hotRecords?: number;
  /** Told when index segments were found unusable and deleted (the index is rebuilt from the log), or freezing failed. */
  onIndexProblem?: (reason: string) => void;
}

/** The default number of records indexed in memory: a few MiB of index. */
export const DEFAULT_HOT_RECORDS = 100_000;

/** The default read cache: thousands of typical records (a few hundred bytes each). */
export const DEFAULT_CACHE_BYTES = 4 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from("\n", "latin1");

/**
 * Opens (or creates) the log in `options.dir` and indexes it; see the module
 * comment. Throws `DirectoryInUseError` while another process has it open.
 */
export async function openFileEventStore(options: FileEventStoreOptions): Promise<EventStore> {
  const file = join(options.dir, "events.log");
  const fsync = options.fsync !== false;
  const now = options.now ?? Date.now;
  await mkdir(options.dir, { recursive: true });
  const lock = await lockDirectory(options.dir);
  const hotRecords = options.hotRecords ?? DEFAULT_HOT_RECORDS;
  if (!(hotRecords >= 1)) throw new RangeError(`hotRecords must be a number >= 1, got ${hotRecords}`);
  const onIndexProblem = options.onIndexProblem ?? (() => {});
  let opened: { handle: FileHandle; index: LogIndex };
  try {
    opened = await openAndIndex(options.dir, file, fsync, options.onRepair, onIndexProblem);
  } catch (error) {
    await lock.release();
    throw error;
  }
  const { handle, index } = opened;

  let visible = index.eventCount();
  const reader = createLogReader(handle, file, index, createBatchCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES));
  const reads = createFileReads(index, reader, () => visible);
  const hub = createSubscriptionHub(reads.feed);
  const writer = createLogWriter(handle, {
    fsync,
    file,
    onDurable(revealTo) {
      visible = Math.max(visible, revealTo);
      hub.deliver();
      // Delivered to every idle subscriber; from now on the cache (or the disk) serves them.
      reader.unpinBefore(visible);
      freezeWhenDue();
    },
  });
  let closing: Promise<void> | undefined;
  let freezing: Promise<void> | undefined;
  let freezingFailed = false;

  /** Freezes the oldest records of the index when twice `hotRecords` are in memory; one freeze at a time, in the background. */
  function freezeWhenDue(): void {
    if (freezing || closing || freezingFailed || index.hotRecords() < 2 * hotRecords) return;
    const first = index.firstHotRecord();
    const end = first + index.hotRecords();
    // Only durable, delivered records: nothing pinned, nothing a torn tail could take back.
    const firstInvisible = visible < index.eventCount() ? index.batchAt(visible) : end;
    const cut = Math.min(end - hotRecords, firstInvisible);
    if (cut <= first) return;
    freezing = freezeIndex(options.dir, index, cut, fsync, () => closing !== undefined)
      .then(() => undefined)
      .catch((error: unknown) => {
        // The index stays whole in memory: nothing is lost, memory just stops shrinking.
        freezingFailed = true;
        onIndexProblem(`freezing the index failed; it stays in memory until the store is reopened: ${(error as Error).message}`);
      })
      .finally(() => {
        freezing = undefined;
      });
  }


  const untilQueuedIsDurable = () => writer.enqueue(EMPTY, index.eventCount());

  function assertOpen(): void {
    if (closing) throw new Error(`${file}: the event store is closed`);
  }

  /** The first attempt's result when this append repeats it; reads only events that existed at `last`. */
  async function retriedAppend(streamId: string, newEvents: NewEvent[], expected: ExpectedRevision, last: number): Promise<AppendResult | undefined> {
    const range = retryRange(newEvents, expected);
    if (!range || range.first + range.count - 1 > last) return undefined;
    // Events at a revision never change once added, so reading them after an await is safe.
    const stored = await reads.streamRange(streamId, range.first, range.first + range.count - 1);
    const lastStored = stored.at(-1);
    if (!lastStored || !isRetry(stored.map((event) => event.id), newEvents)) return undefined;
    return { nextExpectedRevision: lastStored.revision, position: lastStored.position };
  }

  return {
    async append(streamId, events, expected) {
      assertOpen();
      const failure = writer.failure();
      if (failure) throw failure;
      assertValidExpected(expected);
      let last = index.lastRevision(streamId);
      // Only a segment knows the stream: bring its last revision into memory, then read it again in the same turn,
      // so that nothing runs from this check to `index.add` (returning it from an async function would let others in).
      while (last === undefined) {
        await index.recall(streamId);
        assertOpen();
        last = index.lastRevision(streamId);
      }
      if (!expectationHolds(last, expected)) {
        const retried = await retriedAppend(streamId, events, expected, last);
        if (retried) {
          // A retry of a queued append must not succeed before the original is durable.
          if (retried.position >= visible) await untilQueuedIsDurable();
          return retried;
        }
        // The winner may still be queued, invisible to readers. Reporting the
        // conflict once it is readable lets the caller re-read and see it;
        // otherwise a read-and-retry loop spins in microtasks against an
        // invisible winner and starves the very write it waits for.
        if (index.eventCount() > visible) await untilQueuedIsDurable();
        throw conflict(streamId, expected, last);
      }
      if (events.length === 0) return { nextExpectedRevision: last, position: await lastPosition(streamId, last) };
      // No await from the check above to `index.add`: of two racing appends, exactly one is queued.
      const batch = { streamId, revision: last + 1, position: index.eventCount(), events: toStoredEvents(events, now()) };
      const { line, readBack } = encodeRecord(batch);
      const batchNumber = index.add(streamId, batch.revision, batch.position, events.length, line.length);
      reader.pin(batchNumber, toRecordedEvents(readBack), line.length);
      await writer.enqueue(line, index.eventCount());
      return { nextExpectedRevision: batch.revision + events.length - 1, position: batch.position + events.length - 1 };
    },
    async readStream(streamId, readOptions) {
      assertOpen();
      return reads.readStream(streamId, readOptions);
    },
    async readAll(readOptions) {
      assertOpen();
      return reads.readAll(readOptions);
    },
    subscribeToAll(handler, subscribeOptions) {
      assertOpen();
      return hub.subscribe(handler, subscribeOptions);
    },
    close() {
      closing ??= (async () => {
        await writer.flush();
        await freezing;
        hub.closeAll();
        try {
          await Promise.all(index.segments().map((segment) => segment.close()));
          await handle.close();
        } finally {
          await lock.release();
        }
      })();
      return closing;
    },
  };

  async function lastPosition(streamId: string, last: number): Promise<number> {
    if (last < 0) return -1;
    const [batch] = await index.streamBatches(streamId, last, last);
    if (!batch) throw new Error(`${file}: the index has no record of revision ${last} of stream "${streamId}"`);
    return batch.position + (last - batch.revision);
  }
}

/**
 * Opens the log and indexes every record; cuts a torn tail and completes a
 * last record that lacks only its newline, telling `onRepair` either way.
 * Closes the file on failure (a `LogDamageError` for any other damage).
 */
async function openAndIndex(
  dir: string,
  file: string,
  fsync: boolean,
  onRepair: FileEventStoreOptions["onRepair"],
  onIndexProblem: (reason: string) => void,
): Promise<{ handle: FileHandle; index: LogIndex }> {
  const handle = await openLogFile(dir, file, fsync);
  let segments: IndexSegment[] = [];
  try {
    // Records the segments describe are not read again: only those after them.
    segments = await loadIndexSegments(dir, handle, (reason) => onIndexProblem(`index segments deleted, rebuilding the index from the log: ${reason}`));
    const index = createLogIndex({ segments });
    const addToIndex = async (batch: EventBatch, length: number) => {
      if (index.lastRevision(batch.streamId) === undefined) await index.recall(batch.streamId);
      index.add(batch.streamId, batch.revision, batch.position, batch.events.length, length);
    };
    // scanLog reports a record the index rejects as damage at that record.
    const tail = await scanLog(handle, file, (batch, span) => addToIndex(batch, span.length), index.endOffset());
    if (tail?.kind === "torn") {
      await handle.truncate(tail.offset);
      if (fsync) await handle.datasync();
      onRepair?.({ offset: tail.offset, droppedBytes: tail.droppedBytes, reason: tail.reason });
    } else if (tail?.kind === "unterminated") {
      try {
        await addToIndex(tail.batch, tail.length);
      } catch (error) {
        throw Object.assign(new LogDamageError(file, tail.offset, `invalid record: ${(error as Error).message}`, dir), { cause: error });
      }
      // Whole and valid (an editor may drop a file's last newline): keep it, and end it so the next append starts a line.
      await handle.write(NEWLINE);
      if (fsync) await handle.datasync();
      onRepair?.({ offset: tail.offset, droppedBytes: 0, reason: "the last record was whole but had no newline; added the newline and kept it" });
    }
    return { handle, index };
  } catch (error) {
    await Promise.all(segments.map((segment) => segment.close()));
    await handle.close();
    throw error;
  }
}

async function openLogFile(dir: string, file: string, fsync: boolean): Promise<FileHandle> {
  // Append mode: every write lands at the end, also after a repair truncated the file.
  const handle = await open(file, "a+");
  try {
    // A new file survives a crash only once its directory entry is synced too.
    if (fsync && (await handle.stat()).size === 0) await syncDirectory(dir);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

