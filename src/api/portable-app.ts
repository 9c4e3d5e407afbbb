/**
 * The app as Deno and Bun run it: the file or memory store (through their node:
 * compatibility), user code on web Workers, the engine, the router on the in-process bus.
 * The Kafka bus and EventStoreDB are Node drivers: use `npm start` for those.
 */
import type { Context } from "hono";
import { webWorkerSpawner } from "../adapters/evaluators/web-workers.ts";
import { openFileEventStore } from "../adapters/eventstore/file.ts";
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { createEngine } from "../engine/engine.ts";
import { type AppDeps, createApp } from "./app.ts";
import { authPortOf, createAuth } from "./auth/auth.ts";
import { createGraphQL } from "./graphql/yoga.ts";
import { openAuthSettings } from "./open-auth.ts";
import type { Config } from "./config.ts";
import { egressPolicy } from "./egress.ts";
import { inputLimitsOf } from "./input-limits.ts";
import { memoryBounds } from "./memory-bounds.ts";
import { workflowLimits } from "./workflow-limits.ts";
import { openRouter } from "./open-router.ts";
import { openDagRuns } from "./open-dag-runs.ts";
import { openUserCodePool, userCodeLimits } from "./open-user-code.ts";

/**
 * `upgradeWebSocket` is the runtime's Hono helper, for graphql-ws on `/graphql`;
 * `clientAddress` its connection-info helper, for the failed-token-request limit.
 */
export async function createPortableApp(
  config: Config,
  runtime: string,
  { upgradeWebSocket, clientAddress }: Pick<AppDeps, "upgradeWebSocket"> & { clientAddress?: (c: Context) => string } = {},
) {
  if (config.BATON_EVENT_STORE === "esdb") {
    throw new Error(`BATON_EVENT_STORE=esdb needs the Node entry (npm start); ${runtime} supports file and memory`);
  }
  const store = config.BATON_EVENT_STORE === "memory"
    ? createMemoryEventStore()
    : await openFileEventStore({ dir: config.DATA_DIR, fsync: config.BATON_FSYNC, cacheBytes: config.BATON_READ_CACHE_MB * 1024 * 1024 });
  const engine = await createEngine({
    store,
    // User code runs on web Workers, off the event loop (no heap limit there: see web-workers.ts).
    userCode: await openUserCodePool(config, webWorkerSpawner(), (message) => console.error(message)),
    sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS,
    egress: egressPolicy(config),
    eventSinks: { conductorSinksWait: config.BATON_EVENT_SINK_WAITS },
    ...memoryBounds(config),
    ...workflowLimits(config),
    ...userCodeLimits(config),
    eventHandlers: { maxJsonDepth: config.BATON_MAX_JSON_DEPTH },
  });
  const router = await openRouter(config, engine, store);
  const auth = createAuth(await openAuthSettings(config, clientAddress), authPortOf(engine));
  const limits = inputLimitsOf(config);
  const graphql = createGraphQL({ engine, router, graphiql: config.BATON_GRAPHIQL, plugins: [auth.graphqlPlugin], limits });
  // The Airflow bridge without artifact copies (no object store here); MWAA needs the Node entry.
  await openDagRuns(config, { engine, store });
  return createApp({ engine, router, upgradeWebSocket, auth, graphql, limits });
}
