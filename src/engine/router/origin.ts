import type { DeliveredMessage, EventSource, EventStore } from "../../domain/ports.ts";
import { type RouterEvent, type RouterMessage, routerMessageId } from "../../domain/router/events.ts";

/** A bus record as the router refers to it: its id (`topic/partition/offset`) and where it came from. */
export interface Origin {
  id: string;
  message: RouterMessage;
}

export function originOf(delivered: DeliveredMessage): Origin {
  const message: RouterMessage = { topic: delivered.topic, partition: delivered.partition, offset: delivered.offset };
  if (delivered.key !== undefined) message.key = delivered.key;
  return { id: routerMessageId(message), message };
}

/** The source every event the message causes carries, so the audit timeline names the Kafka record. */
export const sourceOf = (origin: Origin): EventSource => ({ kind: "router", detail: origin.id, message: origin.message });

/** Appends one of the router's own facts (`router-unmatched`, `router-holds`), caused by `origin`. */
export function createRouterLog(store: EventStore, newId: () => string) {
  return async (streamId: string, event: RouterEvent, origin: Origin): Promise<void> => {
    await store.append(
      streamId,
      [{ id: newId(), type: event.type, data: event.data, metadata: { causationId: `router:${origin.id}`, source: sourceOf(origin) } }],
      "any",
    );
  };
}

export type RouterLog = ReturnType<typeof createRouterLog>;
