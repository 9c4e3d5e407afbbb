/**
 * Cloudflare workerd entry. The engine is created on the first request (timers
 * may not start at global scope there, and the bindings arrive with the request).
 *
 * Storage comes from the worker's bindings (wrangler.json, scripts/workerd.ts):
 * `EVENT_LOG`, a Durable Object namespace of the `BatonEventLog` class exported
 * here, holds the event log (src/adapters/eventstore/durable-object-log.ts), so
 * state outlives the isolate; `OBJECTS`, an R2 bucket, is the ingestion
 * service's object store (its name for `r2://` URIs in `OBJECTS_BUCKET_NAME`).
 * Without `EVENT_LOG` the store is in memory and lives as long as the isolate
 * (said in the log); without `OBJECTS` the ingestion routes are not mounted.
 * Each request first picks up events other isolates appended (`refresh`).
 *
 * Timers without requests: after each request the isolate asks the event log
 * object to set its alarm at the next due timer (`arm`); the alarm calls the
 * wake route through `BATON_SELF`, a service binding to this worker, with a
 * secret only the object and the worker know, and the worker runs what is due.
 * Work a request sets off after its answer runs under `ctx.waitUntil`.
 * `/health` names the store, its head and the next wake-up, or why it is down.
 *
 * workerd has no worker threads, so user code runs in-thread (the engine's
 * fallback for `evaluators`): QuickJS's interrupt and the platform's CPU limit
 * stop scripts; a jq filter that never ends cannot be stopped here.
 *
 * workerd may not compile WASM from bytes at run time: QuickJS's WASM is
 * imported as a module (a bundler's `.wasm` rule, `CompiledWasm` in wrangler and
 * miniflare; scripts/build-worker.ts), as jq-wasm's workerd build does for its own.
 * A failed start-up answers 503 and is tried again on the next request.
 */
// @ts-types="./compiled-wasm.d.ts"
import quickjsWasm from "@jitl/quickjs-wasmfile-release-sync/wasm";
import { loadEvaluators } from "../adapters/evaluators/index.ts";
import { type DurableObjectEventStore, type DurableObjectNamespaceLike, openDurableObjectEventStore } from "../adapters/eventstore/durable-object.ts";
import type { EventLogEnv } from "../adapters/eventstore/durable-object-log.ts";
import { WAKE_HEADER, WAKE_PATH } from "../adapters/eventstore/durable-object-protocol.ts";
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { createR2ObjectStore, type R2BucketLike } from "../adapters/storage/r2.ts";
import type { EventStore } from "../domain/ports.ts";
import { createEngine } from "../engine/engine.ts";
import { createApp } from "./app.ts";
import { createHealth } from "./observability/health.ts";
import { createLogger } from "./observability/logger.ts";
import { consoleOutput } from "./observability/runtime-logger.ts";
import { retryingStart } from "./retrying-start.ts";
import { upgradeWebSocket } from "./workerd-websocket.ts";

export { BatonEventLog } from "../adapters/eventstore/durable-object-log.ts";

/** The bindings the worker reads; every one is optional (see the module comment). */
export interface WorkerEnv {
  EVENT_LOG?: DurableObjectNamespaceLike;
  OBJECTS?: R2BucketLike;
  OBJECTS_BUCKET_NAME?: string;
  /** A service binding to this worker: the event log object's alarm calls the wake route through it. */
  BATON_SELF?: EventLogEnv["BATON_SELF"];
}

/** The part of workerd's `ExecutionContext` the entry uses. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

// workerd has no environment at global scope: JSON lines at info, which its log tail shows as they are.
const logger = createLogger({ write: consoleOutput(false).write, level: "info", format: "json" });

/** The bindings of the first request: an isolate belongs to one deployment, so they do not change. */
let bindings: WorkerEnv = {};
let started = false;

/** A wake-up asked for a time already past (its work failed and stays due) is asked again this much later, not at once. */
const REARM_DELAY_MS = 1_000;

