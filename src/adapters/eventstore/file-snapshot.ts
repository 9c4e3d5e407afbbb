/**
 * A read-only view of the file store's log as it was when opened, for tools
 * (`baton replay`, `audit`, `state`) that may run beside a live server.
 *
 * Unlike `openFileEventStore` it never creates, repairs or writes anything,
 * and takes no lock: a torn tail is most likely a record the server is
 * writing right now, so it is skipped, not cut, and so is a last record whose
 * newline is still being written. Any other damage fails the open, as it
 * fails the store's (`LogDamageError`): a tool must not show a log that
 * silently lacks events. Appends are refused; events
 * appended after opening are not seen (open again for a newer snapshot).
 * Like the store, it indexes the log and reads events from disk on demand, so
 * looking up one workflow in a large log stays cheap. The log only grows while
 * a server appends, so the indexed records stay where they were.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { EventStore } from "../../domain/ports.ts";
import { createBatchCache } from "./batch-cache.ts";
import { createLogIndex } from "./file-index.ts";
import { createLogReader } from "./file-reader.ts";
import { createFileReads } from "./file-reads.ts";
import { scanLog } from "./file-scan.ts";
import { DEFAULT_CACHE_BYTES } from "./file.ts";
import { createSubscriptionHub } from "./subscriptions.ts";

/** Indexes `<dir>/events.log` read-only; throws a clear Error when there is no log there. */
export async function openFileSnapshot(dir: string): Promise<EventStore> {
  const file = join(dir, "events.log");
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`no event log at ${file}`);
    throw error;
  }
  const index = createLogIndex();
  try {
    await scanLog(handle, file, (batch, span) => {
      index.add(batch.streamId, batch.revision, batch.position, batch.events.length, span.length);
    });
  } catch (error) {
    await handle.close();
    throw error;
  }
  const visible = index.eventCount();
  const reads = createFileReads(index, createLogReader(handle, file, index, createBatchCache(DEFAULT_CACHE_BYTES)), () => visible);
  const hub = createSubscriptionHub(reads.feed);
  let closing: Promise<void> | undefined;
  const assertOpen = () => {
    if (closing) throw new Error(`${file}: the snapshot is closed`);
  };
  return {
    async append() {
      throw new Error(`${file}: opened read-only; appends are refused`);
    },
    async readStream(streamId, options) {
      assertOpen();
      return reads.readStream(streamId, options);
    },
    async readAll(options) {
      assertOpen();
      return reads.readAll(options);
    },
    subscribeToAll(handler, options) {
      assertOpen();
      return hub.subscribe(handler, options);
    },
    close() {
      closing ??= (async () => {
        hub.closeAll();
        await handle.close();
      })();
      return closing;
    },
  };
}
