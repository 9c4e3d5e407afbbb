/**
 * Catch-up subscriptions over an event feed: each subscriber gets the visible
 * events from its position, then live ones as they become visible, one
 * handler call at a time, in position order. Catching up reads the feed in
 * chunks (from disk, for the file store); live events come from memory.
 *
 * Read-your-writes: `deliver()` is synchronous as far as handlers are. A
 * caught-up subscriber whose handler returns no promise receives every newly
 * visible event before `deliver()` returns, and both stores call `deliver()`
 * before they resolve the append that revealed the events. So when `append()`
 * resolves, such subscribers (e.g. in-memory projections) already hold its
 * events. That needs the feed to hand out newly visible events without I/O
 * (`eventAt`). A subscriber still catching up, or awaiting an async handler,
 * gets them later, in order.
 */
import type { RecordedEvent, SubscribeOptions, Subscription } from "../../domain/ports.ts";
import type { EventLog } from "./event-log.ts";

/** What a hub reads: visible events, by position. */
export interface EventFeed {
  /** Events at positions below this are visible. */
  visibleCount(): number;
  /** The visible event at `position` when it is at hand without I/O; undefined otherwise. */
  eventAt(position: number): RecordedEvent | undefined;
  /** Visible events from `position` on, at least one if there is one, at most `maxCount`. */
  readFrom(position: number, maxCount: number): Promise<readonly RecordedEvent[]>;
}

/** The feed of a log held in memory. */
export function feedOfLog(log: Pick<EventLog, "events" | "visibleCount">): EventFeed {
  return {
    visibleCount: () => log.visibleCount(),
    eventAt: (position) => (position < log.visibleCount() ? log.events[position] : undefined),
    readFrom: async (position, maxCount) => log.events.slice(position, Math.min(log.visibleCount(), position + maxCount)),
  };
}

/** A subscriber's callback; a returned promise is awaited before the next event. */
export type EventHandler = (event: RecordedEvent) => void | Promise<void>;

/** The live subscriptions of one store. */
export interface SubscriptionHub {
  subscribe(handler: EventHandler, options?: SubscribeOptions): Subscription;
  /** Hands newly visible events to every idle subscriber; see the module comment. */
  deliver(): void;
  /** Stops every subscription: no handler call starts afterwards. */
  closeAll(): void;
}

/**
 * While catching up with synchronous handlers, give the event loop a turn
 * after this many events, so replaying a long log does not stall the server.
 */
const CATCH_UP_SLICE = 1000;

/**
 * Events fetched per read while catching up from disk. Below `CATCH_UP_SLICE`,
 * so that the reads (each a turn of the event loop) make the timer yields,
 * which cost a millisecond each, unnecessary.
 */
const CATCH_UP_CHUNK = 500;

/** Creates the subscription fan-out for `feed`. */
export function createSubscriptionHub(feed: EventFeed): SubscriptionHub {
  const subscribers = new Set<Subscriber>();
  return {
    subscribe(handler, options = {}) {
      const subscriber = startSubscriber(feed, handler, options);
      subscribers.add(subscriber);
      // Start on a microtask so that the caller holds the Subscription before its handler first runs.
      queueMicrotask(() => subscriber.deliver());
      return {
        async close() {
          subscriber.close();
          subscribers.delete(subscriber);
        },
      };
    },
    deliver() {
      for (const subscriber of subscribers) subscriber.deliver();
    },
    closeAll() {
      for (const subscriber of subscribers) subscriber.close();
      subscribers.clear();
    },
  };
}

interface Subscriber {
  deliver(): void;
  close(): void;
}

function startSubscriber(feed: EventFeed, handler: EventHandler, options: SubscribeOptions): Subscriber {
  let next = Math.max(0, options.fromPosition ?? 0);
  let caughtUp = false;
  let running = false;
  let closed = false;
  /** Events read ahead while catching up; `chunk[chunkIndex]` is at position `next`. */
  let chunk: readonly RecordedEvent[] = [];
  let chunkIndex = 0;

  /** The event at `next`: read ahead, at hand, or (undefined) to be read. */
  function eventAtNext(): RecordedEvent | undefined {
    const ahead = chunk[chunkIndex];
    if (ahead?.position === next) {
      chunkIndex += 1;
      return ahead;
    }
    chunk = [];
    chunkIndex = 0;
    return feed.eventAt(next);
  }

  // Runs synchronously until a handler returns a promise; `running` is reset
  // in `finally` without an intervening await, so a `deliver()` right after a
  // synchronous run is never skipped.
  async function drain(): Promise<void> {
    running = true;
    let reading = false;
    try {
      let sinceYield = 0;
      while (!closed) {
        if (next >= feed.visibleCount()) {
          if (caughtUp) return;
          caughtUp = true;
          options.onCaughtUp?.();
          continue; // onCaughtUp may have appended
        }
        const event = eventAtNext();
        if (event === undefined) {
          reading = true;
          chunk = await feed.readFrom(next, CATCH_UP_CHUNK);
          chunkIndex = 0;
          reading = false;
          sinceYield = 0; // the read gave the event loop its turn
          if (chunk.length === 0) throw new Error(`no event at visible position ${next}`);
          continue;
        }
        next += 1;
        const outcome: unknown = handler(event);
        if (isPromiseLike(outcome)) await outcome;
        if (!caughtUp && ++sinceYield >= CATCH_UP_SLICE) {
          sinceYield = 0;
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
    } catch (error) {
      if (closed) return; // e.g. the store closed its file under a read
      closed = true;
      const what = reading ? `could not read position ${next}` : `handler failed at position ${next - 1}`;
      surface(new Error(`Event subscription ${what}; the subscription is closed`, { cause: error }));
    } finally {
      running = false;
    }
  }

  return {
    deliver() {
      if (!running && !closed) void drain();
    },
    close() {
      // Not awaiting a running handler: a handler that closes its own subscription would wait for itself.
      closed = true;
    },
  };
}

/**
 * A failing handler stops its subscription. The port has no error callback
 * and nobody awaits the delivery, so the error becomes an unhandled
 * rejection: Node reports it (and by default exits) instead of letting a
 * projection silently fall behind.
 */
function surface(error: Error): void {
  void Promise.reject(error);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
