/**
 * In-memory event store: the port's exact semantics with nothing on disk, for
 * tests and ephemeral runs. Uses no Node API, so it runs on every runtime.
 */
import type { EventStore, RecordedEvent, StreamLimits } from "../../domain/ports.ts";
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
  const limits = new Map<string, StreamLimits>();
  let closed = false;

  /** EventStoreDB's `$maxCount` / `$maxAge`: events past the limits leave stream reads (`$all` keeps them, as before a scavenge). */
  function withinLimits(streamId: string, read: RecordedEvent[]): RecordedEvent[] {
    const limit = limits.get(streamId);
    if (!limit) return read;
    const [newest] = log.readStream(streamId, { direction: "backwards", maxCount: 1 });
    const firstKept = limit.maxCount === undefined || !newest ? 0 : newest.revision + 1 - limit.maxCount;
    const oldestKept = limit.maxAgeSeconds === undefined ? Number.NEGATIVE_INFINITY : now() - limit.maxAgeSeconds * 1000;
    return read.filter((event) => event.revision >= firstKept && event.created >= oldestKept);
  }

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
      return withinLimits(streamId, log.readStream(streamId, readOptions));
    },
    async readAll(readOptions) {
      assertOpen();
      return log.readAll(readOptions);
    },
    async limitStream(streamId, streamLimits) {
      assertOpen();
      limits.set(streamId, { ...streamLimits });
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
