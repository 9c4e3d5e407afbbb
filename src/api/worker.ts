/**
 * Cloudflare workerd entry. The engine is created on the first request (timers
 * may not start at global scope there) on the in-memory store: state lives only
 * as long as the isolate. A durable store for the edge is not built yet.
 * workerd has no worker threads, so user code runs in-thread (the engine's
 * fallback for `evaluators`): QuickJS's interrupt and the platform's CPU limit
 * stop scripts; a jq filter that never ends cannot be stopped here.
 */
import { loadEvaluators } from "../adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { createEngine } from "../engine/engine.ts";
import { createApp } from "./app.ts";
import { createLogger } from "./observability/logger.ts";
import { consoleOutput } from "./observability/runtime-logger.ts";

// workerd has no environment at global scope: JSON lines at info, which its log tail shows as they are.
const logger = createLogger({ write: consoleOutput(false).write, level: "info", format: "json" });

let app: Promise<{ fetch: (request: Request) => Response | Promise<Response> }> | undefined;

function appOnce() {
  app ??= loadEvaluators()
    .then((evaluators) => createEngine({ store: createMemoryEventStore(), evaluators, logger }))
    .then((engine) => createApp({ engine, logger }));
  return app;
}

export default {
  async fetch(request: Request): Promise<Response> {
    return (await appOnce()).fetch(request);
  },
};
