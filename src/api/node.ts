/**
 * Node.js composition root: `npm start`. Reads the environment, opens the
 * event store, runs the engine and serves the HTTP app until SIGTERM/SIGINT.
 */
import { loadEvaluators } from "../adapters/evaluators/index.ts";
import { DirectoryInUseError } from "../adapters/eventstore/directory-lock.ts";
import { serve } from "@hono/node-server";
import { lookup } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Server } from "node:http";
import type { EventStore } from "../domain/ports.ts";
import { createFsCheckpointStore } from "../adapters/checkpoints/fs.ts";
import { createEngine, type Engine, type EngineDeps } from "../engine/engine.ts";
import { createApp } from "./app.ts";
import { type Config, loadConfig } from "./config.ts";
import { openBus } from "./open-bus.ts";
import { openRouter } from "./open-router.ts";
import { egressPolicy } from "./egress.ts";
import { memoryBounds } from "./memory-bounds.ts";
import { openStore } from "./open-store.ts";
import { openObjectStores } from "./open-object-store.ts";
import { openDagRuns } from "./open-dag-runs.ts";
import { loadMwaaInvoke } from "./mwaa-client.ts";
import type { DagRuns } from "../engine/dagruns/dag-runs.ts";
import type { LocalDag } from "../adapters/airflow/local.ts";
import { attachGraphQLWebSocket } from "./graphql-ws-node.ts";
import { createGraphQL } from "./graphql/yoga.ts";

/** Read-model checkpoints under DATA_DIR for the durable stores (the memory store starts empty anyway). */
function checkpointsOf(config: Config): Pick<EngineDeps, "checkpoints" | "checkpointEvery"> {
  if (config.BATON_EVENT_STORE === "memory" || config.BATON_CHECKPOINT_EVERY === 0) return {};
  return { checkpoints: createFsCheckpointStore(join(config.DATA_DIR, "checkpoints")), checkpointEvery: config.BATON_CHECKPOINT_EVERY };
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

/** What a caller adds to the configuration: DAGs for the local executor (the seed's services register theirs). */
export interface ServerExtras {
  localDags?: Record<string, LocalDag>;
}

/** Starts Baton with `config`; resolves once it listens. */
export async function startServer(config: Config, extras: ServerExtras = {}): Promise<RunningServer> {
  const store = await openStore(config);
  const logger = {
    info: (message: string, fields?: Record<string, unknown>) => console.log(message, fields ?? ""),
    error: (message: string, fields?: Record<string, unknown>) => console.error(message, fields ?? ""),
  };
  const bus = await openBus(config, logger).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const engine = await createEngine({
    store,
    bus,
    evaluators: await loadEvaluators(),
    sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS,
    logger,
    egress: egressPolicy(config, async (host) => (await lookup(host, { all: true })).map((entry) => entry.address)),
    eventSinks: { conductorSinksWait: config.BATON_EVENT_SINK_WAITS },
    ...memoryBounds(config),
    ...checkpointsOf(config),
  });
  const router = await openRouter(config, engine, store, logger.error);
  // schema.graphql is the source of truth; Node reads it (other runtimes use the generated copy).
  const typeDefs = await readFile(new URL("../../schema.graphql", import.meta.url), "utf8");
  const graphql = createGraphQL({ engine, router, typeDefs, graphiql: process.env.NODE_ENV !== "production" });
  const objectStores = await openObjectStores(config);
  const ingestion = { ...objectStores, rawDataBucket: config.MINIO_RAW_DATA_BUCKET };
  const dagRuns = await openDagRuns(config, {
    engine,
    store,
    objects: objectStores.objects,
    ...(config.AIRFLOW_S3_BUCKET ? { dagObjects: await openObjectStores({ ...config, BATON_OBJECT_STORE: "s3", S3_BUCKET: config.AIRFLOW_S3_BUCKET }).then((s) => s.objects) } : {}),
    ...(config.BATON_AIRFLOW === "mwaa" ? { mwaaInvoke: await loadMwaaInvoke(config.MWAA_REGION) } : {}),
    localDags: extras.localDags,
    logError: logger.error,
  });
  const app = createApp({ engine, router, graphql, ingestion });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    // Keep Node's own Request/Response: replacing them breaks other fetch users in
    // the same process (the Conductor SDK's undici transport, for one).
    const s = serve(
      { fetch: app.fetch, port: config.PORT, hostname: config.HOST, overrideGlobalObjects: false },
      () => resolve(s),
    );
  });
  const graphqlWs = attachGraphQLWebSocket(server as Server, graphql);
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
      await dagRuns?.close();
      await router?.close();
      await engine.close();
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
    }; bus: ${config.BATON_BUS === "kafka" ? `kafka at ${config.KAFKA_BROKERS?.join(",")}` : "in-process"})`,
  );
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
    // A DATA_DIR in use is an expected refusal, not a crash: its message says everything, a stack trace would bury it.
    if (error instanceof DirectoryInUseError) console.error(`baton: failed to start: ${error.message}`);
    else console.error("baton: failed to start:", error);
    process.exit(1);
  });
}
