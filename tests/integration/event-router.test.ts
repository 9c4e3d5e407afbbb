import { afterEach, describe, expect, it } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createEventRouter, type EventRouterDeps } from "../../src/engine/router/event-router.ts";
import { createApp } from "../../src/api/app.ts";
import type { Bus, DeliveredMessage, EventStore } from "../../src/domain/ports.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { eventually } from "../support/baton.ts";

/**
 * The sink pattern end to end in process: a KAFKA_PUBLISH sends a request on
 * the memory bus, a test microservice replies on `conductor-events`, and the
 * event router completes (or fails) the waiting EVENT task through the engine,
 * with holds for early replies, duplicates counted, unmatched and malformed
 * messages recorded, and the Kafka-style source on every completion it applied.
 */
const REQUESTS = "email-validation-requests";
const COMPLETIONS = "conductor-events";

interface Harness {
  engine: Engine;
  store: EventStore;
  bus: Bus;
  router: Awaited<ReturnType<typeof createEventRouter>>;
  busErrors: { error: unknown; message: DeliveredMessage }[];
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; text: string; json: () => any }>;
  close(): Promise<void>;
}

const opened: Harness[] = [];
afterEach(async () => {
  for (const harness of opened.splice(0)) await harness.close();
});

/** Engine + router + app on one memory store and bus (both may be reused to simulate a restart). */
async function boot(options: { store?: EventStore; router?: Partial<EventRouterDeps> } = {}): Promise<Harness> {
  const busErrors: Harness["busErrors"] = [];
  const bus = createMemoryBus((error, message) => busErrors.push({ error, message }));
  const store = options.store ?? createMemoryEventStore();
  const engine = await createEngine({ store, bus, evaluators: await loadEvaluators(), sweepIntervalMs: 50 });
  const router = await createEventRouter({ engine, bus, store, ...options.router });
  const app = createApp({ engine, router, logError: (error) => busErrors.push({ error, message: undefined as never }) });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  };
  const harness: Harness = {
    engine,
    store,
    bus,
    router,
    busErrors,
    call,
    async close() {
      await router.close();
      await engine.close();
    },
  };
  opened.push(harness);
  return harness;
}

const publishRequest = {
  name: "request_validation",
  taskReferenceName: "request_validation_ref",
  type: "KAFKA_PUBLISH",
  inputParameters: {
    kafka_request: {
      topic: REQUESTS,
      key: "${workflow.workflowId}",
      value: { workflowId: "${workflow.workflowId}", email: "${workflow.input.email}" },
    },
  },
};

const awaitValidation = {
  name: "await_validation",
  taskReferenceName: "await_validation_ref",
  type: "EVENT",
  sink: "conductor:email_validation_completed",
  asyncComplete: true,
};

/** The seed's workflow: publish the request, wait for `email_validation_completed`. */
const SEED_FLOW = {
  name: "email_validation",
  version: 1,
  schemaVersion: 2,
  tasks: [publishRequest, awaitValidation],
  outputParameters: { valid: "${await_validation_ref.output.valid}" },
};

async function define(h: Harness, definition: Record<string, unknown>) {
  const response = await h.call("POST", "/api/metadata/workflow", definition);
  expect(response.status, response.text).toBe(200);
}

async function start(h: Harness, name: string, input: Record<string, unknown> = {}): Promise<string> {
  const response = await h.call("POST", "/api/workflow", { name, input });
  expect(response.status, response.text).toBe(200);
  return response.text;
}

const finished = (h: Harness, workflowId: string) => h.engine.waitForWorkflow(workflowId, Date.now() + 10_000);

const publishCompletion = (h: Harness, completion: unknown, key?: string) =>
  h.bus.publish(COMPLETIONS, { key, value: typeof completion === "string" ? completion : JSON.stringify(completion) });

/**
 * The test microservice: validates each requested email and replies on
 * `conductor-events` as the seed services do ("fail" in the address fails).
 */
function emailValidationService(bus: Bus, replies = (request: { workflowId: string; email: string }) => [reply(request)]) {
  return bus.subscribe(REQUESTS, async (message) => {
    const request = JSON.parse(message.value) as { workflowId: string; email: string };
    for (const completion of replies(request)) await bus.publish(COMPLETIONS, { key: request.workflowId, value: JSON.stringify(completion) });
  });
}

