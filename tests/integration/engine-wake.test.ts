/**
 * What a host without a long-lived process (workerd) asks of the engine: when
 * its next timer falls due (`nextWakeAt`), run what is due now (`runDueWork`)
 * and wait out the reactions a request set off (`settled`). The clock is the
 * test's and the periodic sweep is pushed out of the way, so only these act.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema } from "../../src/domain/definitions/requests.ts";
import { TaskDefSchema } from "../../src/domain/definitions/task-def.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";

const rest = { kind: "rest" as const };
const startRequest = (input: unknown) => parseOrThrow(StartWorkflowRequestSchema, input, "start request");
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);

describe("engine: waking on demand", () => {
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
  });

  async function boot(deps: Partial<Parameters<typeof createEngine>[0]> = {}) {
    const clock = { now: T0 };
    const engine = await createEngine({ store: createMemoryEventStore(), clock: () => clock.now, sweepIntervalMs: 3_600_000, ...deps });
    engines.push(engine);
    return { engine, clock };
  }

  it("names a WAIT's due time and completes it when due work runs then, not before", async () => {
    const { engine, clock } = await boot();
    expect(engine.nextWakeAt()).toBeUndefined();
    await engine.registerWorkflowDef(parseWorkflowDef({ name: "ew_wait", tasks: [{ name: "pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "30s" } }] }), false, rest);
    const id = await engine.startWorkflow(startRequest({ name: "ew_wait" }), rest);
    expect(engine.nextWakeAt()).toBe(T0 + 30_000);

    clock.now = T0 + 29_000;
    await engine.runDueWork();
    expect(engine.getWorkflow(id).status).toBe("RUNNING");

    clock.now = T0 + 30_000;
    await engine.runDueWork();
    expect(engine.getWorkflow(id).status).toBe("COMPLETED");
    expect(engine.nextWakeAt()).toBeUndefined();
  });

  it("settles only once a sub-workflow the start set off has finished and reported to its parent", async () => {
    const { engine } = await boot();
    await engine.registerWorkflowDef(parseWorkflowDef({ name: "ew_child", tasks: [{ name: "set", taskReferenceName: "set", type: "SET_VARIABLE", inputParameters: { x: 1 } }] }), false, rest);
    await engine.registerWorkflowDef(parseWorkflowDef({ name: "ew_parent", tasks: [{ name: "sub", taskReferenceName: "sub", type: "SUB_WORKFLOW", subWorkflowParam: { name: "ew_child", version: 1 } }] }), false, rest);
    const id = await engine.startWorkflow(startRequest({ name: "ew_parent" }), rest);
    await engine.settled();
    expect(engine.getWorkflow(id).status).toBe("COMPLETED");
  });

  it("names the time a delayed retry of a system task becomes ready", async () => {
    let calls = 0;
    const fetch = (async () => {
      calls += 1;
      return new Response("down", { status: 503 });
    }) as typeof globalThis.fetch;
    const { engine, clock } = await boot({ fetch, egress: { refusal: async () => undefined } });
    await engine.registerTaskDef(parseOrThrow(TaskDefSchema, { name: "ew_call", retryCount: 1, retryDelaySeconds: 10, retryLogic: "FIXED" }, "task"), false, rest);
    await engine.registerWorkflowDef(parseWorkflowDef({ name: "ew_http", tasks: [{ name: "ew_call", taskReferenceName: "call", type: "HTTP", inputParameters: { http_request: { uri: "http://example.test/", method: "GET" } } }] }), false, rest);
    const id = await engine.startWorkflow(startRequest({ name: "ew_http" }), rest);
    await engine.settled();
    expect(calls).toBe(1);
    expect(engine.nextWakeAt()).toBe(T0 + 10_000);

    clock.now = T0 + 10_000;
    await engine.runDueWork();
    expect(calls).toBe(2);
    expect(engine.getWorkflow(id).status).toBe("FAILED");
  });
});
