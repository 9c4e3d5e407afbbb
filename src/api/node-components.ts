/**
 * The components a Node server opens behind its listening socket, in order:
 * the event store, the bus, the user-code pool, the engine, the router, the
 * object stores, the Airflow bridge, the seed's data services, and the HTTP app
 * with GraphQL over WebSocket. `listenAndStart` (node.ts) owns the socket, the
 * start hold and the stop; this module owns what is opened and in which order.
 * Each opened component is put first on `opened`, so a stop closes them last
 * first; each step's time is reported through `stepDone`.
 */
import { lookup } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import type { Server } from "node:http";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createFsCheckpointStore } from "../adapters/checkpoints/fs.ts";
import { nodeWorkerSpawner } from "../adapters/evaluators/node-workers.ts";
import { seedDags } from "../adapters/airflow/seed-dags/index.ts";
import type { LocalDag } from "../adapters/airflow/local.ts";
import type { EventStore } from "../domain/ports.ts";
import type { DagRuns } from "../engine/dagruns/dag-runs.ts";
import { createEngine, type Engine, type EngineDeps } from "../engine/engine.ts";
import type { EventRouter } from "../engine/router/event-router.ts";
import { inProcessServices, startServices } from "../services/start-services.ts";
import type { ServiceAdapters } from "../services/service.ts";
import { createApp } from "./app.ts";
import { authPortOf, createAuth } from "./auth/auth.ts";
import type { Config } from "./config.ts";
import { CONSOLE_BUILD_DIR, fsConsoleAssets } from "./console/fs-assets.ts";
import { type Dependency, openWhenReachable, type WaitOptions } from "./dependency-watch.ts";
import { egressPolicy } from "./egress.ts";
import { exampleRoutesOf } from "./example-routes.ts";
import { attachGraphQLWebSocket } from "./graphql-ws-node.ts";
import { createGraphQL } from "./graphql/yoga.ts";
import { inputLimitsOf } from "./input-limits.ts";
import { memoryBounds } from "./memory-bounds.ts";
import { loadMwaaCalls } from "./mwaa-client.ts";
import type { BatonMetrics } from "./observability/baton-metrics.ts";
import type { Health } from "./observability/health.ts";
import type { BatonLogger } from "./observability/logger.ts";
import { quietLogger } from "./observability/quiet-logger.ts";
import { openAuthSettings } from "./open-auth.ts";
import { openBus } from "./open-bus.ts";
import { openDagRuns } from "./open-dag-runs.ts";
import { openObjectStores } from "./open-object-store.ts";
import { openRouter } from "./open-router.ts";
import { openStore } from "./open-store.ts";
import { openUserCodePool, userCodeLimits } from "./open-user-code.ts";
import { workflowLimits } from "./workflow-limits.ts";

/** What tests put in place of the data services' defaults: adapters (no DNS) and the fault-rate generator. */
export interface ServiceOverrides {
  adapters?: ServiceAdapters;
  random?: () => number;
}

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

export interface ComponentContext {
  logger: BatonLogger;
  health: Health;
  metrics: BatonMetrics;
  /** The network dependencies waited for before they are opened (store and bus). */
  dependencies: { store?: Dependency; bus?: Dependency };
  /** How those waits pause, report and give up (a stop ends them). */
  wait: WaitOptions;
  /** The listening server, for GraphQL over WebSocket. */
  server: Server;
  /** What has been opened, last first, with the name its closing time is reported under. */
  opened: [string, () => Promise<unknown>][];
  /** Marks the end of a start-up step (its time goes on the "ready" line). */
  stepDone(name: string): void;
  extras: { services?: ServiceOverrides; localDags?: Record<string, LocalDag> };
}

export interface Components {
  store: EventStore;
  engine: Engine;
  router?: EventRouter;
  dagRuns?: DagRuns;
  /** The HTTP app that serves every route once the components run. */
  app: { fetch: (request: Request, env: unknown) => Response | Promise<Response> };
}

