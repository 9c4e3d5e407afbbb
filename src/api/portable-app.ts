/**
 * The app as Deno and Bun run it: the file or memory store (through their node:
 * compatibility), user code on web Workers, the engine, the router on the in-process bus,
 * the ingestion service on the fs object store.
 * The Kafka bus, EventStoreDB and the S3/MinIO stores are Node drivers: use `npm start` for those.
 */
import { join } from "node:path";
import type { Context } from "hono";
import { webWorkerSpawner } from "../adapters/evaluators/web-workers.ts";
import { openFileEventStore } from "../adapters/eventstore/file.ts";
import { createFsObjectStore } from "../adapters/storage/fs.ts";
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { createEngine } from "../engine/engine.ts";
import { type AppDeps, createApp } from "./app.ts";
import { exampleRoutesOf } from "./example-routes.ts";
import { CONSOLE_BUILD_DIR, fsConsoleAssets } from "./console/fs-assets.ts";
import { fileURLToPath } from "node:url";
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
import type { BatonLogger } from "./observability/logger.ts";
import { createBatonMetrics } from "./observability/baton-metrics.ts";
import { consoleOutput, loggerFromConfig } from "./observability/runtime-logger.ts";

/**
 * `upgradeWebSocket` is the runtime's Hono helper, for graphql-ws on `/graphql`;
 * `clientAddress` its connection-info helper, for the failed-token-request limit.
 */
export async function createPortableApp(
  config: Config,
  runtime: string,
  { upgradeWebSocket, clientAddress, logger = loggerFromConfig(config, consoleOutput(false)) }: Pick<AppDeps, "upgradeWebSocket"> & {
    clientAddress?: (c: Context) => string;
    /** The runtime's logger (JSON lines through `console` when absent). */
    logger?: BatonLogger;
  } = {},
) {
  if (config.BATON_EVENT_STORE === "esdb") {
    throw new Error(`BATON_EVENT_STORE=esdb needs the Node entry (npm start); ${runtime} supports file and memory`);
  }
  if (config.BATON_BUS === "kafka") {
    throw new Error(`BATON_BUS=kafka needs the Node entry (npm start); ${runtime} supports memory`);
  }
  if (config.BATON_OBJECT_STORE !== "fs") {
    throw new Error(`BATON_OBJECT_STORE=${config.BATON_OBJECT_STORE} needs the Node entry (npm start); ${runtime} supports fs`);
  }
  if (config.MINIO_ENDPOINT) {
    throw new Error(`MINIO_ENDPOINT (the raw-data bucket) needs the Node entry (npm start); ${runtime} reads run input from the fs object store only`);
  }
  const metrics = createBatonMetrics();
  const store = metrics.instrumentStore(
    config.BATON_EVENT_STORE === "memory"
      ? createMemoryEventStore()
      : await openFileEventStore({
          dir: config.DATA_DIR,
          fsync: config.BATON_FSYNC,
          cacheBytes: config.BATON_READ_CACHE_MB * 1024 * 1024,
          hotRecords: config.BATON_INDEX_HOT_RECORDS,
          onIndexProblem: (reason) => logger.error(`baton: ${config.DATA_DIR}/index: ${reason}`),
        }),
  );
  const engine = await createEngine({
    store,
    // User code runs on web Workers, off the event loop (no heap limit there: see web-workers.ts).
    userCode: await openUserCodePool(config, webWorkerSpawner(), (message) => logger.error(message)),
    logger: metrics.countingLogger(logger),
    sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS,
    egress: egressPolicy(config),
    eventSinks: { conductorSinksWait: config.BATON_EVENT_SINK_WAITS },
    ...memoryBounds(config),
    ...workflowLimits(config),
    ...userCodeLimits(config),
    eventHandlers: { maxJsonDepth: config.BATON_MAX_JSON_DEPTH },
  });
  const router = await openRouter(config, engine, store, (message, fields) => logger.error(message, fields));
  metrics.observeEngine(engine);
  metrics.observeRouter(router);
  const auth = createAuth(await openAuthSettings(config, clientAddress), authPortOf(engine));
  const limits = inputLimitsOf(config);
  const graphql = createGraphQL({ engine, router, logError: (error) => logger.error("unexpected GraphQL error", { error }), graphiql: config.BATON_GRAPHIQL, plugins: [auth.graphqlPlugin], limits });
  // Files under DATA_DIR/objects, as `npm start` keeps them by default.
  const objects = createFsObjectStore(join(config.DATA_DIR, "objects"));
  // The Airflow bridge, its artifacts in the same store; MWAA needs the Node entry.
  await openDagRuns(config, { engine, store, objects });
  // The web console, read from its build through node:fs (Deno and Bun both have it).
  const consoleAssets = config.BATON_CONSOLE ? fsConsoleAssets(fileURLToPath(CONSOLE_BUILD_DIR)) : undefined;
  return createApp({ engine, router, upgradeWebSocket, auth, graphql, limits, logger, metrics, consoleAssets, ingestion: { objects, rawDataBucket: config.MINIO_RAW_DATA_BUCKET }, ...exampleRoutesOf(config) });
}
