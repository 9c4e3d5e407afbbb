import type { Bus, BusMessage, DeliveredMessage } from "../../domain/ports.ts";
import { busTopicFor, DEFAULT_CONDUCTOR_TOPIC_PREFIX } from "./topic-names.ts";

export interface MemoryBusOptions {
  /** Topic prefix for `conductor:<queue>` names (as on Kafka). Default `conductor.`. */
  conductorTopicPrefix?: string;
}

/** A subscriber handles a keyed subscription's messages this many at once, unless it says otherwise (as on Kafka). */
const DEFAULT_KEYED_CONCURRENCY = 32;

/** A topic's messages from `base` on: those every subscriber has taken are dropped. */
interface TopicLog {
  base: number;
  items: DeliveredMessage[];
}

/**
 * The embedded bus: in-process topics with one partition each. A subscriber
 * handles one message at a time, in publish order; with an `orderKey` it
 * handles up to `concurrency` at once, in order among messages of one key (as
 * the Kafka bus does within a partition). A failing handler is reported and the
 * topic moves on. Nothing is persisted, and a subscriber sees what is published
 * after it subscribed: a message is dropped once every subscriber has taken it
 * (at once when no one subscribes), so memory stays bounded by what is in hand.
 * Names become topics by the rule every bus follows (topic-names.ts):
 * `kafka:orders` and `orders` are one topic, as on Kafka, and a delivered
 * message names that topic. Uses no Node API.
 */
export function createMemoryBus(
  onHandlerError: (error: unknown, message: DeliveredMessage) => void = () => {},
  options: MemoryBusOptions = {},
): Bus & { topicFor(name: string): string; retained(): number } {
  const conductorPrefix = options.conductorTopicPrefix ?? DEFAULT_CONDUCTOR_TOPIC_PREFIX;
  const topicFor = (name: string) => busTopicFor(name, conductorPrefix);
  const topics = new Map<string, TopicLog>();
  const subscribers = new Map<string, Set<Subscriber>>();
  let closed = false;

  interface Subscriber {
    /** The offset of the next message this subscriber takes. */
    next: number;
    deliver(): void;
  }

  function log(topic: string): TopicLog {
    let entry = topics.get(topic);
    if (!entry) {
      entry = { base: 0, items: [] };
      topics.set(topic, entry);
    }
    return entry;
  }

  const end = (entry: TopicLog) => entry.base + entry.items.length;

  /** Drops the messages every subscriber of `topic` has taken. */
  function trim(topic: string): void {
    const entry = topics.get(topic);
    if (!entry) return;
    let lowest = end(entry);
    for (const subscriber of subscribers.get(topic) ?? []) lowest = Math.min(lowest, subscriber.next);
    const taken = lowest - entry.base;
    // Dropping in chunks keeps the cost of shifting the array small per message.
    if (taken > 0 && (taken >= 256 || taken === entry.items.length)) {
      entry.items.splice(0, taken);
      entry.base = lowest;
    }
  }

  return {
    topicFor,
    /** Messages held for subscribers that have not taken them yet (for tests and metrics). */
    retained: () => [...topics.values()].reduce((sum, entry) => sum + entry.items.length, 0),
    async publish(name: string, message: BusMessage) {
      if (closed) throw new Error("the in-process bus is closed");
      const topic = topicFor(name);
      const entry = log(topic);
      const offset = String(end(entry));
      entry.items.push({ ...message, topic, partition: 0, offset });
      const listening = subscribers.get(topic);
      if (!listening || listening.size === 0) trim(topic);
      else for (const subscriber of listening) subscriber.deliver();
      return { partition: 0, offset };
    },
    subscribe(name, handler, subscribeOptions = {}) {
      const topic = topicFor(name);
      const entry = log(topic);
      const orderKey = subscribeOptions.orderKey;
      const limit = orderKey ? Math.max(1, subscribeOptions.concurrency ?? DEFAULT_KEYED_CONCURRENCY) : 1;
      let active = true;
      let inHand = 0;
      /** Per key, the promise of its last message in hand: the next one of that key waits for it. */
      const tails = new Map<string, Promise<void>>();

      const handle = async (message: DeliveredMessage) => {
        try {
          await handler(message);
        } catch (error) {
          onHandlerError(error, message);
        }
      };

      const subscriber: Subscriber = {
        next: end(entry), // new subscribers see what is published from now on
        deliver() {
          while (active && inHand < limit && subscriber.next < end(entry)) {
            const message = entry.items[subscriber.next - entry.base]!;
            subscriber.next++;
            inHand++;
            let key = "";
            try {
              key = orderKey ? orderKey(message) : "";
            } catch {
              key = "\u0000unkeyed"; // the handler will see and report what is wrong with it
            }
            const previous = tails.get(key) ?? Promise.resolve();
            const done: Promise<void> = previous.then(() => handle(message));
            tails.set(key, done);
            void done.then(() => {
              if (tails.get(key) === done) tails.delete(key);
              inHand--;
              subscriber.deliver();
            });
          }
          trim(topic);
        },
      };
      let set = subscribers.get(topic);
      if (!set) {
        set = new Set();
        subscribers.set(topic, set);
      }
      set.add(subscriber);
      return {
        async close() {
          active = false;
          set!.delete(subscriber);
          trim(topic);
        },
      };
    },
    async close() {
      closed = true;
      subscribers.clear();
      topics.clear();
    },
  };
}
