import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../../src/domain/definitions/requests.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import { parseEventHandler } from "../../src/domain/event-handlers/schema.ts";
import type { ScriptEvaluator } from "../../src/domain/ports.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { inProcessApp } from "../support/app.ts";
import { eventually, removeDir, sdkClients, startBaton } from "../support/baton.ts";

/**
 * Conductor's event handlers through the REST shim (`/api/event`), driven by
 * messages on the engine's bus: start_workflow, complete_task / fail_task
 * (held when they arrive early), terminate_workflow, update_workflow_variables,
 * conditions, and the recorded executions.
 */
type App = Awaited<ReturnType<typeof inProcessApp>>;

const opened: App[] = [];
afterEach(async () => {
  for (const app of opened.splice(0)) await app.close();
});

async function boot(options: Parameters<typeof inProcessApp>[0] = {}): Promise<App> {
  const app = await inProcessApp(options);
  opened.push(app);
  return app;
}

const publish = (app: App, topic: string, payload: unknown) => app.engine.bus.publish(topic, { value: JSON.stringify(payload) });

async function executionsOf(app: App, handler: string, count: number, done = (e: any) => e.status !== "IN_PROGRESS") {
  return eventually(async () => {
    const list = (await app.call("GET", `/api/event/executions/${handler}`)).json() as any[];
    return list.length >= count && list.every(done) ? list : undefined;
  }, 5_000, 10);
}

async function register(app: App, handler: Record<string, unknown>) {
  const response = await app.call("POST", "/api/event", { active: true, ...handler });
  expect(response.status, response.text).toBe(200);
}

async function defineWorkflow(app: App, name: string, tasks: unknown[]) {
  const response = await app.call("POST", "/api/metadata/workflow", { name, version: 1, tasks, schemaVersion: 2 });
  expect(response.status, response.text).toBe(200);
}

async function start(app: App, name: string, input: Record<string, unknown> = {}): Promise<string> {
  const response = await app.call("POST", "/api/workflow", { name, input });
  expect(response.status, response.text).toBe(200);
  return response.text;
}

const waitTask = (ref = "wait") => ({ name: ref, taskReferenceName: ref, type: "WAIT" });

