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

const config = loadConfig(Deno.env.toObject());
const store = config.BATON_EVENT_STORE === "memory"
  ? createMemoryEventStore()
  : await openFileEventStore({ dir: config.DATA_DIR, fsync: config.BATON_FSYNC });
const engine = await createEngine({ store, evaluators: await loadEvaluators(), sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS });
const app = createApp({ engine });
Deno.serve({ port: config.PORT, hostname: config.HOST }, app.fetch);
