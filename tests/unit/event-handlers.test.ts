/**
 * Event handlers, pure parts: the schema at the edge (Conductor's
 * EventHandler.java, field-path errors), the registry decider as
 * given/when/then, `${...}` resolution against a message, where a
 * complete_task goes (now, later, never) and the executions projection.
 */
import { describe, expect, it } from "vitest";
import {
  conditionMet,
  expandInlineJson,
  parsePayload,
  resolveAction,
  variablesToSet,
} from "../../src/domain/event-handlers/actions.ts";
import {
  addEventHandler,
  type EventHandlerState,
  evolveEventHandler,
  noEventHandler,
  removeEventHandler,
  updateEventHandler,
} from "../../src/domain/event-handlers/decide.ts";
import type { EventExecution, EventHandlerEvent } from "../../src/domain/event-handlers/events.ts";
import { type EventHandler, type EventHandlerAction, parseEventHandler } from "../../src/domain/event-handlers/schema.ts";
import { locateTask } from "../../src/domain/event-handlers/target.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../src/domain/errors.ts";
import { foldWorkflow } from "../../src/domain/workflow/evolve.ts";
import { applyExecutionRecorded, type HeldEvent } from "../../src/projections/event-handlers.ts";
import { completed, scheduled, simpleTask, started, T0, WORKFLOW_ID, workflowDef } from "../support/decider-spec.ts";
import { validationErrorOf } from "../support/errors.ts";


const startOrders = {
  name: "start_orders",
  event: "conductor:start_orders",
  actions: [{ action: "start_workflow", start_workflow: { name: "orders", input: { orderId: "${orderId}" } } }],
};

describe("EventHandler schema (EventHandler.java)", () => {
  it("defaults active to false, as Conductor does, and keeps unknown fields", () => {
    const handler = parseEventHandler({ ...startOrders, orgId: "acme" });
    expect(handler.active).toBe(false);
    expect(handler).toMatchObject({ orgId: "acme", actions: [{ action: "start_workflow" }] });
    expect(parseEventHandler({ ...startOrders, active: null }).active).toBe(false);
  });

  it("accepts every action with its parameters, nulls from Java clients included", () => {
    const handler = parseEventHandler({
      name: "all",
      event: "kafka:orders",
      condition: null,
      active: true,
      actions: [
        { action: "complete_task", complete_task: { workflowId: "${wf}", taskRefName: "wait", output: { ok: true } }, fail_task: null },
        { action: "fail_task", fail_task: { taskId: "${taskId}", reasonForIncompletion: "${why}" } },
        { action: "terminate_workflow", terminate_workflow: { workflowId: "${wf}", terminationReason: "cancelled" } },
        { action: "update_workflow_variables", update_workflow_variables: { workflowId: "${wf}", variables: { a: 1 }, appendArray: true } },
        { action: "start_workflow", start_workflow: { name: "orders", version: 2, correlationId: "${id}" }, expandInlineJSON: true },
      ],
    });
    expect(handler.actions.map((a) => a.action)).toEqual([
      "complete_task",
      "fail_task",
      "terminate_workflow",
      "update_workflow_variables",
      "start_workflow",
    ]);
  });

  it("names each offending field and what was expected", () => {
    const error = validationErrorOf(() => parseEventHandler({ actions: [{ action: "start_agent" }] }));
    expect(error.fieldErrors.map((e) => e.path)).toEqual(["name", "event", "actions[0].action"]);
    expect(error.message).toContain("actions[0].action: action must be one of start_workflow, complete_task");
  });

  it("requires the parameters of the chosen action", () => {
    const missing = validationErrorOf(() => parseEventHandler({ ...startOrders, actions: [{ action: "complete_task" }] }));
    expect(missing.fieldErrors).toEqual([expect.objectContaining({ path: "actions[0].complete_task", message: "complete_task is required" })]);
    const unnamed = validationErrorOf(() => parseEventHandler({ ...startOrders, actions: [{ action: "start_workflow", start_workflow: {} }] }));
    expect(unnamed.fieldErrors[0]?.path).toBe("actions[0].start_workflow.name");
    const untargeted = validationErrorOf(() =>
      parseEventHandler({ ...startOrders, actions: [{ action: "fail_task", fail_task: { taskRefName: "wait" } }] }),
    );
    expect(untargeted.fieldErrors[0]).toMatchObject({ path: "actions[0].fail_task", message: "expected taskId, or workflowId and taskRefName" });
  });

  it("refuses an empty action list and prefixes paths with a list index", () => {
    const error = validationErrorOf(() => parseEventHandler({ ...startOrders, actions: [] }, "[1]"));
    expect(error.fieldErrors[0]).toMatchObject({ path: "[1].actions", message: "actions must hold at least one action" });
  });
});