function reply({ workflowId, email }: { workflowId: string; email: string }) {
  return email.includes("fail")
    ? { workflowId, eventType: "email_validation_completed", data: { status: "failed", message: `mailbox ${email} does not exist` } }
    : { workflowId, eventType: "email_validation_completed", data: { status: "completed", valid: !email.includes("bad"), email } };
}

const eventTask = (h: Harness, workflowId: string) => h.engine.getWorkflow(workflowId).tasks.find((t) => t.referenceTaskName === "await_validation_ref");

async function statsWhen(h: Harness, done: (stats: any) => boolean) {
  return eventually(async () => {
    const stats = (await h.call("GET", "/api/router/stats")).json();
    return done(stats) ? stats : undefined;
  }, 5_000, 10);
}

describe("event router (sink pattern)", () => {
  it("completes the waiting EVENT task of 100 concurrent workflows from the services' replies", async () => {
    const h = await boot();
    emailValidationService(h.bus);
    await define(h, SEED_FLOW);
    const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => start(h, "email_validation", { email: i % 10 === 0 ? `bad${i}@x.io` : `user${i}@x.io` })));
    const workflows = await Promise.all(ids.map((id) => finished(h, id)));
    for (const [i, workflow] of workflows.entries()) {
      expect(workflow.status, workflow.reasonForIncompletion).toBe("COMPLETED");
      const email = i % 10 === 0 ? `bad${i}@x.io` : `user${i}@x.io`;
      expect(workflow.output).toEqual({ valid: i % 10 !== 0 });
      const task = eventTask(h, workflow.workflowId)!;
      expect(task.status).toBe("COMPLETED");
      expect(task.outputData).toEqual({ status: "completed", valid: i % 10 !== 0, email });
      expect(task.workerId).toBe("baton:router");
    }
    // The counts follow the appends by a moment: wait for the last one.
    const stats = await statsWhen(h, (s) => s.matched === 100);
    expect(stats).toMatchObject({ topic: COMPLETIONS, matched: 100, completed: 100, failed: 0, duplicates: 0, unmatched: 0, holding: 0 });
    expect(h.busErrors).toEqual([]);
  });

  it("fails the task with the service's message, and the workflow reports the failure", async () => {
    const h = await boot();
    emailValidationService(h.bus);
    await define(h, SEED_FLOW);
    const workflow = await finished(h, await start(h, "email_validation", { email: "fail@x.io" }));
    expect(workflow.status).toBe("FAILED");
    expect(workflow.reasonForIncompletion).toContain("mailbox fail@x.io does not exist");
    const task = eventTask(h, workflow.workflowId)!;
    expect(task.status).toBe("FAILED");
    expect(task.reasonForIncompletion).toBe("mailbox fail@x.io does not exist");
    expect(task.outputData).toEqual({ status: "failed", message: "mailbox fail@x.io does not exist" });
    expect(await statsWhen(h, (s) => s.matched === 1)).toMatchObject({ matched: 1, failed: 1, completed: 0 });
    const json = (await h.call("GET", `/api/workflow/${workflow.workflowId}`)).json();
    expect(json.status).toBe("FAILED");
  });

  it("counts a duplicate completion and changes nothing", async () => {
    const h = await boot();
    emailValidationService(h.bus, (request) => [reply(request), reply(request)]);
    await define(h, SEED_FLOW);
    const id = await start(h, "email_validation", { email: "twice@x.io" });
    expect((await finished(h, id)).status).toBe("COMPLETED");
    await statsWhen(h, (s) => s.duplicates === 1);
    const before = await h.engine.readWorkflowEvents(id);
    await publishCompletion(h, { workflowId: id, eventType: "email_validation_completed", data: { status: "failed", message: "late" } });
    const stats = await statsWhen(h, (s) => s.duplicates === 2);
    expect(stats).toMatchObject({ matched: 1, duplicates: 2, unmatched: 0 });
    expect(await h.engine.readWorkflowEvents(id)).toHaveLength(before.length);
    expect(eventTask(h, id)).toMatchObject({ status: "COMPLETED", outputData: { status: "completed", valid: true, email: "twice@x.io" } });
  });

  it("holds a completion published before the EVENT task is reached and applies it when the task waits", async () => {
    const h = await boot();
    // A worker task stands between the start and the EVENT task, so the reply is surely early.
    await define(h, { ...SEED_FLOW, name: "early", tasks: [{ name: "prepare", taskReferenceName: "prepare", type: "SIMPLE" }, awaitValidation] });
    const id = await start(h, "early");
    await publishCompletion(h, { workflowId: id, eventType: "email_validation_completed", data: { status: "completed", valid: true } }, id);
    await statsWhen(h, (s) => s.held === 1 && s.holding === 1);
    expect(eventTask(h, id)).toBeUndefined();

    const [polled] = (await h.call("GET", "/api/tasks/poll/batch/prepare?count=1")).json();
    const done = await h.call("POST", "/api/tasks", { workflowInstanceId: id, taskId: polled.taskId, status: "COMPLETED", outputData: {} });
    expect(done.status, done.text).toBe(200);
    const workflow = await finished(h, id);
    expect(workflow.status).toBe("COMPLETED");
    expect(workflow.output).toEqual({ valid: true });
    expect(await statsWhen(h, (s) => s.holding === 0 && s.matched === 1)).toMatchObject({ held: 1, matched: 1, duplicates: 0, unmatched: 0 });
  });

  it("applies a completion that beats its EVENT task by a moment without recording a hold", async () => {
    const h = await boot({ router: { holdGraceMs: 5_000 } });
    await define(h, { ...SEED_FLOW, name: "early", tasks: [{ name: "prepare", taskReferenceName: "prepare", type: "SIMPLE" }, awaitValidation] });
    const id = await start(h, "early");
    await publishCompletion(h, { workflowId: id, eventType: "email_validation_completed", data: { status: "completed", valid: true } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.router.stats()).toMatchObject({ held: 0, holding: 0, matched: 0 });
    const [polled] = (await h.call("GET", "/api/tasks/poll/batch/prepare?count=1")).json();
    await h.call("POST", "/api/tasks", { workflowInstanceId: id, taskId: polled.taskId, status: "COMPLETED", outputData: {} });
    expect((await finished(h, id)).status).toBe("COMPLETED");
    expect(await statsWhen(h, (s) => s.matched === 1)).toMatchObject({ held: 0, holding: 0, duplicates: 0, unmatched: 0 });
    const holdRecords = (await h.store.readStream("router-holds")).length;
    expect(holdRecords).toBe(0);
  });

  it("holds at once without a grace time (holdGraceMs 0)", async () => {
    const h = await boot({ router: { holdGraceMs: 0 } });
    await define(h, { ...SEED_FLOW, name: "early", tasks: [{ name: "prepare", taskReferenceName: "prepare", type: "SIMPLE" }, awaitValidation] });
    const id = await start(h, "early");
    await publishCompletion(h, { workflowId: id, eventType: "email_validation_completed", data: { status: "completed", valid: true } });
    await statsWhen(h, (s) => s.held === 1 && s.holding === 1);
    expect((await h.store.readStream("router-holds")).length).toBe(1);
  });

  it("keeps a hold across a restart and applies it after", async () => {
    const store = createMemoryEventStore();
    const first = await boot({ store });
    await define(first, { ...SEED_FLOW, name: "early", tasks: [{ name: "prepare", taskReferenceName: "prepare", type: "SIMPLE" }, awaitValidation] });
    const id = await start(first, "early");
    await publishCompletion(first, { workflowId: id, eventType: "email_validation_completed", data: { status: "completed", valid: true } });
    await statsWhen(first, (s) => s.holding === 1);
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const second = await boot({ store });
    expect(second.router.stats().holding).toBe(1);
    const [polled] = (await second.call("GET", "/api/tasks/poll/batch/prepare?count=1")).json();
    await second.call("POST", "/api/tasks", { workflowInstanceId: id, taskId: polled.taskId, status: "COMPLETED", outputData: {} });
    expect((await finished(second, id)).status).toBe("COMPLETED");
    await statsWhen(second, (s) => s.holding === 0 && s.matched === 1);
  });

  it("gives up a hold after the hold time and records it as unmatched", async () => {
    const h = await boot({ router: { holdMs: 100 } });
    await define(h, { ...SEED_FLOW, name: "early", tasks: [{ name: "prepare", taskReferenceName: "prepare", type: "SIMPLE" }, awaitValidation] });
    const id = await start(h, "early");
    await publishCompletion(h, { workflowId: id, eventType: "email_validation_completed", data: { status: "completed" } });
    await statsWhen(h, (s) => s.expired === 1 && s.holding === 0);
    const [unmatched] = (await h.call("GET", "/api/router/unmatched")).json();
    expect(unmatched).toMatchObject({
      cause: "expired",
      workflowId: id,
      eventType: "email_validation_completed",
      reason: `held for 0.1 s, but task 'await_validation_ref' of workflow ${id} has not been scheduled yet; giving up`,
    });
  });

  it("lists a completion for an unknown workflow under /api/router/unmatched", async () => {
    const h = await boot();
    await publishCompletion(h, { workflowId: "no-such-workflow", eventType: "email_validation_completed", data: { status: "completed" } }, "k1");
    await statsWhen(h, (s) => s.unmatched === 1);
    const response = await h.call("GET", "/api/router/unmatched");
    expect(response.status).toBe(200);
    expect(response.json()).toEqual([
      {
        messageId: `${COMPLETIONS}/0/0`,
        message: { topic: COMPLETIONS, partition: 0, offset: "0", key: "k1" },
        cause: "unknown_workflow",
        reason: "No such workflow found by id: no-such-workflow",
        workflowId: "no-such-workflow",
        eventType: "email_validation_completed",
        value: JSON.stringify({ workflowId: "no-such-workflow", eventType: "email_validation_completed", data: { status: "completed" } }),
        time: expect.any(Number),
      },
    ]);
  });

  it("shows the Kafka record behind each completion in the audit timeline", async () => {
    const h = await boot();
    emailValidationService(h.bus);
    await define(h, SEED_FLOW);
    const id = await start(h, "email_validation", { email: "audit@x.io" });
    expect((await finished(h, id)).status).toBe("COMPLETED");
    const timeline = (await h.call("GET", `/api/workflow/${id}/timeline`)).json() as any[];
    const completion = timeline.find((entry) => entry.type === "TaskCompleted" && entry.taskRef === "await_validation_ref");
    expect(completion.source).toEqual({ kind: "router", detail: `${COMPLETIONS}/0/0`, topic: COMPLETIONS, partition: 0, offset: "0", key: id });
    const [stored] = (await h.engine.readWorkflowEvents(id)).filter((event) => event.type === "TaskCompleted" && event.revision === completion.revision);
    expect(stored!.metadata.source).toEqual({
      kind: "router",
      detail: `${COMPLETIONS}/0/0`,
      message: { topic: COMPLETIONS, partition: 0, offset: "0", key: id },
    });
  });

  it("records malformed messages with the reason and throws so the bus can dead-letter them", async () => {
    const h = await boot();
    await publishCompletion(h, "this is not json");
    await publishCompletion(h, { eventType: "email_validation_completed", data: {} });
    await statsWhen(h, (s) => s.malformed === 2);
    const unmatched = (await h.call("GET", "/api/router/unmatched")).json() as any[];
    expect(unmatched.map((u) => [u.cause, u.messageId])).toEqual([
      ["malformed", `${COMPLETIONS}/0/1`],
      ["malformed", `${COMPLETIONS}/0/0`],
    ]);
    expect(unmatched[1].reason).toMatch(/^not JSON: /);
    expect(unmatched[1].value).toBe("this is not json");
    expect(unmatched[0].reason).toBe("workflowId is required");
    await eventually(async () => (h.busErrors.length === 2 ? true : undefined), 2_000, 10);
    expect(h.busErrors.map((e) => (e.error as Error).message)).toEqual([
      expect.stringMatching(/^event router: message conductor-events\/0\/0 is not a completion event: not JSON/),
      `event router: message ${COMPLETIONS}/0/1 is not a completion event: workflowId is required`,
    ]);
    expect(h.busErrors.map((e) => (e.error as Error).name)).toEqual(["ValidationError", "ValidationError"]);
  });

  it("completes a WAIT task through a configured mapping", async () => {
    const h = await boot({ router: { mappings: { email_validation_completed: "validate_email_ref" } } });
    emailValidationService(h.bus);
    await define(h, {
      ...SEED_FLOW,
      name: "mapped",
      tasks: [publishRequest, { name: "validate_email", taskReferenceName: "validate_email_ref", type: "WAIT" }],
      outputParameters: { valid: "${validate_email_ref.output.valid}" },
    });
    const workflow = await finished(h, await start(h, "mapped", { email: "wait@x.io" }));
    expect(workflow.status).toBe("COMPLETED");
    expect(workflow.output).toEqual({ valid: true });
  });

  it("answers 404 on /api/router without a router", async () => {
    const engine = await createEngine({ store: createMemoryEventStore() });
    try {
      const response = await createApp({ engine }).request("/api/router/stats");
      expect(response.status).toBe(404);
      expect(((await response.json()) as { message: string }).message).toMatch(/event router is not running/);
    } finally {
      await engine.close();
    }
  });
});
