/**
 * Property-based fuzzing (fast-check) of what users and services send besides
 * plain REST calls: workflow definitions (registered, then started), GraphQL
 * documents, and messages on the event router's topic. No 5xx, no crash, no
 * masked error, the server keeps serving, and the stored log replays equal.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectWellFormedAnswer, FUZZ_TIMEOUT_MS, fuzzParameters, fuzzTarget, type FuzzTarget } from "./fuzz-harness.ts";

const TASK_TYPES = ["SIMPLE", "INLINE", "SWITCH", "DECISION", "FORK_JOIN", "JOIN", "FORK_JOIN_DYNAMIC", "DO_WHILE", "SET_VARIABLE", "TERMINATE", "WAIT", "JSON_JQ_TRANSFORM", "SUB_WORKFLOW", "NOOP", "EXCLUSIVE_JOIN", "DYNAMIC", "EVENT", "KAFKA_PUBLISH", "HUMAN", "START_WORKFLOW", "LLM_CHAT_COMPLETE", "", "simple"] as const;

const expression = fc.oneof(
  fc.constantFrom("$.x", "$.x > 1", "(function(){ return $.x; })()", ".", ".x", "[.[]]", "${workflow.input.x}", "${t0.output.result}", "true", "false", "$.t0['iteration'] < 2"),
  fc.string({ maxLength: 30 }),
);

const parameterValue = fc.oneof(expression, fc.jsonValue({ maxDepth: 3 }));

/** A task, recursively (forks, switches and loops nest tasks). */
const task: fc.Memo<Record<string, unknown>> = fc.memo((depth) =>
  fc.record(
    {
      name: fc.oneof(fc.constantFrom("fz_task", "t", ""), fc.string({ maxLength: 8 })),
      taskReferenceName: fc.oneof(fc.constantFrom("t0", "t1", "t2", "t3"), fc.string({ maxLength: 8 })),
      type: fc.constantFrom(...TASK_TYPES),
      inputParameters: fc.dictionary(fc.constantFrom("x", "expression", "evaluatorType", "queryExpression", "duration", "dynamicTasks", "dynamicTasksInput", "value"), parameterValue, { maxKeys: 4 }),
      evaluatorType: fc.constantFrom("javascript", "value-param", "graaljs", "bogus"),
      expression,
      caseValueParam: fc.constantFrom("x", "missing"),
      loopCondition: expression,
      optional: fc.boolean(),
      decisionCases: depth > 1 ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 3 }), fc.array(task(depth + 1), { maxLength: 2 }), { maxKeys: 2 }),
      defaultCase: depth > 1 ? fc.constant([]) : fc.array(task(depth + 1), { maxLength: 2 }),
      forkTasks: depth > 1 ? fc.constant([]) : fc.array(fc.array(task(depth + 1), { maxLength: 2 }), { maxLength: 2 }),
      loopOver: depth > 1 ? fc.constant([]) : fc.array(task(depth + 1), { maxLength: 2 }),
      joinOn: fc.array(fc.constantFrom("t0", "t1", "t2", "t3"), { maxLength: 2 }),
      subWorkflowParam: fc.record({ name: fc.constantFrom("fz_def", "missing"), version: fc.constantFrom(1, 2) }, { requiredKeys: [] }),
      dynamicForkTasksParam: fc.constantFrom("dynamicTasks"),
      dynamicForkTasksInputParamName: fc.constantFrom("dynamicTasksInput"),
      sink: fc.constantFrom("conductor", "conductor:fz", "kafka:fz", "bogus:sink"),
    },
    { requiredKeys: ["name", "taskReferenceName"] },
  ),
);

/** Tasks Baton accepts, with random expressions, filters and parameters, so cases reach the engine. */
const runnableTask = (i: number) =>
  fc.oneof(
    fc.record({ name: fc.constant("fz_task"), taskReferenceName: fc.constant(`t${i}`), type: fc.constant("SIMPLE"), inputParameters: fc.dictionary(fc.constantFrom("x", "y"), parameterValue, { maxKeys: 2 }) }),
    fc.record({ name: fc.constant("inline"), taskReferenceName: fc.constant(`t${i}`), type: fc.constant("INLINE"), inputParameters: fc.record({ evaluatorType: fc.constant("javascript"), expression, x: parameterValue }) }),
    fc.record({ name: fc.constant("jq"), taskReferenceName: fc.constant(`t${i}`), type: fc.constant("JSON_JQ_TRANSFORM"), inputParameters: fc.record({ queryExpression: expression, x: parameterValue }) }),
    fc.record({ name: fc.constant("vars"), taskReferenceName: fc.constant(`t${i}`), type: fc.constant("SET_VARIABLE"), inputParameters: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), parameterValue, { maxKeys: 2 }) }),
    fc.record({
      name: fc.constant("switch"), taskReferenceName: fc.constant(`t${i}`), type: fc.constant("SWITCH"),
      evaluatorType: fc.constantFrom("value-param", "javascript"), expression, inputParameters: fc.record({ x: parameterValue }),
      decisionCases: fc.constant({ a: [{ name: "noop", taskReferenceName: `t${i}_a`, type: "NOOP" }] }),
      defaultCase: fc.constant([{ name: "noop", taskReferenceName: `t${i}_d`, type: "NOOP" }]),
    }),
    fc.record({
      name: fc.constant("loop"), taskReferenceName: fc.constant(`t${i}`), type: fc.constant("DO_WHILE"), loopCondition: expression,
      loopOver: fc.constant([{ name: "inline", taskReferenceName: `t${i}_body`, type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "1" } }]),
    }),
    fc.record({ name: fc.constant("wait"), taskReferenceName: fc.constant(`t${i}`), type: fc.constant("WAIT"), inputParameters: fc.record({ duration: fc.constantFrom("1s", "0s", "bogus", "1 days") }) }),
  );

