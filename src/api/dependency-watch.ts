/**
 * Node only: the network services Baton depends on (Kafka brokers,
 * EventStoreDB, an S3/MinIO endpoint) as health components. At start-up a
 * service that does not answer is waited for in the background (the server
 * already serves health and metrics), with growing pauses and a log line at
 * the first failure and then at most once a minute; afterwards a light TCP
 * probe keeps its state current, logging only changes.
 */
import { connect } from "node:net";
import type { Logger } from "../engine/engine.ts";
import type { Health } from "./observability/health.ts";

export interface Endpoint {
  host: string;
  port: number;
}

/** A service as health knows it: its component name, what to show, where to probe. */
export interface Dependency {
  component: string;
  detail: string;
  endpoints: Endpoint[];
}

export interface WaitOptions {
  health: Health;
  logger: Pick<Logger, "info" | "error"> & { warn?: Logger["error"] };
  /** Stops waiting (shutdown); the wait then rejects with `StartAbortedError`. */
  isClosing: () => boolean;
  /** First pause between attempts; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Least time between two "still waiting" lines. */
  reportEveryMs?: number;
  probeTimeoutMs?: number;
  clock?: () => number;
}

/** Start-up was stopped while waiting for a service (SIGTERM during the wait). */
export class StartAbortedError extends Error {
  constructor(component: string) {
    super(`start-up stopped while waiting for ${component}`);
    this.name = "StartAbortedError";
  }
}

/** Resolves when a TCP connection to `endpoint` opens within `timeoutMs`. */
export function probeTcp({ host, port }: Endpoint, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once("connect", () => done());
    socket.once("error", (error) => done(error));
  });
}

