/**
 * Property-based fuzzing of the REST API (fast-check): every route of the
 * Hono app, its path parameters, query parameters and body drawn at random,
 * deep and malformed JSON included. No answer is a 5xx, every 400 names the
 * field, the process keeps serving, and afterwards the stored log replays
 * equal to the live state. `npm run fuzz` runs 100,000 cases per property.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectWellFormedAnswer, FUZZ_TIMEOUT_MS, fuzzParameters, fuzzTarget, type FuzzTarget } from "./fuzz-harness.ts";

/** Query parameters that make a call wait (long polls, synchronous execution) are pinned to 0 so a case stays short. */
const WAITING_PARAMS = new Set(["timeout", "waitForSeconds"]);

/** A JSON text nested `depth` deep, as an attacker would send it. */
const deepJson = fc.tuple(fc.integer({ min: 1, max: 6_000 }), fc.constantFrom("[", '{"a":')).map(([depth, open]) =>
  open === "[" ? "[".repeat(depth) + "]".repeat(depth) : open.repeat(depth) + "1" + "}".repeat(depth),
);

const scalar = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double());

/** Bodies: JSON values of any shape, definition-like objects, deep nesting, and text that is not JSON at all. */
const body = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          name: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("fz_flow", "fz_task")),
          version: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.string({ maxLength: 3 })),
          tasks: fc.array(fc.dictionary(fc.constantFrom("name", "taskReferenceName", "type", "inputParameters", "loopCondition", "expression"), scalar), { maxLength: 3 }),
          input: fc.jsonValue({ maxDepth: 3 }),
          status: fc.constantFrom("COMPLETED", "FAILED", "IN_PROGRESS", "bogus"),
          taskId: fc.string({ maxLength: 8 }),
          workflowInstanceId: fc.string({ maxLength: 8 }),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
  },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const segment = fc.oneof(fc.constantFrom("fz_flow", "fz_task", "1", "0", "-1", "true", "COMPLETED"), fc.string({ minLength: 1, maxLength: 12 }));

describe("REST fuzzing", () => {
  let target: FuzzTarget;
  let routes: { method: string; path: string }[];
  beforeAll(async () => {
    target = await fuzzTarget();
    await target.request("POST", "/api/metadata/taskdefs", JSON.stringify([{ name: "fz_task", retryCount: 0 }]));
    await target.request("POST", "/api/metadata/workflow", JSON.stringify({ name: "fz_flow", tasks: [{ name: "fz_task", taskReferenceName: "t" }] }));
    const seen = new Set<string>();
    routes = target.app.routes
      .filter((route) => route.method !== "ALL")
      .filter((route) => !seen.has(`${route.method} ${route.path}`) && seen.add(`${route.method} ${route.path}`));
    expect(routes.length).toBeGreaterThan(40);
  });
  afterAll(() => target.close());

  it("answers every route without a 5xx, with a 400 that names the field, and replays equal afterwards", async () => {
    const cases = fc.record({
      route: fc.nat(),
      params: fc.array(segment, { minLength: 8, maxLength: 8 }),
      query: fc.dictionary(
        fc.constantFrom("name", "version", "overwrite", "includeTasks", "start", "size", "sort", "freeText", "query", "count", "workerid", "timeout", "waitForSeconds", "archiveWorkflow", "useLatestDefinitions", "reason", "limit", "includeClosed"),
        fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("true", "false", "True", "0", "-1", "99999999999", "*", "(((", "status IN (RUNNING)")),
        { maxKeys: 4 },
      ),
      body,
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ route: pick, params, query, body: text }) => {
        const route = routes[pick % routes.length]!;
        let p = 0;
        const path = route.path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, () => encodeURIComponent(params[p++ % params.length]!));
        const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, WAITING_PARAMS.has(key) ? "0" : value]));
        const url = `${path}${search.size > 0 ? `?${search}` : ""}`;
        const withBody = route.method !== "GET" && route.method !== "HEAD";
        const answer = await target.request(route.method, url, withBody ? text : undefined);
        expectWellFormedAnswer(answer, `${route.method} ${url} ${text === undefined ? "" : text.slice(0, 120)}`, route.path === "/graphql" ? "graphql" : "rest");
      }),
      fuzzParameters(300),
    );
    expect(target.unexpected).toEqual([]);
    const health = await target.request("GET", "/health");
    expect(health.status).toBe(200);
    await target.expectReplayEqual();
  }, FUZZ_TIMEOUT_MS);
});