const runnableDefinition = fc
  .integer({ min: 1, max: 4 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => runnableTask(i))))
  .map((tasks) => ({ name: "fz_def", version: 1, tasks, schemaVersion: 2 }));

const randomDefinition = fc.record(
  {
    name: fc.constantFrom("fz_def"),
    version: fc.oneof(fc.constant(1), fc.integer({ min: -1, max: 3 })),
    tasks: fc.array(task(0), { maxLength: 4 }),
    outputParameters: fc.dictionary(fc.string({ maxLength: 5 }), parameterValue, { maxKeys: 2 }),
    timeoutSeconds: fc.integer({ min: -1, max: 5 }),
    schemaVersion: fc.constantFrom(2, 1),
  },
  { requiredKeys: ["name", "tasks"] },
);

const definition = fc.oneof({ weight: 3, arbitrary: runnableDefinition }, { weight: 1, arbitrary: randomDefinition });

/** GraphQL documents: well-formed ones built from real fields, deep nesting, and noise. */
const graphqlDocument = fc.oneof(
  fc.constantFrom(
    "{ workflows { totalHits results { workflowId status } } }",
    "{ workflowDefs { name version } }",
    "{ stats { running completed failed } }",
    "query($id: ID!) { workflow(id: $id) { workflowId tasks { taskId status } } }",
    "mutation { terminateWorkflow(id: \"nope\", reason: \"x\") }",
    "{ search(query: \"status IN (RUNNING)\") { totalHits } }",
    "{ __schema { types { name } } }",
  ),
  fc.integer({ min: 1, max: 3_000 }).map((depth) => `{ ${"workflows { results { ".repeat(1)}${"a { ".repeat(depth)}b${" }".repeat(depth)} } } }`),
  fc.integer({ min: 1, max: 5_000 }).map((count) => `{ ${"__typename ".repeat(count)}}`),
  fc.string({ maxLength: 80 }),
);

describe("fuzzing definitions, GraphQL documents and router messages", () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await fuzzTarget();
  });
  afterAll(() => target.close());

  it("registers and starts random definitions without a 5xx; every refusal names the field", async () => {
    let registered = 0;
    await fc.assert(
      fc.asyncProperty(definition, fc.jsonValue({ maxDepth: 3 }), async (def, input) => {
        const put = await target.request("PUT", "/api/metadata/workflow", JSON.stringify([def]));
        expectWellFormedAnswer(put, `PUT definition ${JSON.stringify(def).slice(0, 300)}`);
        if (put.status !== 200) return;
        registered++;
        const started = await target.request("POST", `/api/workflow/fz_def?version=${def.version ?? 1}`, JSON.stringify(input));
        expectWellFormedAnswer(started, `start ${JSON.stringify(def).slice(0, 300)}`);
      }),
      fuzzParameters(150),
    );
    // The generator must reach the engine, not only the validator.
    expect(registered).toBeGreaterThan(0);
    expect(target.unexpected).toEqual([]);
    expect((await target.request("GET", "/api/workflow/search?size=5")).status).toBe(200);
    await target.expectReplayEqual();
  }, FUZZ_TIMEOUT_MS);

  it("answers random GraphQL documents with errors that say why, never a 5xx or a masked error", async () => {
    const earlier = target.unexpected.length;
    await fc.assert(
      fc.asyncProperty(graphqlDocument, fc.jsonValue({ maxDepth: 3 }), async (query, variables) => {
        const answer = await target.request("POST", "/graphql", JSON.stringify({ query, variables: typeof variables === "object" ? variables : { id: variables } }));
        expectWellFormedAnswer(answer, `GraphQL ${query.slice(0, 200)}`, "graphql");
      }),
      fuzzParameters(200),
    );
    expect(target.unexpected.slice(earlier).map(String)).toEqual([]);
  }, FUZZ_TIMEOUT_MS);

  it("takes random messages on the router's topic without crashing it; the router keeps counting", async () => {
    const ids = [...target.engine.models.workflows.keys()].slice(0, 5);
    const message = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      fc
        .record(
          {
            workflowId: fc.oneof(fc.constantFrom(...(ids.length > 0 ? ids : ["none"])), fc.string({ maxLength: 8 })),
            taskId: fc.string({ maxLength: 8 }),
            taskRefName: fc.constantFrom("t0", "t1", "x"),
            eventType: fc.constantFrom("fz_completed", "", "x"),
            data: fc.record({ status: fc.constantFrom("completed", "failed", "COMPLETED", "bogus"), error_message: fc.string({ maxLength: 10 }), result: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
      fc.integer({ min: 1, max: 5_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
      fc.string({ maxLength: 50 }),
    );
    const before = target.router.stats();
    const earlier = target.unexpected.length;
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(message, fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), async (value, key) => {
        await target.bus.publish("conductor-events", { value, key });
        sent++;
      }),
      fuzzParameters(200),
    );
    const counted = (stats: ReturnType<typeof target.router.stats>) => JSON.stringify(stats);
    // Every message reached the router and was counted one way or another.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent).toBeGreaterThan(0);
    expect(counted(target.router.stats())).not.toBe(counted(before));
    expect(target.router.stats().malformed).toBeGreaterThan(before.malformed);
    expect(target.unexpected.slice(earlier).map(String)).toEqual([]);
    expect((await target.request("GET", "/api/router/unmatched?limit=5")).status).toBe(200);
    await target.expectReplayEqual();
  }, FUZZ_TIMEOUT_MS);
});
