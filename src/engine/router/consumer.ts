import { ValidationError } from "../../domain/errors.ts";
import type { Bus, DeliveredMessage } from "../../domain/ports.ts";
import { type ParsedCompletion, parseCompletion } from "../../domain/router/completion.ts";
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
  /** Completions handled at once (per partition on Kafka), in order per workflow. Default 32; 1 handles one at a time. */
  concurrency?: number;
}

/**
 * Consumes the completion topic: each record is parsed as a completion event
 * and routed; one that is not a completion event is recorded as malformed and
 * thrown back, so the bus adapter dead-letters it. A record's handler settles
 * only after what it caused is appended, so a bus that commits after the
 * handler loses nothing. Messages of different workflows are handled side by
 * side (a bus's `orderKey`), each workflow's in the order they came.
 */
export function consumeCompletions({ bus, topic, route, unmatched, counts, maxJsonDepth, concurrency = 32 }: ConsumerDeps) {
  /** Each message is parsed once: by `orderKey` (on a bus that asks), then by the handler. */
  const parsedOnce = new WeakMap<DeliveredMessage, ParsedCompletion>();
  const parse = (delivered: DeliveredMessage): ParsedCompletion => {
    let parsed = parsedOnce.get(delivered);
    if (!parsed) {
      parsed = parseCompletion(delivered.value, maxJsonDepth);
      parsedOnce.set(delivered, parsed);
    }
    return parsed;
  };
  /** Completions of one workflow stay in order (the first reply is the one applied); other workflows' run alongside. Malformed ones share a key. */
  const orderKey = (delivered: DeliveredMessage): string => {
    const parsed = parse(delivered);
    return parsed.ok ? `w:${parsed.value.workflowId}` : "malformed";
  };

  async function onMessage(delivered: DeliveredMessage): Promise<void> {
    const origin = originOf(delivered);
    const parsed = parse(delivered);
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
  return bus.subscribe(topic, onMessage, { group: ROUTER_SUBSCRIBER, ...(concurrency > 1 ? { orderKey, concurrency } : {}) });
}