describe("event handler registry decider (MetadataServiceImpl)", () => {
  const handler = parseEventHandler(startOrders);
  const registered: EventHandlerEvent = { type: "EventHandlerRegistered", data: { handler, time: T0 } };

  function given(history: EventHandlerEvent[]) {
    const state = history.reduce(evolveEventHandler, noEventHandler());
    return {
      when: (command: (state: EventHandlerState) => EventHandlerEvent[]) => ({
        then: (expected: EventHandlerEvent[]) => expect(command(state)).toEqual(expected),
        thenThrows: (errorClass: new (message: string) => Error, message: string) => {
          expect(() => command(state)).toThrow(errorClass);
          expect(() => command(state)).toThrow(message);
        },
      }),
    };
  }

  it("adds a new handler", () => {
    given([])
      .when((s) => addEventHandler(s, handler, T0))
      .then([registered]);
  });

  it("refuses to add a name in use (409)", () => {
    given([registered])
      .when((s) => addEventHandler(s, handler, T0 + 1))
      .thenThrows(ConflictError, "EventHandler with name start_orders already exists!");
  });

  it("adds a name again once it was removed", () => {
    given([registered, { type: "EventHandlerRemoved", data: { name: "start_orders", time: T0 + 1 } }])
      .when((s) => addEventHandler(s, handler, T0 + 2))
      .then([{ type: "EventHandlerRegistered", data: { handler, time: T0 + 2 } }]);
  });

  it("updates an existing handler, and refuses an unknown one (404)", () => {
    const activated: EventHandler = { ...handler, active: true };
    given([registered])
      .when((s) => updateEventHandler(s, activated, T0 + 1))
      .then([{ type: "EventHandlerRegistered", data: { handler: activated, time: T0 + 1 } }]);
    given([])
      .when((s) => updateEventHandler(s, activated, T0))
      .thenThrows(NotFoundError, "EventHandler with name start_orders not found!");
  });

  it("removes a handler, and refuses an unknown one (404)", () => {
    given([registered])
      .when((s) => removeEventHandler(s, "start_orders", T0 + 1))
      .then([{ type: "EventHandlerRemoved", data: { name: "start_orders", time: T0 + 1 } }]);
    given([])
      .when((s) => removeEventHandler(s, "nope", T0))
      .thenThrows(NotFoundError, "EventHandler with name nope not found!");
  });
});

describe("resolving actions against a message (SimpleActionProcessor)", () => {
  const origin = { messageId: "conductor:orders:0:7", event: "conductor:orders" };
  const action = (raw: unknown): EventHandlerAction => parseEventHandler({ ...startOrders, actions: [raw] }).actions[0]!;

  it("reads paths from the payload root: top-level keys, nested paths, `$`, and keeps types", () => {
    const resolved = resolveAction(
      action({
        action: "start_workflow",
        start_workflow: {
          name: "orders",
          version: 3,
          correlationId: "${data.id}",
          input: { orderId: "${orderId}", lines: "${data.lines}", first: "${$.data.lines[0]}", label: "order ${orderId}", missing: "${nope}" },
        },
      }),
      { orderId: 42, data: { id: "c-1", lines: [{ sku: "A" }] } },
      origin,
    );
    expect(resolved).toEqual({
      ok: true,
      value: {
        action: "start_workflow",
        name: "orders",
        version: 3,
        correlationId: "c-1",
        taskToDomain: {},
        input: {
          orderId: 42,
          lines: [{ sku: "A" }],
          first: { sku: "A" },
          label: "order 42",
          missing: null,
          "conductor.event.messageId": "conductor:orders:0:7",
          "conductor.event.name": "conductor:orders",
        },
      },
    });
  });

  it("takes taskToDomain from the payload when the action has none", () => {
    const resolved = resolveAction(action({ action: "start_workflow", start_workflow: { name: "orders" } }), { taskToDomain: { pay: "eu" } }, origin);
    expect(resolved.ok && resolved.value.action === "start_workflow" && resolved.value.taskToDomain).toEqual({ pay: "eu" });
  });

  it("builds Conductor's task output: the resolved identity, the output, and the message origin", () => {
    const resolved = resolveAction(
      action({ action: "complete_task", complete_task: { workflowId: "${wf}", taskRefName: "wait", output: { status: "${status}" } } }),
      { wf: "wf-9", status: "paid" },
      origin,
    );
    expect(resolved).toEqual({
      ok: true,
      value: {
        action: "complete_task",
        task: {
          workflowId: "wf-9",
          taskRefName: "wait",
          output: {
            workflowId: "wf-9",
            taskRefName: "wait",
            status: "paid",
            "conductor.event.messageId": "conductor:orders:0:7",
            "conductor.event.name": "conductor:orders",
          },
        },
      },
    });
  });

  it("fails clearly when the target resolves to nothing", () => {
    const complete = resolveAction(action({ action: "complete_task", complete_task: { workflowId: "${wf}", taskRefName: "wait" } }), {}, origin);
    expect(complete).toEqual({ ok: false, error: expect.stringContaining("resolved to nothing") });
    const terminate = resolveAction(action({ action: "terminate_workflow", terminate_workflow: { workflowId: "${wf}" } }), {}, origin);
    expect(terminate).toEqual({ ok: false, error: "terminate_workflow.workflowId '${wf}' resolved to nothing from the message" });
  });

  it("expands inline JSON only when the action asks for it", () => {
    const payload = { body: '{"id":"wf-3"}' };
    const raw = { action: "terminate_workflow", terminate_workflow: { workflowId: "${body.id}" } };
    expect(resolveAction(action(raw), payload, origin).ok).toBe(false);
    expect(resolveAction(action({ ...raw, expandInlineJSON: true }), payload, origin)).toMatchObject({ ok: true, value: { workflowId: "wf-3" } });
  });

  it("parses payloads and inline JSON as Conductor does", () => {
    expect(parsePayload('{"a":1}')).toEqual({ a: 1 });
    expect(parsePayload("not json")).toBe("not json");
    expect(expandInlineJson({ a: '{"b":"[1,2]"}', c: "{oops", d: ["[3]"] })).toEqual({ a: { b: [1, 2] }, c: "{oops", d: [[3]] });
  });

  it("treats only true and positive numbers as a met condition (ScriptEvaluator.toBoolean)", () => {
    expect([true, 1, 0.5].map(conditionMet)).toEqual([true, true, true]);
    expect([false, 0, -1, "true", {}, null, undefined].map(conditionMet)).toEqual([false, false, false, false, false, false, false]);
  });

  it("appends to array variables with appendArray, and replaces otherwise", () => {
    const current = { seen: ["a"], count: 1 };
    expect(variablesToSet(current, { seen: ["b", "c"], count: 2 }, true)).toEqual({ seen: ["a", "b", "c"], count: 2 });
    expect(variablesToSet(current, { seen: "d" }, true)).toEqual({ seen: ["a", "d"] });
    expect(variablesToSet(current, { seen: ["b"] }, false)).toEqual({ seen: ["b"] });
  });
});