describe("/api/event CRUD (EventResource)", () => {
  const handler = {
    name: "on_orders",
    event: "conductor:orders",
    actions: [{ action: "start_workflow", start_workflow: { name: "orders" } }],
  };

  it("adds, lists, updates and deletes handlers with Conductor's status codes", async () => {
    const app = await boot();
    const added = await app.call("POST", "/api/event", handler);
    expect([added.status, added.text]).toEqual([200, ""]);

    const duplicate = await app.call("POST", "/api/event", handler);
    expect(duplicate.status).toBe(409);
    expect(duplicate.json()).toEqual({
      status: 409,
      message: "EventHandler with name on_orders already exists!",
      instance: "/api/event",
      retryable: false,
    });

    expect((await app.call("GET", "/api/event")).json()).toEqual([{ ...handler, active: false }]);
    // activeOnly defaults to true, and the handler is not active yet.
    expect((await app.call("GET", "/api/event/conductor:orders")).json()).toEqual([]);
    expect((await app.call("GET", "/api/event/conductor:orders?activeOnly=false")).json()).toHaveLength(1);

    expect((await app.call("PUT", "/api/event", { ...handler, active: true })).status).toBe(200);
    expect((await app.call("GET", "/api/event/conductor:orders")).json()).toEqual([{ ...handler, active: true }]);
    expect((await app.call("GET", "/api/event/handler/on_orders")).json()).toMatchObject({ active: true });

    const unknownUpdate = await app.call("PUT", "/api/event", { ...handler, name: "nope" });
    expect(unknownUpdate.status).toBe(404);
    expect(unknownUpdate.json().message).toBe("EventHandler with name nope not found!");

    expect((await app.call("DELETE", "/api/event/on_orders")).status).toBe(200);
    expect((await app.call("GET", "/api/event")).json()).toEqual([]);
    const unknownDelete = await app.call("DELETE", "/api/event/on_orders");
    expect(unknownDelete.status).toBe(404);
    expect(unknownDelete.json()).toMatchObject({ status: 404, message: "EventHandler with name on_orders not found!" });
  });

  it("answers 400 naming every bad field", async () => {
    const app = await boot();
    const response = await app.call("POST", "/api/event", {
      name: "bad",
      actions: [{ action: "start_workflow" }, { action: "launch_rocket" }],
    });
    expect(response.status).toBe(400);
    const body = response.json();
    expect(body.status).toBe(400);
    expect(body.validationErrors.map((e: { path: string }) => e.path)).toEqual(["event", "actions[0].start_workflow", "actions[1].action"]);
    expect((await app.call("POST", "/api/event", undefined, "{oops")).status).toBe(400);
    expect((await app.call("GET", "/api/event/x?activeOnly=maybe")).status).toBe(400);
  });

  it("takes a list of handlers, as the Orkes SDK sends them", async () => {
    const app = await boot();
    const response = await app.call("POST", "/api/event", [handler, { ...handler, name: "on_orders_2" }]);
    expect(response.status).toBe(200);
    expect((await app.call("GET", "/api/event")).json().map((h: { name: string }) => h.name)).toEqual(["on_orders", "on_orders_2"]);
  });

  it("works with the official SDK's event client", async () => {
    const baton = await startBaton({ store: "memory" });
    try {
      const events = (await sdkClients(baton.url)).getEventClient();
      await events.addEventHandler({ ...handler, name: "sdk_handler", active: true } as never);
      expect((await events.getEventHandlerByName("sdk_handler")).event).toBe("conductor:orders");
      expect((await events.getEventHandlersForEvent("conductor:orders", true)).map((h) => h.name)).toEqual(["sdk_handler"]);
      await events.updateEventHandler({ ...handler, name: "sdk_handler", active: false } as never);
      expect(await events.getEventHandlersForEvent("conductor:orders", true)).toEqual([]);
      expect((await events.getAllEventHandlers()).map((h) => h.name)).toEqual(["sdk_handler"]);
      await expect(events.addEventHandler({ ...handler, name: "sdk_handler" } as never)).rejects.toThrow();
      await events.removeEventHandler("sdk_handler");
      expect(await events.getAllEventHandlers()).toEqual([]);
    } finally {
      await baton.close();
    }
  });
});

