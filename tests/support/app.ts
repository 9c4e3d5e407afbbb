import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createApp } from "../../src/api/app.ts";
import { createEngine, type EngineDeps } from "../../src/engine/engine.ts";

/** The Hono app on a fresh in-memory engine, driven with `app.request()`; `options` override the engine's deps. */
export async function inProcessApp(options: Partial<EngineDeps> = {}) {
  const engine = await createEngine({
    store: createMemoryEventStore(),
    evaluators: await loadEvaluators(),
    sweepIntervalMs: 50,
    ...options,
  });
  const errors: unknown[] = [];
  const app = createApp({ engine, logError: (error) => errors.push(error) });
  const call = async (method: string, path: string, body?: unknown, raw?: string) => {
    const response = await app.request(path, {
      method,
      headers: body !== undefined || raw !== undefined ? { "content-type": "application/json" } : {},
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    return {
      status: response.status,
      text,
      contentType: response.headers.get("content-type"),
      json: () => JSON.parse(text) as any,
    };
  };
  return { app, engine, call, errors, close: () => engine.close() };
}
