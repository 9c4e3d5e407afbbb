/**
 * The embedded default event store: an append-only log file,
 * `<dir>/events.log`, one checksummed line per append call (file-record.ts).
 *
 * Every event is also kept in memory and reads are served from there, never
 * from disk; so the whole log must fit in memory, and opening reads it all.
 *
 * Opening verifies every record (file-scan.ts). A torn or damaged tail, which
 * is what a crash mid-write leaves, is cut off and reported via `onRepair`;
 * damage followed by intact records fails the open with the file, byte offset
 * and reason.
 *
 * Appending: the expected revision is checked, and positions are assigned,
 * when the append is queued, against every event including queued ones, so
 * of two racing appends at one revision exactly one is queued. Queued appends
 * are written by group commit (file-writer.ts): one write and one fdatasync
 * per group, in queue order, so file order is position order. The loser of a
 * race is told only once the winner is durable and readable.
 *
 * Read-your-writes: once a group is durable, its events become visible, then
 * are delivered to subscribers (`hub.deliver()` in `onDurable`), and only then
 * do the group's append promises resolve. Caught-up subscribers with
 * synchronous handlers therefore hold an append's events when it resolves.
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
import { ConcurrencyError } from "../../domain/errors.ts";
import type { EventStore } from "../../domain/ports.ts";
import { lockDirectory } from "./directory-lock.ts";
import { createEventLog } from "./event-log.ts";
import type { AppendPlan } from "./event-log.ts";
import { encodeRecord } from "./file-record.ts";
import { scanLog } from "./file-scan.ts";
import type { RepairInfo } from "./file-scan.ts";
import { createLogWriter } from "./file-writer.ts";
import { createSubscriptionHub, feedOfLog } from "./subscriptions.ts";

export type { RepairInfo } from "./file-scan.ts";
export { DirectoryInUseError } from "./directory-lock.ts";

/** Options of `openFileEventStore`. */
export interface FileEventStoreOptions {
  /** Directory of the log; created if missing, and locked while the store is open. */
  dir: string;
  /** fdatasync after each group commit; default true. Off loses recent appends on power loss. */
  fsync?: boolean;
  /** Clock for `created`; defaults to `Date.now`. */
  now?: () => number;
  /** Told when opening cut a damaged tail off the log. */
  onRepair?: (info: RepairInfo) => void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Opens (or creates) the log in `options.dir` and loads it; see the module
 * comment. Throws `DirectoryInUseError` while another process has it open.
 */
export async function openFileEventStore(options: FileEventStoreOptions): Promise<EventStore> {
  const file = join(options.dir, "events.log");
  const fsync = options.fsync !== false;
  const now = options.now ?? Date.now;
  const log = createEventLog();
  await mkdir(options.dir, { recursive: true });
  const lock = await lockDirectory(options.dir);
  let handle: FileHandle | undefined;
  try {
    handle = await openLogFile(options.dir, file, fsync);
    const damage = await scanLog(handle, file, (batch) => log.add(batch));
    if (damage) {
      await handle.truncate(damage.offset);
      if (fsync) await handle.datasync();
      options.onRepair?.(damage);
    }
  } catch (error) {
    await handle?.close();
    await lock.release();
    throw error;
  }
  log.reveal(log.events.length);

  const hub = createSubscriptionHub(feedOfLog(log));
  const writer = createLogWriter(handle, {
    fsync,
    file,
    onDurable(revealTo) {
      log.reveal(revealTo);
      hub.deliver();
    },
  });
  let closing: Promise<void> | undefined;
  const untilQueuedIsDurable = () => writer.enqueue(EMPTY, log.events.length);

  function assertOpen(): void {
    if (closing) throw new Error(`${file}: the event store is closed`);
  }

  return {
    async append(streamId, events, expected) {
      assertOpen();
      const failure = writer.failure();
      if (failure) throw failure;
      let plan: AppendPlan;
      try {
        plan = log.planAppend(streamId, events, expected, now());
      } catch (error) {
        // The winner may still be queued, invisible to readers. Reporting the
        // conflict once it is readable lets the caller re-read and see it;
        // otherwise a read-and-retry loop spins in microtasks against an
        // invisible winner and starves the very write it waits for.
        if (error instanceof ConcurrencyError && log.events.length > log.visibleCount()) await untilQueuedIsDurable();
        throw error;
      }
      if (plan.kind === "done") {
        // Likewise, a retry of a queued append must not succeed before the original is durable.
        if (plan.result.position >= log.visibleCount()) await untilQueuedIsDurable();
        return plan.result;
      }
      const { line, readBack } = encodeRecord(plan.batch);
      const result = log.add(readBack);
      await writer.enqueue(line, log.events.length);
      return result;
    },
    async readStream(streamId, readOptions) {
      assertOpen();
      return log.readStream(streamId, readOptions);
    },
    async readAll(readOptions) {
      assertOpen();
      return log.readAll(readOptions);
    },
    subscribeToAll(handler, subscribeOptions) {
      assertOpen();
      return hub.subscribe(handler, subscribeOptions);
    },
    close() {
      closing ??= (async () => {
        await writer.flush();
        hub.closeAll();
        try {
          await handle.close();
        } finally {
          await lock.release();
        }
      })();
      return closing;
    },
  };
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

async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return; // directories cannot be opened for sync there
  const directory = await open(dir, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