/** Resolves when any endpoint answers; rejects with the last error when none does. */
export async function probeAny(endpoints: Endpoint[], timeoutMs: number): Promise<void> {
  let last: unknown = new Error("no endpoints to probe");
  for (const endpoint of endpoints) {
    try {
      return await probeTcp(endpoint, timeoutMs);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/** `host:port` entries, as KAFKA_BROKERS has them. */
export function kafkaDependency(brokers: string[]): Dependency {
  return { component: "bus", detail: `kafka at ${brokers.join(",")}`, endpoints: brokers.map((broker) => endpointOf(broker, 9092)) };
}

/** The hosts of an `esdb://` or `esdb+discover://` connection string (credentials are never shown). */
export function esdbDependency(connectionString: string): Dependency {
  const hosts = connectionString.replace(/^esdb(\+discover)?:\/\//, "").replace(/^[^@/]*@/, "").split(/[/?]/)[0] ?? "";
  const endpoints = hosts.split(",").filter((host) => host !== "").map((host) => endpointOf(host, 2113));
  return { component: "store", detail: `eventstoredb at ${endpoints.map((e) => `${e.host}:${e.port}`).join(",")}`, endpoints };
}

/** An S3-compatible endpoint URL (`http(s)://host[:port]`). */
export function objectStoreDependency(url: string): Dependency {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
  return { component: "objectStore", detail: `s3 at ${parsed.host}`, endpoints: [{ host: parsed.hostname, port }] };
}

/**
 * The Airflow the DAG-run bridge talks to: the API at `AIRFLOW_URL` (Airflow 2 or 3),
 * or MWAA's regional API endpoint. Undefined for the in-process local executor.
 */
export function airflowDependency(config: { BATON_AIRFLOW: string; AIRFLOW_URL?: string; MWAA_ENVIRONMENT?: string; MWAA_REGION?: string }): Dependency | undefined {
  if (config.BATON_AIRFLOW === "mwaa") {
    const host = `airflow.${config.MWAA_REGION ?? "us-east-1"}.amazonaws.com`;
    return { component: "airflow", detail: `mwaa ${config.MWAA_ENVIRONMENT ?? ""} at ${host}`.replace("  ", " "), endpoints: [{ host, port: 443 }] };
  }
  if (config.BATON_AIRFLOW === "local" || !config.AIRFLOW_URL) return undefined;
  const parsed = new URL(config.AIRFLOW_URL);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
  return { component: "airflow", detail: `${config.BATON_AIRFLOW} at ${parsed.host}`, endpoints: [{ host: parsed.hostname, port }] };
}

/** Probes `dependency` once and records the answer in health (a component only watched, never waited for at start). */
export async function probeIntoHealth(dependency: Dependency, health: Health, probeTimeoutMs = 2_000): Promise<void> {
  try {
    await probeAny(dependency.endpoints, probeTimeoutMs);
    health.set(dependency.component, "up", { detail: dependency.detail });
  } catch (error) {
    health.set(dependency.component, "down", { detail: dependency.detail, error: message(error) });
  }
}

function endpointOf(text: string, defaultPort: number): Endpoint {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(text.trim());
  return { host: match?.[1] ?? text, port: match?.[2] ? Number(match[2]) : defaultPort };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Waits until `dependency` answers, then runs `open`; a failure of either is
 * recorded in health and retried after a growing pause. Resolves with what
 * `open` returned.
 */
export async function openWhenReachable<T>(dependency: Dependency, open: () => Promise<T>, options: WaitOptions): Promise<T> {
  const { health, logger } = options;
  const clock = options.clock ?? Date.now;
  const maxDelay = options.maxDelayMs ?? 15_000;
  const reportEvery = options.reportEveryMs ?? 60_000;
  const started = clock();
  let delay = options.initialDelayMs ?? 500;
  let attempts = 0;
  let lastReport: number | undefined;
  health.set(dependency.component, "starting", { detail: dependency.detail });
  for (;;) {
    if (options.isClosing()) throw new StartAbortedError(dependency.component);
    attempts += 1;
    try {
      await probeAny(dependency.endpoints, options.probeTimeoutMs ?? 2_000);
      const value = await open();
      health.set(dependency.component, "up", { detail: dependency.detail });
      if (attempts > 1) logger.info(`baton: ${dependency.detail} is reachable, after ${attempts} attempts in ${Math.round((clock() - started) / 1000)} s`, { component: dependency.component });
      return value;
    } catch (error) {
      health.set(dependency.component, "down", { detail: dependency.detail, error: message(error) });
      const now = clock();
      if (lastReport === undefined || now - lastReport >= reportEvery) {
        lastReport = now;
        (logger.warn ?? logger.error)(
          attempts === 1
            ? `baton: ${dependency.detail} is not reachable; serving health and metrics and retrying in the background`
            : `baton: still waiting for ${dependency.detail} (${attempts} attempts)`,
          { component: dependency.component, attempts, error: message(error) },
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(maxDelay, delay * 2);
  }
}

/**
 * Probes each dependency every `everyMs` and keeps its health current,
 * logging only when one is lost or comes back. Returns the stop function.
 */
export function watchDependencies(dependencies: Dependency[], options: Pick<WaitOptions, "health" | "logger" | "probeTimeoutMs"> & { everyMs?: number }): () => void {
  const { health, logger } = options;
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    for (const dependency of dependencies) {
      const before = health.stateOf(dependency.component);
      try {
        await probeAny(dependency.endpoints, options.probeTimeoutMs ?? 2_000);
        health.set(dependency.component, "up", { detail: dependency.detail });
        if (before === "down") logger.info(`baton: ${dependency.detail} is reachable again`, { component: dependency.component });
      } catch (error) {
        health.set(dependency.component, "down", { detail: dependency.detail, error: message(error) });
        if (before !== "down") logger.error(`baton: lost ${dependency.detail}; not ready until it answers`, { component: dependency.component, error: message(error) });
      }
    }
    running = false;
  }, options.everyMs ?? 10_000);
  // A watch never keeps the process alive on its own.
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
