import { createEventRouter, type EventRouter, type RouterEngine } from "../engine/router/event-router.ts";
import type { Bus, EventStore } from "../domain/ports.ts";
import type { Config } from "./config.ts";

/**
 * The sink-pattern event router the configuration asks for, on the engine's bus,
 * consuming once this resolves; undefined when it is off.
 */
export async function openRouter(
  config: Pick<Config, "BATON_ROUTER_ENABLED" | "BATON_ROUTER_TOPIC" | "BATON_ROUTER_MAPPINGS" | "BATON_ROUTER_HOLD_MS"> &
    Partial<Pick<Config, "BATON_MAX_JSON_DEPTH" | "BATON_ROUTER_CONCURRENCY" | "BATON_ROUTER_HOLD_GRACE_MS">>,
  engine: RouterEngine & { bus: Bus },
  store: EventStore,
  logError?: (message: string, fields?: Record<string, unknown>) => void,
): Promise<EventRouter | undefined> {
  if (!config.BATON_ROUTER_ENABLED) return undefined;
  const router = await createEventRouter({
    engine,
    bus: engine.bus,
    store,
    topic: config.BATON_ROUTER_TOPIC,
    mappings: config.BATON_ROUTER_MAPPINGS,
    holdMs: config.BATON_ROUTER_HOLD_MS,
    maxJsonDepth: config.BATON_MAX_JSON_DEPTH,
    concurrency: config.BATON_ROUTER_CONCURRENCY,
    holdGraceMs: config.BATON_ROUTER_HOLD_GRACE_MS,
    logError,
  });
  // Before Baton takes requests: a new consumer group starts at the latest offset,
  // so a reply published before it joined would be missed.
  await router.ready;
  return router;
}
