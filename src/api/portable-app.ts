/**
 * The app as Deno and Bun run it: the file or memory store (through their node:
 * compatibility), the sandboxes, the engine, the router on the in-process bus.
 * The Kafka bus and EventStoreDB are Node drivers: use `npm start` for those.
 */
import { loadEvaluators } from "../adapters/evaluators/index.ts";
import { openFileEventStore } from "../adapters/eventstore/file.ts";
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { createEngine } from "../engine/engine.ts";
import { type AppDeps, createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { memoryBounds } from "./memory-bounds.ts";
import { workflowLimits } from "./workflow-limits.ts";
import { openRouter } from "./open-router.ts";

/** `upgradeWebSocket` is the runtime's Hono helper, for graphql-ws on `/graphql`. */
export async function createPortableApp(config: Config, runtime: string, { upgradeWebSocket }: Pick<AppDeps, "upgradeWebSocket"> = {}) {
  if (config.BATON_EVENT_STORE === "esdb") {
    throw new Error(`BATON_EVENT_STORE=esdb needs the Node entry (npm start); ${runtime} supports file and memory`);
  }
  const store = config.BATON_EVENT_STORE === "memory"
    ? createMemoryEventStore()
    : await openFileEventStore({ dir: config.DATA_DIR, fsync: config.BATON_FSYNC, cacheBytes: config.BATON_READ_CACHE_MB * 1024 * 1024 });
  const engine = await createEngine({
    store,
    evaluators: await loadEvaluators(),
    sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS,
    ...memoryBounds(config),
    ...workflowLimits(config),
  });
  const router = await openRouter(config, engine, store);
  return createApp({ engine, router, upgradeWebSocket });
}
