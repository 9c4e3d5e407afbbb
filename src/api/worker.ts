/**
 * Cloudflare workerd entry. The engine is created on the first request (timers
 * may not start at global scope there, and the bindings arrive with the request).
 *
 * Storage comes from the worker's bindings (wrangler.toml, scripts/workerd.ts):
 * `EVENT_LOG`, a Durable Object namespace of the `BatonEventLog` class exported
 * here, holds the event log (src/adapters/eventstore/durable-object-log.ts), so
 * state outlives the isolate; `OBJECTS`, an R2 bucket, is the ingestion
 * service's object store (its name for `r2://` URIs in `OBJECTS_BUCKET_NAME`).
 * Without `EVENT_LOG` the store is in memory and lives as long as the isolate
 * (said in the log); without `OBJECTS` the ingestion routes are not mounted.
 * Each request first picks up events other isolates appended (`refresh`).
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
import { type DurableObjectNamespaceLike, openDurableObjectEventStore } from "../adapters/eventstore/durable-object.ts";
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { createR2ObjectStore, type R2BucketLike } from "../adapters/storage/r2.ts";
import type { EventStore } from "../domain/ports.ts";
import { createEngine } from "../engine/engine.ts";
import { createApp } from "./app.ts";
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
}

// workerd has no environment at global scope: JSON lines at info, which its log tail shows as they are.
const logger = createLogger({ write: consoleOutput(false).write, level: "info", format: "json" });

/** The bindings of the first request: an isolate belongs to one deployment, so they do not change. */
let bindings: WorkerEnv = {};
let refresh: (() => Promise<void>) | undefined;

const app = retryingStart(async () => {
  const evaluators = await loadEvaluators({ quickjsWasm });
  let store: EventStore;
  if (bindings.EVENT_LOG) {
    const durable = await openDurableObjectEventStore({ namespace: bindings.EVENT_LOG });
    refresh = () => durable.refresh();
    store = durable;
  } else {
    logger.warn("No EVENT_LOG Durable Object binding: the event store is in memory and lives as long as this isolate");
    store = createMemoryEventStore();
  }
  const engine = await createEngine({ store, evaluators, logger });
  const ingestion = bindings.OBJECTS ? { objects: createR2ObjectStore({ bucket: bindings.OBJECTS, bucketName: bindings.OBJECTS_BUCKET_NAME ?? "baton-objects" }) } : undefined;
  // graphql-ws on `/graphql` through a Hono helper for workerd's WebSocketPair.
  return createApp({ engine, upgradeWebSocket, logger, ...(ingestion ? { ingestion } : {}) });
});

export default {
  async fetch(request: Request, env: WorkerEnv = {}): Promise<Response> {
    let started: Awaited<ReturnType<typeof app>>;
    try {
      if (!refresh) bindings = env;
      started = await app();
    } catch (error) {
      console.error("Baton failed to start; the next request tries again:", error);
      const message = `Baton failed to start: ${error instanceof Error ? error.message : String(error)}`;
      return Response.json({ status: 503, message, retryable: true }, { status: 503 });
    }
    try {
      await refresh?.();
    } catch (error) {
      const message = `The event log Durable Object did not answer: ${error instanceof Error ? error.message : String(error)}`;
      logger.error(message);
      return Response.json({ status: 503, message, retryable: true }, { status: 503 });
    }
    return started.fetch(request);
  },
};
