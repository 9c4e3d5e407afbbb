/**
 * Node.js composition root: `npm start`. Reads the environment, opens the
 * event store, runs the engine and serves the HTTP app until SIGTERM/SIGINT.
 */
import { nodeWorkerSpawner } from "../adapters/evaluators/node-workers.ts";
import { DirectoryInUseError } from "../adapters/eventstore/directory-lock.ts";
import { LogDamageError } from "../adapters/eventstore/file-damage.ts";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { lookup } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { hostname } from "node:os";
import type { Server } from "node:http";
import type { EventStore } from "../domain/ports.ts";
import { createFsCheckpointStore } from "../adapters/checkpoints/fs.ts";
import { createEngine, type Engine, type EngineDeps } from "../engine/engine.ts";
import { createApp } from "./app.ts";
import { authPortOf, createAuth } from "./auth/auth.ts";
import { openAuthSettings } from "./open-auth.ts";
import { type Config, loadConfig } from "./config.ts";
import { inputLimitsOf } from "./input-limits.ts";
import { openBus } from "./open-bus.ts";
import { openRouter } from "./open-router.ts";
import { egressPolicy } from "./egress.ts";
import { memoryBounds } from "./memory-bounds.ts";
import { workflowLimits } from "./workflow-limits.ts";
import { openStore } from "./open-store.ts";
import { openUserCodePool, userCodeLimits } from "./open-user-code.ts";
import { openObjectStores } from "./open-object-store.ts";
import { openDagRuns } from "./open-dag-runs.ts";
import { loadMwaaInvoke } from "./mwaa-client.ts";
import type { DagRuns } from "../engine/dagruns/dag-runs.ts";
import type { LocalDag } from "../adapters/airflow/local.ts";
import { attachGraphQLWebSocket } from "./graphql-ws-node.ts";
import { createGraphQL } from "./graphql/yoga.ts";
import { inProcessServices, startServices } from "../services/start-services.ts";
import type { ServiceAdapters } from "../services/service.ts";
import { CONSOLE_BUILD_DIR, fsConsoleAssets } from "./console/fs-assets.ts";
import { fileURLToPath } from "node:url";

/** Read-model checkpoints under DATA_DIR for the durable stores (the memory store starts empty anyway). */
function checkpointsOf(config: Config): Pick<EngineDeps, "checkpoints" | "checkpointEvery"> {
  if (config.BATON_EVENT_STORE === "memory" || config.BATON_CHECKPOINT_EVERY === 0) return {};
  return { checkpoints: createFsCheckpointStore(join(config.DATA_DIR, "checkpoints")), checkpointEvery: config.BATON_CHECKPOINT_EVERY };
}

