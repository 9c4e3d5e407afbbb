/**
 * What the fuzz properties share: one in-process Baton (engine, router, the
 * Hono app with GraphQL) on a memory store and bus, the number of cases each
 * property runs (`FUZZ_RUNS`, small in `npm test`, 100,000 under
 * `npm run fuzz`), and the checks every answer must pass.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createApp } from "../../src/api/app.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createEventRouter } from "../../src/engine/router/event-router.ts";
import { replayWorkflowJson } from "../support/replay.ts";

/** Cases per property: `FUZZ_RUNS` when set, otherwise `fallback` (kept small so `npm test` stays fast). */
export function fuzzRuns(fallback: number): number {
  const raw = process.env.FUZZ_RUNS;
  return raw === undefined ? fallback : Math.max(1, Number(raw));
}

/** A property's test timeout: ten minutes in `npm test`, a day under `npm run fuzz`. */
export const FUZZ_TIMEOUT_MS = process.env.FUZZ_RUNS === undefined ? 600_000 : 24 * 3600_000;

/** fast-check's parameters for a property: a fixed seed unless FUZZ_SEED says otherwise, so CI failures reproduce. */
export function fuzzParameters(fallbackRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED === undefined ? 20261203 : Number(process.env.FUZZ_SEED);
  return { numRuns: fuzzRuns(fallbackRuns), seed, endOnFailure: true };
}

export type FuzzTarget = Awaited<ReturnType<typeof fuzzTarget>>;

export async function fuzzTarget() {
  const store = createMemoryEventStore();
  const unexpected: unknown[] = [];
  /** Messages a subscriber refused as invalid (the router's malformed ones): expected, and counted. */
  const refused: unknown[] = [];
  const bus = createMemoryBus((error) => ((error as { kind?: string }).kind === "validation" ? refused : unexpected).push(error));
  const engine = await createEngine({ store, bus, evaluators: await loadEvaluators(), sweepIntervalMs: 50 });
  const router = await createEventRouter({ engine, bus, store, logError: () => {} });
  const app = createApp({ engine, router, logError: (error) => unexpected.push(error) });
  const request = async (method: string, path: string, body?: string, contentType = "application/json") => {
    const response = await app.request(path, { method, headers: body === undefined ? {} : { "content-type": contentType }, body });
    const text = await response.text();
    return { status: response.status, text, contentType: response.headers.get("content-type") };
  };
  return {
    engine,
    store,
    bus,
    router,
    app,
    unexpected,
    refused,
    request,
    /**
     * Every workflow's live JSON equals the one rebuilt from the stored events
     * alone (read again while reactions still move a workflow on).
     */
    async expectReplayEqual() {
      for (let attempt = 0; ; attempt++) {
        const replayed = await replayWorkflowJson(store);
        const differing: string[] = [];
        for (const [id, json] of replayed) {
          const live = await request("GET", `/api/workflow/${encodeURIComponent(id)}?includeTasks=true`);
          if (live.status !== 200 || JSON.stringify(JSON.parse(live.text)) !== JSON.stringify(json)) differing.push(id);
        }
        if (differing.length === 0) return replayed.size;
        if (attempt === 20) {
          const id = differing[0]!;
          const live = await request("GET", `/api/workflow/${encodeURIComponent(id)}?includeTasks=true`);
          expect(live.status, `GET workflow ${id}`).toBe(200);
          expect(JSON.parse(live.text), `workflow ${id} (and ${differing.length - 1} more) live vs replayed`).toEqual(replayed.get(id));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () => engine.close(),
  };
}

/**
 * Every answer: never a 5xx, always a body a client can read, and a 400 says
 * what was wrong: Conductor's ErrorResponse with a message and, for REST, the
 * fields it refused (`validationErrors[].path`).
 */
export function expectWellFormedAnswer(answer: { status: number; text: string }, what: string, api: "rest" | "graphql" = "rest"): void {
  // 501 is a route Baton declares it does not implement (external payload storage), said in its body.
  const declared = answer.status === 501 && answer.text.includes('"message"');
  expect(declared || answer.status < 500, `${what} -> ${answer.status} ${answer.text.slice(0, 300)}`).toBe(true);
  if (api === "graphql") return expectGraphQLErrorsSayWhy(answer, what);
  if (answer.status !== 400) return;
  let body: { message?: unknown; validationErrors?: { path?: unknown; message?: unknown }[] };
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw new Error(`${what}: a 400 whose body is not JSON: ${answer.text.slice(0, 200)}`);
  }
  expect(typeof body.message === "string" && body.message.length > 0, `${what}: a 400 without a message: ${answer.text.slice(0, 300)}`).toBe(true);
  const fields = body.validationErrors ?? [];
  expect(fields.length > 0 && fields.every((field) => typeof field.path === "string" && field.path.length > 0), `${what}: a 400 naming no field: ${answer.text.slice(0, 300)}`).toBe(true);
}

/** GraphQL answers carry `errors[]`: each must say what was wrong, never yoga's masked "Unexpected error.". */
function expectGraphQLErrorsSayWhy(answer: { status: number; text: string }, what: string): void {
  if (answer.text === "") {
    // An unsupported method or content type (405, 415) says so by its status alone.
    expect([405, 415].includes(answer.status) || answer.status < 400, `${what}: an empty ${answer.status} answer`).toBe(true);
    return;
  }
  let body: { errors?: { message?: unknown }[] };
  try {
    body = JSON.parse(answer.text);
  } catch {
    if (answer.status < 400) return; // GraphiQL's page, or an SSE stream
    throw new Error(`${what}: a ${answer.status} whose body is not JSON: ${answer.text.slice(0, 200)}`);
  }
  for (const error of body.errors ?? []) {
    expect(typeof error.message === "string" && error.message.length > 0 && error.message !== "Unexpected error.", `${what}: ${answer.text.slice(0, 300)}`).toBe(true);
  }
}
