/**
 * Workflow limits through the REST app (issue 10): a DO_WHILE that never ends,
 * a dynamic fork over 5,000 items and a workflow that starts itself as its own
 * sub-workflow each end with a clear reason, the server keeps answering, and
 * terminating the root of a recursion terminates every workflow below it.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { WorkflowLimits } from "../../src/domain/workflow/limits.ts";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { WorkflowDefSchema } from "../../src/domain/definitions/workflow-def.ts";
import { workflowDecider } from "../../src/domain/workflow/decider.ts";
import { workflowCategory } from "../../src/projections/stream-categories.ts";
import { inProcessApp } from "../support/app.ts";
import * as v from "valibot";

type App = Awaited<ReturnType<typeof inProcessApp>>;
let open: App | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function appWith(limits: Partial<WorkflowLimits> = {}): Promise<App> {
  open = await inProcessApp({ limits });
  return open;
}

async function register(app: App, definition: Record<string, unknown>) {
  const response = await app.call("POST", "/api/metadata/workflow", { version: 1, schemaVersion: 2, ...definition });
  expect(response.status, response.text).toBeLessThan(300);
}

async function start(app: App, name: string, input: Record<string, unknown> = {}): Promise<string> {
  const response = await app.call("POST", `/api/workflow/${name}`, input);
  expect(response.status, response.text).toBe(200);
  return response.text;
}

/** Polls the workflow until `done` holds (or fails the test after `timeoutMs`). */
async function waitFor(app: App, workflowId: string, done: (workflow: any) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const workflow = (await app.call("GET", `/api/workflow/${workflowId}?includeTasks=true`)).json();
    if (done(workflow)) return workflow;
    if (Date.now() > deadline) throw new Error(`workflow ${workflowId} is still ${workflow.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How long GET /health takes while something else runs. */
async function healthLatency(app: App): Promise<number> {
  const before = performance.now();
  const response = await app.call("GET", "/health");
  expect(response.status).toBe(200);
  return performance.now() - before;
}

const ended = (workflow: { status: string }) => workflow.status !== "RUNNING" && workflow.status !== "PAUSED";

describe("a DO_WHILE whose loopCondition is always true", () => {
  it("fails at BATON_MAX_LOOP_ITERATIONS with the limit in the reason, and /health answers meanwhile", async () => {
    const app = await appWith({ maxLoopIterations: 200 });
    await register(app, {
      name: "forever",
      tasks: [
        {
          name: "loop",
          taskReferenceName: "loop",
          type: "DO_WHILE",
          loopCondition: "true",
          loopOver: [{ name: "body", taskReferenceName: "body", type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "1" } }],
        },
      ],
    });
    const id = await start(app, "forever");
    expect(await healthLatency(app)).toBeLessThan(1000);
    const workflow = await waitFor(app, id, ended);
    expect(workflow.status).toBe("FAILED");
    expect(workflow.reasonForIncompletion).toContain("DO_WHILE loop: loopCondition still true after 200 iterations");
    expect(workflow.reasonForIncompletion).toContain("BATON_MAX_LOOP_ITERATIONS=200");
    expect(workflow.tasks.filter((t: { referenceTaskName: string }) => t.referenceTaskName.startsWith("body__"))).toHaveLength(200);
  });
});

describe("a decision longer than BATON_MAX_DECISION_EVENTS", () => {
  it("is stored in parts and continued by the engine until the workflow completes", async () => {
    const app = await appWith({ maxDecisionEvents: 10 });
    const steps = Array.from({ length: 40 }, (_, i) => ({
      name: `step${i}`,
      taskReferenceName: `step${i}`,
      type: "INLINE",
      inputParameters: { evaluatorType: "javascript", expression: `${i}` },
    }));
    await register(app, { name: "long", tasks: steps });
    const id = await start(app, "long");
    const workflow = await waitFor(app, id, ended);
    expect(workflow.status).toBe("COMPLETED");
    expect(workflow.tasks.map((t: { status: string }) => t.status)).toEqual(steps.map(() => "COMPLETED"));
    expect(workflow.output).toEqual({ result: 39 });
    const deferred = (await app.engine.readWorkflowEvents(id)).filter((event) => event.type === "DecisionDeferred");
    expect(deferred.length).toBeGreaterThanOrEqual(5);
  });
});

describe("a deferred decision left by a stopped server", () => {
  it("is continued when the engine opens on the store", async () => {
    // The stream as a server leaves it when it stops right after a deferred part was stored.
    const store = createMemoryEventStore();
    const definition = v.parse(WorkflowDefSchema, {
      name: "long",
      tasks: Array.from({ length: 20 }, (_, i) => ({
        name: `step${i}`,
        taskReferenceName: `step${i}`,
        type: "INLINE",
        inputParameters: { evaluatorType: "javascript", expression: `${i}` },
      })),
    });
    let counter = 0;
    const events = workflowDecider.decide(
      { type: "StartWorkflow", workflowId: "wf-deferred", definition, input: {}, priority: 0, taskToDomain: {} },
      workflowDecider.initialState,
      { now: Date.now(), newId: () => `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`, evaluators: await loadEvaluators(), limits: { maxDecisionEvents: 10 } },
    );
    expect(events.at(-1)?.type).toBe("DecisionDeferred");
    await store.append(
      workflowCategory.streamOf("wf-deferred"),
      events.map((event, index) => ({ id: `00000000-0000-4000-9000-${String(index).padStart(12, "0")}`, type: event.type, data: event.data })),
      "no_stream",
    );
    open = await inProcessApp({ store, limits: { maxDecisionEvents: 10 } });
    const workflow = await waitFor(open, "wf-deferred", ended);
    expect(workflow.status).toBe("COMPLETED");
    expect(workflow.tasks).toHaveLength(20);
  });
});

describe("a FORK_JOIN_DYNAMIC over 5,000 items", () => {
  const wide = {
    name: "wide",
    tasks: [
      { name: "fork", taskReferenceName: "fork", type: "FORK_JOIN_DYNAMIC", inputParameters: { forkTaskName: "work", forkTaskInputs: "${workflow.input.items}" } },
      { name: "join", taskReferenceName: "join", type: "JOIN" },
    ],
  };

  it("fails the fork at once under the default BATON_MAX_DYNAMIC_FORK_BRANCHES, naming the field, and /health keeps answering", async () => {
    const app = await appWith();
    await register(app, wide);
    const before = performance.now();
    const id = await start(app, "wide", { items: Array.from({ length: 5000 }, (_, i) => ({ i })) });
    expect(performance.now() - before).toBeLessThan(5000);
    expect(await healthLatency(app)).toBeLessThan(1000);
    const workflow = await waitFor(app, id, ended);
    expect(workflow.status).toBe("FAILED");
    expect(workflow.reasonForIncompletion).toContain(
      "FORK_JOIN_DYNAMIC fork: forkTaskInputs lists 5000 branches, more than the 1000 a dynamic fork may start (BATON_MAX_DYNAMIC_FORK_BRANCHES=1000)",
    );
    expect(workflow.tasks.map((t: { referenceTaskName: string }) => t.referenceTaskName)).toEqual(["fork"]);
    const queue = (await app.call("GET", "/api/tasks/queue/sizes?taskType=work")).json();
    expect(queue).toEqual({ work: 0 });
  });
});

describe("a workflow that starts itself as a SUB_WORKFLOW", () => {
  const recurse = {
    name: "recurse",
    tasks: [{ name: "again", taskReferenceName: "again", type: "SUB_WORKFLOW", subWorkflowParam: { name: "recurse", version: 1 } }],
  };

  async function countRecurse(app: App): Promise<{ total: number; running: number }> {
    const all = (await app.call("GET", "/api/workflow/search?size=1&query=" + encodeURIComponent("workflowType IN (recurse)"))).json();
    const running = (await app.call("GET", "/api/workflow/search?size=1&query=" + encodeURIComponent("workflowType IN (recurse) AND status IN (RUNNING)"))).json();
    return { total: all.totalHits, running: running.totalHits };
  }

  it("stops at BATON_MAX_SUBWORKFLOW_DEPTH: the deepest SUB_WORKFLOW fails with the limit and the failure climbs to the root", async () => {
    const app = await appWith({ maxSubWorkflowDepth: 5 });
    await register(app, recurse);
    const root = await start(app, "recurse");
    const workflow = await waitFor(app, root, ended);
    expect(workflow.status).toBe("FAILED");
    // The root plus five levels of children: the sixth level is never started.
    expect(await countRecurse(app)).toEqual({ total: 6, running: 0 });
    // Down the chain through each SUB_WORKFLOW task's subWorkflowId to the workflow that started none.
    let deepest = workflow;
    for (let level = 0; typeof deepest.tasks[0]?.outputData?.subWorkflowId === "string"; level++) {
      expect(level).toBeLessThan(6);
      deepest = (await app.call("GET", `/api/workflow/${deepest.tasks[0].outputData.subWorkflowId}`)).json();
    }
    expect(deepest.tasks[0].reasonForIncompletion).toBe(
      "SUB_WORKFLOW again: starting recurse would nest sub-workflows 6 levels deep, more than the 5 allowed (BATON_MAX_SUBWORKFLOW_DEPTH=5)",
    );
  });

  it("terminating the root terminates every descendant and the count stops growing", async () => {
    const app = await appWith({ maxSubWorkflowDepth: 1_000_000 });
    await register(app, recurse);
    const root = await start(app, "recurse");
    const deadline = Date.now() + 20_000;
    while ((await countRecurse(app)).total < 40) {
      if (Date.now() > deadline) throw new Error("the recursion never got 40 levels deep");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await app.call("DELETE", `/api/workflow/${root}?reason=stop`)).status).toBe(200);
    // Every workflow of the chain ends; then nothing new appears.
    const settle = Date.now() + 20_000;
    let counts = await countRecurse(app);
    while (counts.running > 0) {
      if (Date.now() > settle) throw new Error(`${counts.running} of ${counts.total} workflows still run after terminating the root`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      counts = await countRecurse(app);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await countRecurse(app)).toEqual({ total: counts.total, running: 0 });
    const statuses = (await app.call("GET", "/api/workflow/search?size=1000&query=" + encodeURIComponent("workflowType IN (recurse)"))).json();
    expect(new Set(statuses.results.map((w: { status: string }) => w.status))).toEqual(new Set(["TERMINATED"]));
  });
});