/** Opens every component in order (see the module comment); a failure leaves what was opened on `opened` for the stop. */
export async function openComponents(config: Config, context: ComponentContext): Promise<Components> {
  const { logger, health, metrics, dependencies, wait, server, opened, stepDone, extras } = context;
  // Client chatter during an outage, a line a minute: kafkajs' own entries (they carry its level label) and ESDB resubscriptions.
  const kafkaLogger = quietLogger(logger, { applies: (_, fields) => fields?.level !== undefined });
  const esdbLogger = quietLogger(logger, { applies: (message) => message.includes("resubscribing") });
  const rawStore = config.BATON_EVENT_STORE === "esdb"
    ? await openWhenReachable(dependencies.store!, () => openStore(config, { logger: esdbLogger }), wait)
    : await openStore(config, { logger });
  const store = metrics.instrumentStore(rawStore);
  opened.unshift(["store", () => store.close()]);
  health.set("store", "up");
  stepDone("store");
  const bus = dependencies.bus ? await openWhenReachable(dependencies.bus, () => openBus(config, kafkaLogger), wait) : undefined;
  if (bus) opened.unshift(["bus", () => bus.close()]);
  stepDone("bus");
  // User code runs on worker threads, never on this event loop.
  const userCode = await openUserCodePool(config, nodeWorkerSpawner({ heapMb: config.BATON_USER_CODE_HEAP_MB }), (message) => logger.error(message));
  opened.unshift(["userCode", () => userCode.close()]);
  const engine = await createEngine({
    store,
    bus,
    userCode,
    sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS,
    logger: metrics.countingLogger(logger),
    egress: egressPolicy(config, async (host) => (await lookup(host, { all: true })).map((entry) => entry.address)),
    eventSinks: { conductorSinksWait: config.BATON_EVENT_SINK_WAITS },
    ...memoryBounds(config),
    ...workflowLimits(config),
    ...userCodeLimits(config),
    eventHandlers: { maxJsonDepth: config.BATON_MAX_JSON_DEPTH },
    ...checkpointsOf(config),
    ...clusterOf(config),
  });
  opened.unshift(["engine", () => engine.close()]);
  stepDone("engine");
  const router = await openRouter(config, engine, store, (message, fields) => logger.error(message, fields));
  if (router) opened.unshift(["router", () => router.close()]);
  if (router) health.set("router", "up");
  stepDone("router");
  metrics.observeEngine(engine);
  metrics.observeRouter(router);
  // schema.graphql is the source of truth; Node reads it (other runtimes use the generated copy).
  const typeDefs = await readFile(new URL("../../schema.graphql", import.meta.url), "utf8");
  const auth = createAuth(await openAuthSettings(config, (c) => getConnInfo(c).remote.address ?? "unknown"), authPortOf(engine));
  const limits = inputLimitsOf(config);
  const graphql = createGraphQL({ engine, router, logError: (error) => logger.error("unexpected GraphQL error", { error }), typeDefs, graphiql: config.BATON_GRAPHIQL, plugins: [auth.graphqlPlugin], limits });
  const objectStores = await openObjectStores(config);
  health.set("objectStore", "up");
  const ingestion = { ...objectStores, rawDataBucket: config.MINIO_RAW_DATA_BUCKET };
  const dagObjects = config.AIRFLOW_S3_BUCKET ? await openObjectStores({ ...config, BATON_OBJECT_STORE: "s3", S3_BUCKET: config.AIRFLOW_S3_BUCKET }).then((s) => s.objects) : undefined;
  const serviceNames = inProcessServices(config);
  // The bridge's monitor listens on dag-monitor-queue before the services that hand runs to it start.
  const dagRuns = await openDagRuns(config, {
    engine,
    store,
    objects: objectStores.objects,
    ...(dagObjects ? { dagObjects } : {}),
    ...(config.BATON_AIRFLOW === "mwaa" ? await loadMwaaCalls(config.MWAA_REGION, config.BATON_MWAA_ROUTE) : {}),
    // The seed's name-parse and email-hygiene DAGs, so its workflows run on the local executor; a test's own DAGs win.
    localDags: { ...seedDags({ output: dagObjects ?? objectStores.objects, inputs: [objectStores.objects, ...(dagObjects ? [dagObjects] : [])] }), ...extras.localDags },
    logError: (message, fields) => logger.error(message, fields),
    triggerRequests: !serviceNames.includes("airflow-adapter"),
  });
  if (dagRuns) opened.unshift(["dagRuns", () => dagRuns.close()]);
  // The seed's data services, on the engine's bus, so its workflows complete in this process alone.
  const services = await startServices(serviceNames, {
    bus: engine.bus,
    completionTopic: config.BATON_ROUTER_TOPIC,
    settings: config,
    logger,
    store,
    clock: Date.now,
    random: extras.services?.random ?? Math.random,
    ...(extras.services?.adapters ? { adapters: extras.services.adapters } : {}),
  });
  opened.unshift(["services", () => services.close()]);
  const consoleAssets = config.BATON_CONSOLE ? fsConsoleAssets(fileURLToPath(CONSOLE_BUILD_DIR)) : undefined;
  const app = createApp({ engine, router, graphql, ingestion, auth, limits, logger, metrics, health, consoleAssets, ...exampleRoutesOf(config) });
  const graphqlWs = attachGraphQLWebSocket(server, graphql, auth);
  opened.unshift(["graphqlWs", () => graphqlWs.close()]);
  return { store, engine, ...(router ? { router } : {}), ...(dagRuns ? { dagRuns } : {}), app };
}
