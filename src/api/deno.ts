/**
 * Deno composition root: `deno task start`. Same app and engine as Node; the
 * file event store runs through Deno's node: compatibility.
 */
import { loadEvaluators } from "../adapters/evaluators/index.ts";
import { openFileEventStore } from "../adapters/eventstore/file.ts";
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { createEngine } from "../engine/engine.ts";
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { openRouter } from "./open-router.ts";

const config = loadConfig(Deno.env.toObject());
if (config.BATON_EVENT_STORE === "esdb") {
  // The EventStoreDB client is a Node gRPC driver; run `npm start` for that store.
  throw new Error("BATON_EVENT_STORE=esdb needs the Node entry (npm start); this runtime supports file and memory");
}
const store = config.BATON_EVENT_STORE === "memory"
  ? createMemoryEventStore()
  : await openFileEventStore({ dir: config.DATA_DIR, fsync: config.BATON_FSYNC });
const engine = await createEngine({ store, evaluators: await loadEvaluators(), sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS });
const router = await openRouter(config, engine, store);
const app = createApp({ engine, router });
Deno.serve({ port: config.PORT, hostname: config.HOST }, app.fetch);
