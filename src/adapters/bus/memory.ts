import type { Bus, BusMessage, DeliveredMessage } from "../../domain/ports.ts";
import { busTopicFor, DEFAULT_CONDUCTOR_TOPIC_PREFIX } from "./topic-names.ts";

export interface MemoryBusOptions {
  /** Topic prefix for `conductor:<queue>` names (as on Kafka). Default `conductor.`. */
  conductorTopicPrefix?: string;
}

/**
 * The embedded bus: in-process topics with one partition each, so every
 * subscriber sees a topic's messages in publish order. A subscriber handles one
 * message at a time; a failing handler is reported and the topic moves on.
 * Nothing is persisted: messages published while no one subscribes are kept in
 * memory until the process ends. Names become topics by the rule every bus
 * follows (topic-names.ts): `kafka:orders` and `orders` are one topic, as on
 * Kafka, and a delivered message names that topic. Uses no Node API.
 */
export function createMemoryBus(
  onHandlerError: (error: unknown, message: DeliveredMessage) => void = () => {},
  options: MemoryBusOptions = {},
): Bus & { topicFor(name: string): string } {
  const conductorPrefix = options.conductorTopicPrefix ?? DEFAULT_CONDUCTOR_TOPIC_PREFIX;
  const topicFor = (name: string) => busTopicFor(name, conductorPrefix);
  const topics = new Map<string, DeliveredMessage[]>();
  const subscribers = new Map<string, Set<{ deliver: () => void }>>();
  let closed = false;

  function log(topic: string): DeliveredMessage[] {
    let messages = topics.get(topic);
    if (!messages) {
      messages = [];
      topics.set(topic, messages);
    }
    return messages;
  }

  return {
    topicFor,
    async publish(name: string, message: BusMessage) {
      if (closed) throw new Error("the in-process bus is closed");
      const topic = topicFor(name);
      const messages = log(topic);
      const offset = String(messages.length);
      messages.push({ ...message, topic, partition: 0, offset });
      for (const subscriber of subscribers.get(topic) ?? []) subscriber.deliver();
      return { partition: 0, offset };
    },
    subscribe(name, handler) {
      const topic = topicFor(name);
      const messages = log(topic);
      let next = messages.length; // new subscribers see what is published from now on
      let running = false;
      let active = true;
      const subscriber = {
        deliver() {
          if (running || !active) return;
          running = true;
          void (async () => {
            while (active && next < messages.length) {
              const message = messages[next++]!;
              try {
                await handler(message);
              } catch (error) {
                onHandlerError(error, message);
              }
            }
            running = false;
          })();
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
        },
      };
    },
    async close() {
      closed = true;
      subscribers.clear();
    },
  };
}
