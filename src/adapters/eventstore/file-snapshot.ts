/**
 * A read-only view of the file store's log as it was when opened, for tools
 * (`baton replay`, `audit`, `state`) that may run beside a live server.
 *
 * Unlike `openFileEventStore` it never creates, repairs or writes anything: a
 * damaged tail is most likely a record the server is writing right now, so it
 * is skipped, not cut. Appends are refused; events appended after opening are
 * not seen (open again for a newer snapshot).
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { EventStore } from "../../domain/ports.ts";
import { createEventLog } from "./event-log.ts";
import { scanLog } from "./file-scan.ts";
import { createSubscriptionHub, feedOfLog } from "./subscriptions.ts";

/** Loads `<dir>/events.log` read-only; throws a clear Error when there is no log there. */
export async function openFileSnapshot(dir: string): Promise<EventStore> {
  const file = join(dir, "events.log");
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`no event log at ${file}`);
    throw error;
  }
  const log = createEventLog();
  try {
    await scanLog(handle, file, (batch) => log.add(batch));
  } finally {
    await handle.close();
  }
  log.reveal(log.events.length);
  const hub = createSubscriptionHub(feedOfLog(log));
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new Error(`${file}: the snapshot is closed`);
  };
  return {
    async append() {
      throw new Error(`${file}: opened read-only; appends are refused`);
    },
    async readStream(streamId, options) {
      assertOpen();
      return log.readStream(streamId, options);
    },
    async readAll(options) {
      assertOpen();
      return log.readAll(options);
    },
    subscribeToAll(handler, options) {
      assertOpen();
      return hub.subscribe(handler, options);
    },
    async close() {
      closed = true;
      hub.closeAll();
    },
  };
}