describe("event handler actions", () => {
  it("starts a workflow from a message, with payload fields flowing into its input", async () => {
    const app = await boot();
    await defineWorkflow(app, "orders", [waitTask()]);
    await register(app, {
      name: "start_orders",
      event: "conductor:start_orders",
      actions: [
        {
          action: "start_workflow",
          start_workflow: {
            name: "orders",
            correlationId: "${orderId}",
            input: { orderId: "${orderId}", customerId: "${customer.id}", lines: "${lines}", note: "order ${orderId}" },
          },
        },
      ],
    });
    const { offset } = await publish(app, "conductor:start_orders", { orderId: "o-1", customer: { id: "c-7" }, lines: [{ sku: "A", qty: 2 }] });

    const [execution] = await executionsOf(app, "start_orders", 1);
    expect(execution).toMatchObject({
      id: `conductor.start_orders:0:${offset}_0`,
      messageId: `conductor.start_orders:0:${offset}`,
      name: "start_orders",
      event: "conductor:start_orders",
      status: "COMPLETED",
      action: "start_workflow",
    });
    const workflow = (await app.call("GET", `/api/workflow/${execution.output.workflowId}`)).json();
    expect(workflow.correlationId).toBe("o-1");
    expect(workflow.input).toEqual({
      orderId: "o-1",
      customerId: "c-7",
      lines: [{ sku: "A", qty: 2 }],
      note: "order o-1",
      "conductor.event.messageId": `conductor.start_orders:0:${offset}`,
      "conductor.event.name": "conductor:start_orders",
    });
  });

  it("records a FAILED execution when the workflow cannot start", async () => {
    const app = await boot();
    await register(app, { name: "start_missing", event: "conductor:missing", actions: [{ action: "start_workflow", start_workflow: { name: "nope" } }] });
    await publish(app, "conductor:missing", {});
    const [execution] = await executionsOf(app, "start_missing", 1);
    expect(execution).toMatchObject({ status: "FAILED", output: { exception: expect.stringContaining("nope") } });
  });

  it("completes a WAIT task by workflowId and taskRefName, so the workflow moves on at once", async () => {
    const app = await boot();
    await defineWorkflow(app, "payment", [waitTask(), { name: "after", taskReferenceName: "after", type: "SET_VARIABLE", inputParameters: { paid: "${wait.output.status}" } }]);
    await register(app, {
      name: "payment_done",
      event: "conductor:payments",
      actions: [{ action: "complete_task", complete_task: { workflowId: "${workflowId}", taskRefName: "wait", output: { status: "${status}" } } }],
    });
    const id = await start(app, "payment");
    await publish(app, "conductor:payments", { workflowId: id, status: "paid" });

    const workflow = await app.engine.waitForWorkflow(id, Date.now() + 5_000);
    expect(workflow.status).toBe("COMPLETED");
    expect(workflow.variables).toEqual({ paid: "paid" });
    const wait = (await app.call("GET", `/api/workflow/${id}`)).json().tasks.find((t: any) => t.referenceTaskName === "wait");
    expect(wait.status).toBe("COMPLETED");
    expect(wait.outputData).toMatchObject({ status: "paid", workflowId: id, taskRefName: "wait", "conductor.event.name": "conductor:payments" });
    const [execution] = await executionsOf(app, "payment_done", 1);
    expect(execution).toMatchObject({ status: "COMPLETED", action: "complete_task", output: { taskId: wait.taskId } });
  });

  it("fails a task by taskId with the reason from the message", async () => {
    const app = await boot();
    await defineWorkflow(app, "payment_fail", [waitTask()]);
    await register(app, {
      name: "payment_failed",
      event: "conductor:payment_failures",
      actions: [{ action: "fail_task", fail_task: { taskId: "${taskId}", reasonForIncompletion: "${why}" } }],
    });
    const id = await start(app, "payment_fail");
    const taskId = app.engine.getWorkflow(id).tasks[0]!.taskId;
    await publish(app, "conductor:payment_failures", { taskId, why: "card declined" });
    const workflow = await app.engine.waitForWorkflow(id, Date.now() + 5_000);
    expect(workflow.status).toBe("FAILED");
    expect(workflow.tasks[0]).toMatchObject({ status: "FAILED", reasonForIncompletion: "card declined" });
  });

  it("holds a completion that arrives before its WAIT task is reached, and applies it once it is", async () => {
    const app = await boot();
    await defineWorkflow(app, "shipping", [{ name: "pack", taskReferenceName: "pack", type: "SIMPLE" }, waitTask("delivered")]);
    await register(app, {
      name: "delivery",
      event: "kafka:deliveries",
      actions: [{ action: "complete_task", complete_task: { workflowId: "${workflowId}", taskRefName: "delivered", output: { at: "${at}" } } }],
    });
    const id = await start(app, "shipping");
    await publish(app, "kafka:deliveries", { workflowId: id, at: "12:00" });

    const [held] = await executionsOf(app, "delivery", 1, (e) => e.status === "IN_PROGRESS");
    expect(held.output).toMatchObject({ held: true, reason: `task 'delivered' of workflow ${id} has not been scheduled yet` });
    expect(app.engine.eventHandlers.heldCount()).toBe(1);

    const [pack] = (await app.call("GET", "/api/tasks/poll/batch/pack?workerid=w&timeout=1000")).json();
    expect((await app.call("POST", "/api/tasks", { workflowInstanceId: id, taskId: pack.taskId, status: "COMPLETED" })).status).toBe(200);

    const workflow = await app.engine.waitForWorkflow(id, Date.now() + 5_000);
    expect(workflow.status).toBe("COMPLETED");
    expect(workflow.tasks.find((t) => t.referenceTaskName === "delivered")?.outputData).toMatchObject({ at: "12:00" });
    const [execution] = await executionsOf(app, "delivery", 1);
    expect(execution).toMatchObject({ id: held.id, status: "COMPLETED", created: held.created });
    expect(app.engine.eventHandlers.heldCount()).toBe(0);
  });

  it("gives a held completion up after the hold time, with the reason", async () => {
    const app = await boot({ eventHandlers: { holdMs: 150 } });
    await defineWorkflow(app, "stuck", [{ name: "never_polled", taskReferenceName: "never_polled", type: "SIMPLE" }, waitTask()]);
    await register(app, {
      name: "too_early",
      event: "conductor:too_early",
      actions: [{ action: "complete_task", complete_task: { workflowId: "${workflowId}", taskRefName: "wait" } }],
    });
    const id = await start(app, "stuck");
    await publish(app, "conductor:too_early", { workflowId: id });
    const [execution] = await executionsOf(app, "too_early", 1);
    expect(execution).toMatchObject({
      status: "FAILED",
      output: { exception: `held for 0.15 s, but task 'wait' of workflow ${id} has not been scheduled yet; giving up` },
    });
    expect(app.engine.getWorkflow(id).status).toBe("RUNNING");
  });

  it("fails a held completion as soon as its workflow ends without reaching the task", async () => {
    const app = await boot();
    await defineWorkflow(app, "abandoned", [{ name: "slow", taskReferenceName: "slow", type: "SIMPLE" }, waitTask()]);
    await register(app, {
      name: "late_wait",
      event: "conductor:late_wait",
      actions: [{ action: "complete_task", complete_task: { workflowId: "${workflowId}", taskRefName: "wait" } }],
    });
    const id = await start(app, "abandoned");
    await publish(app, "conductor:late_wait", { workflowId: id });
    await executionsOf(app, "late_wait", 1, (e) => e.status === "IN_PROGRESS");
    expect((await app.call("DELETE", `/api/workflow/${id}?reason=gone`)).status).toBe(200);
    const [execution] = await executionsOf(app, "late_wait", 1);
    expect(execution).toMatchObject({ status: "FAILED", output: { exception: expect.stringContaining("is TERMINATED") } });
  });

  it("updates variables (appending to arrays) and terminates workflows from messages", async () => {
    const app = await boot();
    await defineWorkflow(app, "long_running", [
      { name: "init", taskReferenceName: "init", type: "SET_VARIABLE", inputParameters: { seen: ["a"] } },
      waitTask(),
    ]);
    await register(app, {
      name: "track",
      event: "conductor:tracking",
      actions: [
        {
          action: "update_workflow_variables",
          update_workflow_variables: { workflowId: "${workflowId}", variables: { seen: "${step}", last: "${step}" }, appendArray: true },
        },
      ],
    });
    await register(app, {
      name: "cancel",
      event: "conductor:cancellations",
      actions: [{ action: "terminate_workflow", terminate_workflow: { workflowId: "${workflowId}", terminationReason: "cancelled: ${why}" } }],
    });
    const id = await start(app, "long_running");
    await publish(app, "conductor:tracking", { workflowId: id, step: "b" });
    await publish(app, "conductor:tracking", { workflowId: id, step: "c" });
    await executionsOf(app, "track", 2);
    expect(app.engine.getWorkflow(id).variables).toEqual({ seen: ["a", "b", "c"], last: "c" });

    await publish(app, "conductor:cancellations", { workflowId: id, why: "customer" });
    const workflow = await app.engine.waitForWorkflow(id, Date.now() + 5_000);
    expect(workflow).toMatchObject({ status: "TERMINATED", reasonForIncompletion: "cancelled: customer" });
    expect((await executionsOf(app, "cancel", 1))[0]).toMatchObject({ status: "COMPLETED", action: "terminate_workflow", output: { workflowId: id } });
  });

  it("runs actions only for messages whose condition holds, and records the others as SKIPPED", async () => {
    const app = await boot();
    await defineWorkflow(app, "big_orders", [waitTask()]);
    await register(app, {
      name: "big_only",
      event: "conductor:sized_orders",
      condition: "$.amount > 100 && $.meta.source == 'web'",
      actions: [{ action: "start_workflow", start_workflow: { name: "big_orders", input: { amount: "${amount}" } } }],
    });
    await publish(app, "conductor:sized_orders", { amount: 50, meta: '{"source":"web"}' });
    await publish(app, "conductor:sized_orders", { amount: 500, meta: '{"source":"web"}' });
    const [small, big] = await executionsOf(app, "big_only", 2);
    expect(small).toMatchObject({ status: "SKIPPED", output: { condition: "$.amount > 100 && $.meta.source == 'web'", msg: expect.stringContaining('"amount":50') } });
    expect(small.action).toBeUndefined();
    expect(big).toMatchObject({ status: "COMPLETED", action: "start_workflow" });
    expect(app.engine.getWorkflow(big.output.workflowId).input).toMatchObject({ amount: 500 });
  });

  it("binds the payload as `$` for a ScriptEvaluator (a tiny fake of the port, for this test only)", async () => {
    // A fake evaluator, so the test shows exactly what the engine hands the port.
    const seen: Record<string, unknown>[] = [];
    const evaluator: ScriptEvaluator = {
      evaluate: (expression, bindings) => {
        seen.push(bindings);
        return { ok: true, value: expression === "yes" };
      },
    };
    const app = await boot({ evaluators: { javascript: evaluator } });
    await register(app, { name: "faked", event: "conductor:faked", condition: "yes", actions: [{ action: "terminate_workflow", terminate_workflow: { workflowId: "${id}" } }] });
    await publish(app, "conductor:faked", { id: "nope", nested: '{"a":1}' });
    const [execution] = await executionsOf(app, "faked", 1);
    expect(seen).toEqual([{ $: { id: "nope", nested: { a: 1 } } }]);
    expect(execution).toMatchObject({ status: "FAILED", output: { exception: "No such workflow found by id: nope" } });
  });

  it("fails a conditional handler clearly when no JavaScript evaluator is configured", async () => {
    const app = await boot({ evaluators: {} });
    await register(app, { name: "needs_js", event: "conductor:js", condition: "$.x > 1", actions: [{ action: "start_workflow", start_workflow: { name: "x" } }] });
    await publish(app, "conductor:js", { x: 2 });
    const [execution] = await executionsOf(app, "needs_js", 1);
    expect(execution).toMatchObject({ status: "FAILED", output: { exception: expect.stringContaining("needs a JavaScript evaluator") } });
  });

  it("listens only while a handler is active, and follows updates and deletes", async () => {
    const app = await boot();
    await defineWorkflow(app, "toggled", [waitTask()]);
    const handler = { name: "toggle", event: "conductor:toggle", actions: [{ action: "start_workflow", start_workflow: { name: "toggled" } }] };
    await register(app, { ...handler, active: false });
    await publish(app, "conductor:toggle", { n: 1 });
    expect((await app.call("PUT", "/api/event", { ...handler, active: true })).status).toBe(200);
    await publish(app, "conductor:toggle", { n: 2 });
    const [execution] = await executionsOf(app, "toggle", 1);
    expect(execution.messageId).toBe("conductor.toggle:0:1");
    expect((await app.call("DELETE", "/api/event/toggle")).status).toBe(200);
    await publish(app, "conductor:toggle", { n: 3 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await app.call("GET", "/api/event/executions/toggle")).json()).toHaveLength(1);
  });
});

