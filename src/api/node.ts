/**
 * Node.js composition root: `npm start`. Reads the environment, opens the
 * event store, runs the engine and serves the HTTP app until SIGTERM/SIGINT.
 */
import { DirectoryInUseError } from "../adapters/eventstore/directory-lock.ts";
import { LogDamageError } from "../adapters/eventstore/file-damage.ts";
import { serve } from "@hono/node-server";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { EventStore } from "../domain/ports.ts";
import type { Engine } from "../engine/engine.ts";
import { type Config, loadConfig } from "./config.ts";
import type { DagRuns } from "../engine/dagruns/dag-runs.ts";
import type { LocalDag } from "../adapters/airflow/local.ts";
import type { BatonLogger } from "./observability/logger.ts";
import { createBatonMetrics } from "./observability/baton-metrics.ts";
import { observeProcessMemory } from "./observability/process-metrics.ts";
import { createHealth, type Health } from "./observability/health.ts";
import { startingApp } from "./starting-app.ts";
import { startingHold } from "./starting-hold.ts";
import { openComponents, type ServiceOverrides } from "./node-components.ts";
import {
  type Dependency,
  esdbDependency,
  kafkaDependency,
  objectStoreDependency,
  airflowDependency,
  probeIntoHealth,
  StartAbortedError,
  type WaitOptions,
  watchDependencies,
} from "./dependency-watch.ts";
import { type LogOutput, loggerFromConfig } from "./observability/runtime-logger.ts";

export type { ServiceOverrides };

/** Node's output: JSON lines (or pretty ones on a terminal), warnings and errors to stderr. */
const nodeOutput: LogOutput = {
  terminal: process.stdout.isTTY === true,
  write: (line, level) => void (level === "warn" || level === "error" ? process.stderr : process.stdout).write(`${line}\n`),
};

/** How a caller may start the server: its logger, the data services' overrides, DAGs for the local executor (BATON_AIRFLOW=local), the dependency waits. */
export interface StartOptions {
  logger?: BatonLogger;
  services?: ServiceOverrides;
  localDags?: Record<string, LocalDag>;
  timing?: DependencyTiming;
}

export interface RunningServer {
  port: number;
  /** The running engine and its store, for in-process tools and tests. */
  engine: Engine;
  store: EventStore;
  logger: BatonLogger;
  /** The Airflow bridge (its Airflow adapter and monitor), unless BATON_DAG_RUNS is false. */
  dagRuns?: DagRuns;
  /** Milliseconds each start-up step took (store, bus, engine with its read models, router, rest). */
  startSteps: Record<string, number>;
  close(): Promise<void>;
}

/** A server that listens and answers health and metrics while it starts. */
export interface StartingServer {
  port: number;
  health: Health;
  /** Resolves once the engine runs and every route answers; rejects on a failure retrying cannot fix (a damaged log, a DATA_DIR in use). */
  ready: Promise<RunningServer>;
  close(): Promise<void>;
  /** Filled by `close()`: milliseconds each step of the stop took. */
  stopSteps: Record<string, number>;
}

/** Starts Baton with `config`; resolves once it listens and every route answers. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const starting = await listenAndStart(config, options.logger ?? loggerFromConfig(config, nodeOutput), options.timing, options);
  try {
    return await starting.ready;
  } catch (error) {
    await starting.close();
    throw error;
  }
}

/**
 * Listens at once, then opens the store, bus and engine behind it. Until they
 * run, `/health*` and `/metrics` answer and every other route 503. Kafka and
 * EventStoreDB that do not answer are waited for in the background
 * (dependency-watch.ts) and watched afterwards, so readiness follows them.
 */
