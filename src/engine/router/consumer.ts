import { ValidationError } from "../../domain/errors.ts";
import type { Bus, DeliveredMessage } from "../../domain/ports.ts";
import { parseCompletion } from "../../domain/router/completion.ts";
import { originOf } from "./origin.ts";
import type { Route } from "./routing.ts";
import type { RouterCounts } from "./stats.ts";
import type { UnmatchedRecords } from "./unmatched.ts";

/** The router's subscriber name on the bus (its Kafka consumer group is derived from it). */
export const ROUTER_SUBSCRIBER = "router";

export interface ConsumerDeps {
  bus: Bus;
  topic: string;
  route: Route;
  unmatched: UnmatchedRecords;
  counts: RouterCounts;
  /** Messages nested deeper are malformed (BATON_MAX_JSON_DEPTH). */
  maxJsonDepth?: number;
}

/**
 * Consumes the completion topic: each record is parsed as a completion event
 * and routed; one that is not a completion event is recorded as malformed and
 * thrown back, so the bus adapter dead-letters it. A record's handler settles
 * only after what it caused is appended, so a bus that commits after the
 * handler loses nothing.
 */
export function consumeCompletions({ bus, topic, route, unmatched, counts, maxJsonDepth }: ConsumerDeps) {
  async function onMessage(delivered: DeliveredMessage): Promise<void> {
    const origin = originOf(delivered);
    const parsed = parseCompletion(delivered.value, maxJsonDepth);
    if (!parsed.ok) {
      await unmatched.record(origin, delivered.value, "malformed", parsed.reason);
      counts.malformed++;
      throw new ValidationError(`event router: message ${origin.id} is not a completion event: ${parsed.reason}`, [
        { path: "(message)", message: parsed.reason },
      ]);
    }
    await route(parsed.value, origin, delivered.value);
  }
  // Its own subscriber name: event handlers listening on the same topic each still see every message.
  return bus.subscribe(topic, onMessage, { group: ROUTER_SUBSCRIBER });
}