describe("bus names: one rule on every bus (the in-process bus here, Kafka in tests/services/kafka-bus.test.ts)", () => {
  it("fires a handler on kafka:<topic> for a KAFKA_PUBLISH to <topic>, and one on the plain topic for kafka:<topic>", async () => {
    const app = await boot();
    await defineWorkflow(app, "shipping_ack", [waitTask("shipped")]);
    await register(app, {
      name: "shipments_by_scheme",
      event: "kafka:shipments",
      actions: [{ action: "complete_task", complete_task: { workflowId: "${workflowId}", taskRefName: "shipped", output: { carrier: "${carrier}" } } }],
    });
    const waiting = await start(app, "shipping_ack");
    // The publisher names the topic plainly, as a KAFKA_PUBLISH's kafka_request.topic does.
    await defineWorkflow(app, "ship", [
      {
        name: "announce",
        taskReferenceName: "announce",
        type: "KAFKA_PUBLISH",
        inputParameters: { kafka_request: { topic: "shipments", value: { workflowId: "${workflow.input.target}", carrier: "DHL" } } },
      },
    ]);
    await start(app, "ship", { target: waiting });
    const done = await app.engine.waitForWorkflow(waiting, Date.now() + 5_000);
    expect(done.status).toBe("COMPLETED");
    expect(done.tasks[0]?.outputData).toMatchObject({ carrier: "DHL" });
    const [execution] = await executionsOf(app, "shipments_by_scheme", 1);
    expect(execution).toMatchObject({ status: "COMPLETED", messageId: "shipments:0:0" });

    // The other way round: a handler on the plain name hears a message published to kafka:<topic>.
    await register(app, { name: "returns_plain", event: "returns", actions: [{ action: "update_workflow_variables", update_workflow_variables: { workflowId: "${workflowId}", variables: { returned: true } } }] });
    const other = await start(app, "shipping_ack");
    await publish(app, "kafka:returns", { workflowId: other });
    const [update] = await executionsOf(app, "returns_plain", 1);
    expect(update.status).toBe("COMPLETED");
    expect(app.engine.getWorkflow(other).variables).toEqual({ returned: true });
  });

  it("runs handlers on two spellings of one topic once each per message", async () => {
    const app = await boot();
    const action = [{ action: "start_workflow", start_workflow: { name: "nope" } }];
    await register(app, { name: "spelled_kafka", event: "kafka:invoices", actions: action });
    await register(app, { name: "spelled_plain", event: "invoices", actions: action });
    await publish(app, "invoices", {});
    await publish(app, "kafka:invoices", {});
    for (const name of ["spelled_kafka", "spelled_plain"]) {
      const executions = await executionsOf(app, name, 2);
      expect(executions.map((e: any) => e.messageId).sort()).toEqual(["invoices:0:0", "invoices:0:1"]);
    }
  });

  it("maps conductor:<queue> the same way for publishers and handlers", async () => {
    const app = await boot();
    await register(app, { name: "queue_plain", event: "conductor.wf.notify", actions: [{ action: "start_workflow", start_workflow: { name: "nope" } }] });
    await publish(app, "conductor:wf:notify", {});
    const [execution] = await executionsOf(app, "queue_plain", 1);
    expect(execution.messageId).toBe("conductor.wf.notify:0:0");
  });
});