describe("where a complete_task goes: now, later (held), never", () => {
  const fetch = simpleTask("fetch");
  const wait = simpleTask("wait_for_payment", { taskReferenceName: "wait" });
  const definition = workflowDef([fetch, wait]);
  const running = foldWorkflow([started(definition), scheduled(fetch, { taskId: "t1", seq: 1 })]);
  const waiting = foldWorkflow([completed("t1"), scheduled(wait, { taskId: "t2", seq: 2 })], running);
  const byRef = { workflowId: WORKFLOW_ID, taskRefName: "wait", output: {} };

  it("is ready when the latest attempt of the reference is waiting", () => {
    expect(locateTask(byRef, waiting)).toEqual({ kind: "ready", workflowId: WORKFLOW_ID, taskId: "t2" });
    expect(locateTask({ taskId: "t2", output: {} }, waiting)).toEqual({ kind: "ready", workflowId: WORKFLOW_ID, taskId: "t2" });
  });

  it("is held while the workflow has not reached the task", () => {
    expect(locateTask(byRef, running)).toEqual({ kind: "hold", reason: `task 'wait' of workflow ${WORKFLOW_ID} has not been scheduled yet` });
    expect(locateTask({ taskId: "later", output: {} }, undefined).kind).toBe("hold");
  });

  it("is gone when the workflow does not exist, has ended, or the task already ended", () => {
    expect(locateTask(byRef, undefined)).toEqual({ kind: "gone", reason: `No such workflow found by id: ${WORKFLOW_ID}` });
    const ended = foldWorkflow([completed("t2")], waiting);
    expect(locateTask(byRef, ended).kind).toBe("gone");
    expect(locateTask({ ...byRef, workflowId: "other" }, waiting)).toMatchObject({ kind: "gone", reason: expect.stringContaining("belongs to workflow") });
  });
});

describe("executions projection", () => {
  const execution = (status: EventExecution["status"]): EventExecution => ({
    id: "m:0:1_0",
    messageId: "m:0:1",
    name: "h",
    event: "m",
    created: T0,
    status,
    action: "complete_task",
    output: {},
  });

  it("replaces a held execution by its outcome, in place, and drops it from the held index", () => {
    const executions = new Map<string, Map<string, EventExecution>>();
    const held = new Map<string, HeldEvent>();
    const hold = { action: "complete_task" as const, task: { taskId: "t1", output: {} }, until: T0 + 1 };
    applyExecutionRecorded(executions, held, { type: "EventExecutionRecorded", data: { execution: execution("IN_PROGRESS"), held: hold } });
    expect(held.size).toBe(1);
    applyExecutionRecorded(executions, held, { type: "EventExecutionRecorded", data: { execution: execution("COMPLETED") } });
    expect(held.size).toBe(0);
    expect([...executions.get("h")!.values()].map((e) => e.status)).toEqual(["COMPLETED"]);
  });
});