export async function listenAndStart(
  config: Config,
  logger: BatonLogger = loggerFromConfig(config, nodeOutput),
  options: DependencyTiming = {},
  extras: Pick<StartOptions, "services" | "localDags"> = {},
): Promise<StartingServer> {
  const metrics = createBatonMetrics();
  observeProcessMemory(metrics.registry, () => process.memoryUsage());
  const health = createHealth();
  const dependencies = networkDependencies(config);
  health.set("store", "starting", { detail: storeDetail(config) });
  health.set("bus", config.BATON_BUS === "kafka" ? "starting" : "disabled", { detail: config.BATON_BUS === "kafka" ? kafkaDependency(config.KAFKA_BROKERS ?? []).detail : "in-process" });
  health.set("router", config.BATON_ROUTER_ENABLED ? "starting" : "disabled", { detail: `topic ${config.BATON_ROUTER_TOPIC}` });
  health.set("objectStore", "starting", { detail: config.BATON_OBJECT_STORE });
  // Airflow (BATON_AIRFLOW other than local) is probed, not waited for, and not required for readiness:
  // Baton serves without it; only DAG runs wait for it.
  if (dependencies.airflow) health.set("airflow", "starting", { detail: dependencies.airflow.detail, required: false });
  const airflowProbed = dependencies.airflow ? probeIntoHealth(dependencies.airflow, health, options.probeTimeoutMs) : Promise.resolve();
  let fetch: (request: Request, env: unknown) => Response | Promise<Response> = startingApp(health, metrics).fetch;
  const hold = startingHold(config.BATON_START_HOLD_MS);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    // Keep Node's own Request/Response: replacing them breaks other fetch users in
    // the same process (the Conductor SDK's undici transport, for one).
    const s = serve(
      { fetch: (request, env) => (hold.over ? fetch(request, env) : hold.wait(request).then(() => fetch(request, env))), port: config.PORT, hostname: config.HOST, overrideGlobalObjects: false },
      () => {
        s.off("error", failed);
        resolve(s);
      },
    );
    // Before it listens, a server's error (a port in use, an address not on this host)
    // is a start-up failure with a message naming the setting, not an uncaught crash.
    function failed(error: NodeJS.ErrnoException) {
      const where = `${config.HOST}:${config.PORT}`;
      const why =
        error.code === "EADDRINUSE" ? `${where} is already in use by another process: set PORT to a free port (or 0 for any)`
        : error.code === "EADDRNOTAVAIL" ? `HOST ${config.HOST} is not an address of this machine`
        : error.code === "EACCES" ? `${where} needs privileges this process lacks: set PORT above 1023`
        : `cannot listen on ${where}: ${error.message}`;
      reject(new Error(why));
    }
    s.once("error", failed);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  let closing = false;
  /** What was opened, last first, with the name its closing time is reported under. */
  const opened: [string, () => Promise<unknown>][] = [];
  /** Milliseconds each start-up step took, in order (the "ready" log line carries them). */
  const startSteps: Record<string, number> = {};
  let stepStart = Date.now();
  const stepDone = (name: string) => {
    const now = Date.now();
    startSteps[name] = now - stepStart;
    stepStart = now;
  };
  const wait = { health, logger, isClosing: () => closing, ...options };
  let stopWatching = () => {};
  const ready = (async (): Promise<RunningServer> => {
    const { store, engine, dagRuns, app } = await openComponents(config, {
      logger, health, metrics, dependencies, wait, server: server as Server, opened, stepDone, extras,
    });
    fetch = app.fetch;
    hold.release();
    stepDone("rest");
    await airflowProbed;
    health.markStarted();
    const watched = [dependencies.store, dependencies.bus, dependencies.objectStore, dependencies.airflow].filter((d): d is Dependency => d !== undefined);
    if (watched.length > 0) stopWatching = watchDependencies(watched, { health, logger, everyMs: options.watchEveryMs, probeTimeoutMs: options.probeTimeoutMs });
    return { port, engine, store, logger, dagRuns, startSteps, close };
  })();
  ready.catch(() => {}); // the caller awaits it; nothing is left unhandled meanwhile
  // A start that failed or was stopped answers the requests it held (503) at once.
  ready.catch(() => hold.release());
  let closed: Promise<void> | undefined;
  /** Milliseconds each step of the stop took: the HTTP server (requests in hand), then what was opened, last first. */
  const stopSteps: Record<string, number> = {};
  function close(): Promise<void> {
    closed ??= (async () => {
      closing = true;
      hold.release();
      stopWatching();
      await ready.catch(() => {});
      let mark = Date.now();
      await closeServer(server as Server);
      stopSteps.http = Date.now() - mark;
      for (const [name, step] of opened) {
        mark = Date.now();
        await step();
        stopSteps[name] = Date.now() - mark;
      }
    })();
    return closed;
  }
  return { port, health, ready, close, stopSteps };
}

/**
 * Stops listening and waits for the requests in flight. `server.close()` alone
 * ends only connections idle at that moment: clients that keep sending on their
 * kept-alive connections (SDK workers long-polling) would keep it open for ever.
 * So every response from now on closes its connection, and connections that
 * fall idle are closed as they do.
 */
