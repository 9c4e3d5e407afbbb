/**
 * In-memory event store: the port's exact semantics with nothing on disk, for
 * tests and ephemeral runs. Uses no Node API, so it runs on every runtime.
 */
import type { EventStore } from "../../domain/ports.ts";
import { createEventLog } from "./event-log.ts";
import type { EventBatch } from "./event-log.ts";
import { createSubscriptionHub, feedOfLog } from "./subscriptions.ts";

/** Options of `createMemoryEventStore`. */
export interface MemoryEventStoreOptions {
  /** Clock for `created`; defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Creates an empty in-memory event store.
 *
 * Events are stored as JSON copies, so readers see what the file store returns
 * after a restart (and later changes to the appended objects do not leak in).
 * An append is visible and delivered to caught-up synchronous subscribers
 * before its promise resolves (see subscriptions.ts).
 */
export function createMemoryEventStore(options: MemoryEventStoreOptions = {}): EventStore {
  const now = options.now ?? Date.now;
  const log = createEventLog();
  const hub = createSubscriptionHub(feedOfLog(log));
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error("The in-memory event store is closed");
  }

  return {
    async append(streamId, events, expected) {
      assertOpen();
      const plan = log.planAppend(streamId, events, expected, now());
      if (plan.kind === "done") return plan.result;
      const result = log.add(JSON.parse(JSON.stringify(plan.batch)) as EventBatch);
      log.reveal(log.events.length);
      hub.deliver();
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
    async close() {
      closed = true;
      hub.closeAll();
    },
  };
}