describe("held events across a restart", () => {
  it("applies a completion held before a restart once the task waits after it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "baton-held-"));
    const rest = { kind: "rest" as const };
    try {
      let store = await openFileEventStore({ dir });
      let engine = await createEngine({ store, sweepIntervalMs: 20 });
      await engine.registerWorkflowDef(
        parseWorkflowDef({ name: "restart_shipping", tasks: [{ name: "pack", taskReferenceName: "pack" }, waitTask("delivered")] }),
        false,
        rest,
      );
      await engine.eventHandlers.add(
        parseEventHandler({
          name: "restart_delivery",
          event: "conductor:restart_deliveries",
          active: true,
          actions: [{ action: "complete_task", complete_task: { workflowId: "${workflowId}", taskRefName: "delivered" } }],
        }),
        rest,
      );
      const id = await engine.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "restart_shipping" }, "start"), rest);
      await engine.bus.publish("conductor:restart_deliveries", { value: JSON.stringify({ workflowId: id }) });
      await eventually(async () => (engine.eventHandlers.executions("restart_delivery")[0]?.status === "IN_PROGRESS" ? true : undefined), 5_000, 10);
      await engine.close();
      await store.close();

      store = await openFileEventStore({ dir });
      engine = await createEngine({ store, sweepIntervalMs: 20 });
      try {
        expect(engine.eventHandlers.heldCount()).toBe(1);
        const [pack] = await engine.poll("pack", { workerId: "w" });
        await engine.updateTask(parseOrThrow(TaskResultSchema, { workflowInstanceId: id, taskId: pack!.taskId, status: "COMPLETED" }, "result"), rest);
        expect((await engine.waitForWorkflow(id, Date.now() + 5_000)).status).toBe("COMPLETED");
        const [execution] = await eventually(async () => {
          const list = engine.eventHandlers.executions("restart_delivery");
          return list[0]?.status === "COMPLETED" ? list : undefined;
        }, 5_000, 10);
        expect(execution).toMatchObject({ action: "complete_task", output: { workflowId: id } });
      } finally {
        await engine.close();
        await store.close();
      }
    } finally {
      await removeDir(dir);
    }
  });
});