async function closeServer(server: Server): Promise<void> {
  const closeAfterResponse = (_: IncomingMessage, response: ServerResponse) => (response.shouldKeepAlive = false);
  server.prependListener("request", closeAfterResponse);
  const sweeping = setInterval(() => server.closeIdleConnections(), 50);
  try {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  } finally {
    clearInterval(sweeping);
    server.off("request", closeAfterResponse);
  }
}

/** The waits' pauses and probe timeouts (tests shorten them). */
export type DependencyTiming = Partial<Pick<WaitOptions, "initialDelayMs" | "maxDelayMs" | "reportEveryMs" | "probeTimeoutMs">> & { watchEveryMs?: number };

function networkDependencies(config: Config): { store?: Dependency; bus?: Dependency; objectStore?: Dependency; airflow?: Dependency } {
  const airflow = config.BATON_DAG_RUNS ? airflowDependency(config) : undefined;
  return {
    ...(airflow ? { airflow } : {}),
    ...(config.BATON_EVENT_STORE === "esdb" && config.ESDB_URL ? { store: esdbDependency(config.ESDB_URL) } : {}),
    ...(config.BATON_BUS === "kafka" ? { bus: kafkaDependency(config.KAFKA_BROKERS ?? []) } : {}),
    ...(config.BATON_OBJECT_STORE !== "fs" && config.S3_ENDPOINT ? { objectStore: objectStoreDependency(config.S3_ENDPOINT) } : {}),
  };
}

function storeDetail(config: Config): string {
  if (config.BATON_EVENT_STORE === "esdb") return esdbDependency(config.ESDB_URL ?? "").detail;
  return config.BATON_EVENT_STORE === "file" ? `file in ${config.DATA_DIR}` : "memory";
}

/** Runs the server from the environment until SIGTERM/SIGINT: `node dist/api/node.js`, or scripts/start.mjs (`npm start`). */
export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    console.error(`baton: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const logger = loggerFromConfig(config, nodeOutput);
  const starting = await listenAndStart(config, logger).catch((error: unknown) => {
    logger.error(`baton: failed to start: ${error instanceof Error ? error.message : String(error)}`, { error });
    process.exit(1);
  });
  logger.info(`baton: listening on http://${config.HOST}:${starting.port}; starting`, { port: starting.port });
  let running: RunningServer;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal: the operator does not want to wait for the orderly stop.
      logger.warn(`baton: ${signal} received again, exiting now`, { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info(`baton: ${signal} received, shutting down`, { signal });
    // An orderly stop waits for in-flight work and the store; with the store gone it could
    // wait forever, so it gets a deadline and the process exits regardless.
    const deadline = setTimeout(() => {
      logger.error(`baton: shutdown did not finish within BATON_SHUTDOWN_TIMEOUT_MS (${config.BATON_SHUTDOWN_TIMEOUT_MS} ms); exiting`, {});
      process.exit(1);
    }, config.BATON_SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    const began = Date.now();
    await starting.close();
    logger.info(`baton: stopped in ${Date.now() - began} ms`, { steps: starting.stopSteps });
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  try {
    running = await starting.ready;
  } catch (error) {
    if (error instanceof StartAbortedError) return;
    // A DATA_DIR in use or a damaged log is an expected refusal, not a crash: its message says everything, a stack trace would bury it.
    const expected = error instanceof DirectoryInUseError || error instanceof LogDamageError;
    logger.error(`baton: failed to start: ${error instanceof Error ? error.message : String(error)}`, expected ? {} : { error });
    await starting.close().catch(() => {});
    process.exit(1);
  }
  logger.info(`baton: ready on http://${config.HOST}:${running.port}`, {
    port: running.port,
    eventStore: config.BATON_EVENT_STORE,
    ...(config.BATON_EVENT_STORE === "file" ? { dataDir: config.DATA_DIR } : {}),
    bus: config.BATON_BUS === "kafka" ? `kafka at ${config.KAFKA_BROKERS?.join(",")}` : "in-process",
    auth: config.BATON_AUTH,
    startSteps: running.startSteps,
  });
  if (config.BATON_AUTH === "required" && !running.engine.listApiKeys().some((key) => key.role === "admin" && key.revokedAt === undefined)) {
    logger.warn("baton: BATON_AUTH=required and no admin key exists: stop the server and run `npm run baton -- keys create --name admin --role admin`");
  }
}

// Run directly (`tsx src/api/node.ts`, `node dist/api/node.js`); scripts/start.mjs imports and calls main() itself.
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("src/api/node.ts")) {
  main().catch((error) => {
    console.error("baton: failed to start:", error);
    process.exit(1);
  });
}
