/**
 * Cloudflare workerd entry. The engine is created on the first request (timers
 * may not start at global scope there) on the in-memory store: state lives only
 * as long as the isolate. A durable store for the edge is not built yet.
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
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { createEngine } from "../engine/engine.ts";
import { createApp } from "./app.ts";
import { retryingStart } from "./retrying-start.ts";
import { upgradeWebSocket } from "./workerd-websocket.ts";

const app = retryingStart(async () => {
  const evaluators = await loadEvaluators({ quickjsWasm });
  const engine = await createEngine({ store: createMemoryEventStore(), evaluators });
  // graphql-ws on `/graphql` through a Hono helper for workerd's WebSocketPair.
  return createApp({ engine, upgradeWebSocket });
});

export default {
  async fetch(request: Request): Promise<Response> {
    let started: Awaited<ReturnType<typeof app>>;
    try {
      started = await app();
    } catch (error) {
      console.error("Baton failed to start; the next request tries again:", error);
      const message = `Baton failed to start: ${error instanceof Error ? error.message : String(error)}`;
      return Response.json({ status: 503, message, retryable: true }, { status: 503 });
    }
    return started.fetch(request);
  },
};