/** Partitioned ownership with the other processes on the same EventStoreDB, when BATON_CLUSTER is on. */
function clusterOf(config: Config): Pick<EngineDeps, "cluster"> {
  if (!config.BATON_CLUSTER) return {};
  const nodeId = config.BATON_NODE_ID ?? `${hostname()}-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  return {
    cluster: { nodeId, partitions: config.BATON_PARTITIONS, heartbeatMs: config.BATON_HEARTBEAT_MS, takeoverMs: config.BATON_TAKEOVER_MS },
  };
}

export interface RunningServer {
  port: number;
  /** The running engine and its store, for in-process tools and tests. */
  engine: Engine;
  store: EventStore;
  /** The Airflow bridge (its Airflow adapter and monitor), unless BATON_DAG_RUNS is false. */
  dagRuns?: DagRuns;
  close(): Promise<void>;
}

/** What tests put in place of the data services' defaults: adapters (no DNS) and the fault-rate generator. */
export interface ServiceOverrides {
  adapters?: ServiceAdapters;
  random?: () => number;
}

/** Starts Baton with `config`; resolves once it listens. `localDags` are DAGs for the local executor (BATON_AIRFLOW=local). */
export async function startServer(
  config: Config,
  options: { services?: ServiceOverrides; localDags?: Record<string, LocalDag> } = {},
): Promise<RunningServer> {
  const store = await openStore(config);
  const logger = {
    info: (message: string, fields?: Record<string, unknown>) => console.log(message, fields ?? ""),
    error: (message: string, fields?: Record<string, unknown>) => console.error(message, fields ?? ""),
  };
  const bus = await openBus(config, logger).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // User code runs on worker threads, never on this event loop.
  const userCode = await openUserCodePool(config, nodeWorkerSpawner({ heapMb: config.BATON_USER_CODE_HEAP_MB }), logger.error).catch(async (error: unknown) => {
    await bus?.close();
    await store.close();
    throw error;
  });
  const engine = await createEngine({
    store,
    bus,
    userCode,
    sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS,
    logger,
    egress: egressPolicy(config, async (host) => (await lookup(host, { all: true })).map((entry) => entry.address)),
    eventSinks: { conductorSinksWait: config.BATON_EVENT_SINK_WAITS },
    ...memoryBounds(config),
    ...workflowLimits(config),
    ...userCodeLimits(config),
    eventHandlers: { maxJsonDepth: config.BATON_MAX_JSON_DEPTH },
    ...checkpointsOf(config),
    ...clusterOf(config),
  });
  const router = await openRouter(config, engine, store, logger.error);
  // The seed's data services, on the engine's bus, so its workflows complete in this process alone.
  const services = await startServices(inProcessServices(config), {
    bus: engine.bus,
    completionTopic: config.BATON_ROUTER_TOPIC,
    settings: config,
    logger,
    clock: Date.now,
    random: options.services?.random ?? Math.random,
    ...(options.services?.adapters ? { adapters: options.services.adapters } : {}),
  }).catch(async (error: unknown) => {
    await router?.close();
    await engine.close();
    await userCode.close();
    await bus?.close();
    await store.close();
    throw error;
  });
  // schema.graphql is the source of truth; Node reads it (other runtimes use the generated copy).
  const typeDefs = await readFile(new URL("../../schema.graphql", import.meta.url), "utf8");
  const auth = createAuth(await openAuthSettings(config, (c) => getConnInfo(c).remote.address ?? "unknown"), authPortOf(engine));
  const limits = inputLimitsOf(config);
  const graphql = createGraphQL({ engine, router, typeDefs, graphiql: config.BATON_GRAPHIQL, plugins: [auth.graphqlPlugin], limits });
  const objectStores = await openObjectStores(config);
  const ingestion = { ...objectStores, rawDataBucket: config.MINIO_RAW_DATA_BUCKET };
  const dagRuns = await openDagRuns(config, {
    engine,
    store,
    objects: objectStores.objects,
    ...(config.AIRFLOW_S3_BUCKET ? { dagObjects: await openObjectStores({ ...config, BATON_OBJECT_STORE: "s3", S3_BUCKET: config.AIRFLOW_S3_BUCKET }).then((s) => s.objects) } : {}),
    ...(config.BATON_AIRFLOW === "mwaa" ? { mwaaInvoke: await loadMwaaInvoke(config.MWAA_REGION) } : {}),
    localDags: options.localDags,
    logError: logger.error,
  });
  const consoleAssets = config.BATON_CONSOLE ? fsConsoleAssets(fileURLToPath(CONSOLE_BUILD_DIR)) : undefined;
  const app = createApp({ engine, router, graphql, ingestion, auth, limits, consoleAssets });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    // Keep Node's own Request/Response: replacing them breaks other fetch users in
    // the same process (the Conductor SDK's undici transport, for one).
    const s = serve(
      { fetch: app.fetch, port: config.PORT, hostname: config.HOST, overrideGlobalObjects: false },
      () => resolve(s),
    );
  });
  const graphqlWs = attachGraphQLWebSocket(server as Server, graphql, auth);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  return {
    port,
    engine,
    store,
    dagRuns,
    async close() {
      await graphqlWs.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
      await dagRuns?.close();
      await router?.close();
      await engine.close();
      await userCode.close();
      await bus?.close();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    console.error(`baton: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const running = await startServer(config);
  console.log(
    `baton: listening on http://${config.HOST}:${running.port} (event store: ${config.BATON_EVENT_STORE}${
      config.BATON_EVENT_STORE === "file" ? ` in ${config.DATA_DIR}` : ""
    }; bus: ${config.BATON_BUS === "kafka" ? `kafka at ${config.KAFKA_BROKERS?.join(",")}` : "in-process"}; auth: ${config.BATON_AUTH})`,
  );
  if (config.BATON_AUTH === "required" && !running.engine.listApiKeys().some((key) => key.role === "admin" && key.revokedAt === undefined)) {
    console.error("baton: BATON_AUTH=required and no admin key exists: stop the server and run `npm run baton -- keys create --name admin --role admin`");
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`baton: ${signal} received, shutting down`);
    await running.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("src/api/node.ts")) {
  main().catch((error) => {
    // A DATA_DIR in use or a damaged log is an expected refusal, not a crash: its message says everything, a stack trace would bury it.
    if (error instanceof DirectoryInUseError || error instanceof LogDamageError) console.error(`baton: failed to start: ${error.message}`);
    else console.error("baton: failed to start:", error);
    process.exit(1);
  });
}