const app = retryingStart(async () => {
  const evaluators = await loadEvaluators({ quickjsWasm });
  const health = createHealth();
  let eventLog: DurableObjectEventStore | undefined;
  let store: EventStore;
  if (bindings.EVENT_LOG) {
    eventLog = await openDurableObjectEventStore({ namespace: bindings.EVENT_LOG });
    store = eventLog;
    health.set("store", "up", { detail: storeDetail(await eventLog.refresh(), undefined) });
  } else {
    logger.warn("No EVENT_LOG Durable Object binding: the event store is in memory and lives as long as this isolate");
    store = createMemoryEventStore();
    health.set("store", "up", { detail: "memory (no EVENT_LOG binding): lives as long as this isolate" });
  }
  if (eventLog && !bindings.BATON_SELF) logger.warn("No BATON_SELF service binding: timers and reactors run only while requests arrive");
  const engine = await createEngine({ store, evaluators, logger });
  const ingestion = bindings.OBJECTS ? { objects: createR2ObjectStore({ bucket: bindings.OBJECTS, bucketName: bindings.OBJECTS_BUCKET_NAME ?? "baton-objects" }) } : undefined;
  health.set("bus", "up", { detail: "in-process" });
  health.set("router", "disabled");
  health.set("objectStore", ingestion ? "up" : "disabled", ingestion ? { detail: "R2 (OBJECTS)" } : {});
  health.markStarted();
  // graphql-ws on `/graphql` through a Hono helper for workerd's WebSocketPair.
  const http = createApp({ engine, upgradeWebSocket, logger, health, ...(ingestion ? { ingestion } : {}) });
  const wakeToken = eventLog ? await eventLog.wakeToken() : undefined;
  started = true;
  return { http, engine, eventLog, health, wakeToken, alarm: undefined as number | null | undefined };
});

type Started = Awaited<ReturnType<typeof app>>;

/** What `/health` says of the Durable Object store. */
function storeDetail(head: number, alarm: number | null | undefined): string {
  const wake = alarm ? `, wakes the worker at ${new Date(alarm).toISOString()}` : "";
  return `Durable Object event log (EVENT_LOG "baton"): reachable, head position ${head}${wake}`;
}

/** Picks up other isolates' events; true when the object answered (`/health` says either way). */
async function refresh(worker: Started): Promise<boolean> {
  if (!worker.eventLog) return true;
  try {
    worker.health.set("store", "up", { detail: storeDetail(await worker.eventLog.refresh(), worker.alarm) });
    return true;
  } catch (error) {
    const message = `The event log Durable Object did not answer: ${error instanceof Error ? error.message : String(error)}`;
    logger.error(message);
    worker.health.set("store", "down", { error: message });
    return false;
  }
}

/**
 * Asks the object's alarm to wake the worker when the next timer falls due
 * (WAIT, retry delay, timeout), so it runs without a request. Each isolate asks
 * for its own next time; the object keeps the earliest.
 */
async function armNextWake(worker: Started): Promise<void> {
  if (!worker.eventLog || !bindings.BATON_SELF) return;
  const next = worker.engine.nextWakeAt();
  if (next === undefined) return;
  const now = Date.now();
  const at = next <= now ? now + REARM_DELAY_MS : next;
  // The object rings no later than that already (and has not rung yet): nothing to ask.
  if (worker.alarm && worker.alarm > now && worker.alarm <= at) return;
  try {
    worker.alarm = await worker.eventLog.arm(at);
  } catch (error) {
    logger.error("Could not set the event log's alarm; timers wait for the next request", { error: String(error) });
  }
}

/** The alarm's call: run what is due, wait for what it starts, arm the next wake-up. */
async function wake(worker: Started): Promise<Response> {
  worker.alarm = undefined;
  await worker.engine.runDueWork();
  await armNextWake(worker);
  return new Response(null, { status: 204 });
}

export default {
  async fetch(request: Request, env: WorkerEnv = {}, ctx?: ExecutionContextLike): Promise<Response> {
    let worker: Started;
    try {
      if (!started) bindings = env;
      worker = await app();
    } catch (error) {
      console.error("Baton failed to start; the next request tries again:", error);
      const message = `Baton failed to start: ${error instanceof Error ? error.message : String(error)}`;
      return Response.json({ status: 503, message, retryable: true }, { status: 503 });
    }
    const path = new URL(request.url).pathname;
    const reachable = await refresh(worker);
    // `/health` answers either way (the store down: 503 with the reason); the rest needs the log.
    if (!reachable && !path.startsWith("/health") && path !== "/api/health") {
      return Response.json({ status: 503, message: worker.health.report().components.store?.error, retryable: true }, { status: 503 });
    }
    // The wake route answers only the alarm's call (it carries the object's secret); to anyone else it does not exist.
    if (path === WAKE_PATH && request.method === "POST" && worker.wakeToken !== undefined && request.headers.get(WAKE_HEADER) === worker.wakeToken) {
      return wake(worker);
    }
    const response = await worker.http.fetch(request);
    // Reactions and appends a request started go on after its answer: keep the isolate for them, then arm the alarm.
    const after = worker.engine.settled().then(() => armNextWake(worker));
    if (ctx) ctx.waitUntil(after);
    else void after;
    return response;
  },
};
