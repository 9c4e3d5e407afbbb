/**
 * The event router's pure parts: reading a completion event, what it does to
 * its task, and which task it is for given the workflow's state (the task it
 * names, then an EVENT sink, then a configured mapping), plus the holds fold
 * and the mappings setting.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { ValidationError } from "../../src/domain/errors.ts";
import { type CompletionEvent, completionOutcome, parseCompletion } from "../../src/domain/router/completion.ts";
import { type HeldCompletion, openHolds } from "../../src/domain/router/events.ts";
import { normaliseEventName, routeCompletion } from "../../src/domain/router/match.ts";
import { poll, scenario, simpleTask, systemTask, WORKFLOW_ID, workflowDef } from "../support/decider-spec.ts";

const EVENT_TYPE = "email_validation_completed";

const request = () =>
  systemTask("KAFKA_PUBLISH", "request", { inputParameters: { kafka_request: { topic: "email-validation-requests", value: { email: "a@b.c" } } } });

/** The seed's flow: KAFKA_PUBLISH the request, then an asyncComplete EVENT waits for the reply. */
const sinkFlow = () =>
  workflowDef([request(), systemTask("EVENT", "await_reply", { sink: `conductor:${EVENT_TYPE}`, asyncComplete: true })], { name: "email_validation" });

const completion = (fields: Partial<CompletionEvent> = {}): CompletionEvent => ({
  workflowId: WORKFLOW_ID,
  eventType: EVENT_TYPE,
  data: { status: "completed", valid: true },
  ...fields,
});

/** The sink flow with the request published and the EVENT task started (waiting for the reply). */
function waitingForReply() {
  const flow = scenario(sinkFlow());
  flow.run(poll(flow.task("request").taskId, "baton:system"));
  flow.complete("request");
  flow.run(poll(flow.task("await_reply").taskId, "baton:system"));
  return flow;
}

describe("parseCompletion", () => {
  it("reads the seed services' shape and drops blank task fields", () => {
    const parsed = parseCompletion(JSON.stringify({ workflowId: "w1", taskId: " ", eventType: "x_completed", data: { status: "completed", n: 1 } }));
    expect(parsed).toEqual({ ok: true, value: { workflowId: "w1", eventType: "x_completed", data: { status: "completed", n: 1 } } });
  });

  it("treats a missing data as an empty result", () => {
    expect(parseCompletion('{"workflowId":"w1","eventType":"x","taskRefName":"r"}')).toEqual({
      ok: true,
      value: { workflowId: "w1", eventType: "x", taskRefName: "r", data: {} },
    });
  });

  it.each([
    ["not json", /^not JSON: /],
    ["[1,2]", /expected a JSON object/],
    ['{"eventType":"x","data":{}}', /workflowId is required/],
    ['{"workflowId":"w1","data":{}}', /eventType is required/],
    ['{"workflowId":"","eventType":"x"}', /workflowId: workflowId must not be empty/],
    ['{"workflowId":"w1","eventType":"x","data":"done"}', /data: data must be a JSON object/],
  ])("rejects %s with a reason naming the field", (text, reason) => {
    const parsed = parseCompletion(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });
});

describe("completionOutcome", () => {
  it("completes on any status but failed/error", () => {
    for (const status of ["completed", "COMPLETED", "ok", undefined]) {
      expect(completionOutcome(completion({ data: { status } }))).toEqual({ status: "COMPLETED" });
    }
  });

  it("fails on failed or error, any case, with the message (or error) as reason", () => {
    expect(completionOutcome(completion({ data: { status: "FAILED", message: "mailbox unknown" } }))).toEqual({ status: "FAILED", reason: "mailbox unknown" });
    expect(completionOutcome(completion({ data: { status: "Error", error: { code: 42 } } }))).toEqual({ status: "FAILED", reason: '{"code":42}' });
    expect(completionOutcome(completion({ data: { status: "failed" } }))).toEqual({
      status: "FAILED",
      reason: "email_validation_completed reported status 'failed'",
    });
  });

  it("reads the seed services' error_message (before message, error and reason), skipping blank fields", () => {
    const seedReply = { status: "failed", error_message: "MX lookup failed for example.invalid", message: "" };
    expect(completionOutcome(completion({ data: seedReply }))).toEqual({ status: "FAILED", reason: "MX lookup failed for example.invalid" });
    expect(completionOutcome(completion({ data: { status: "failed", error_message: "  ", error: "quota exceeded" } }))).toEqual({
      status: "FAILED",
      reason: "quota exceeded",
    });
    expect(completionOutcome(completion({ data: { status: "error", errorMessage: "timeout talking to SMTP" } }))).toEqual({
      status: "FAILED",
      reason: "timeout talking to SMTP",
    });
  });
});

describe("normaliseEventName", () => {
  it("keeps the part after the last ':' in lower case", () => {
    expect(normaliseEventName("conductor:email_hygiene_completed")).toBe("email_hygiene_completed");
    expect(normaliseEventName("kafka:ns:Email_Hygiene_Completed")).toBe("email_hygiene_completed");
    expect(normaliseEventName("plain")).toBe("plain");
  });
});

describe("routeCompletion", () => {
  it("records a completion for an unknown workflow as such", () => {
    expect(routeCompletion(completion(), undefined, {})).toEqual({ kind: "unknown_workflow", reason: `No such workflow found by id: ${WORKFLOW_ID}` });
  });

  it("applies a completion to the IN_PROGRESS EVENT task whose sink is the event type", () => {
    const flow = waitingForReply();
    const taskId = flow.task("await_reply").taskId;
    for (const eventType of [EVENT_TYPE, "Email_Validation_COMPLETED", `conductor:${EVENT_TYPE}`]) {
      expect(routeCompletion(completion({ eventType }), flow.state, {})).toEqual({
        kind: "ready",
        taskId,
        rule: "sink",
        target: { taskRefName: "await_reply" },
      });
    }
  });

  it("holds a completion that arrives before the EVENT task is scheduled or started", () => {
    const flow = scenario(sinkFlow());
    expect(routeCompletion(completion(), flow.state, {})).toMatchObject({
      kind: "hold",
      rule: "sink",
      target: { taskRefName: "await_reply" },
      reason: `task 'await_reply' of workflow ${WORKFLOW_ID} has not been scheduled yet`,
    });
    flow.run(poll(flow.task("request").taskId, "baton:system"));
    flow.complete("request");
    // Scheduled, but the engine has not published it yet: not waiting.
    expect(routeCompletion(completion(), flow.state, {})).toMatchObject({ kind: "hold", reason: /is SCHEDULED, not waiting yet/ });
  });

  it("counts a completion for a task that already ended as a duplicate", () => {
    const flow = waitingForReply();
    const taskId = flow.task("await_reply").taskId;
    flow.complete("await_reply", { valid: true });
    expect(flow.state.status).toBe("COMPLETED");
    expect(routeCompletion(completion(), flow.state, {})).toMatchObject({ kind: "duplicate", taskId, status: "COMPLETED", rule: "sink" });
  });

  it("uses the task the event names first: by id, by reference, or an id that is a reference", () => {
    const flow = waitingForReply();
    const taskId = flow.task("await_reply").taskId;
    expect(routeCompletion(completion({ eventType: "other", taskId }), flow.state, {})).toMatchObject({ kind: "ready", taskId, rule: "task", target: { taskId } });
    expect(routeCompletion(completion({ eventType: "other", taskRefName: "await_reply" }), flow.state, {})).toMatchObject({
      kind: "ready",
      rule: "task",
      target: { taskRefName: "await_reply" },
    });
    expect(routeCompletion(completion({ eventType: "other", taskId: "await_reply" }), flow.state, {})).toMatchObject({
      kind: "ready",
      rule: "task",
      target: { taskRefName: "await_reply" },
    });
  });

  it("looks past a named task that waits for nothing (a service echoing its KAFKA_PUBLISH task id)", () => {
    const flow = waitingForReply();
    const echoed = completion({ taskId: flow.task("request").taskId });
    expect(routeCompletion(echoed, flow.state, {})).toMatchObject({ kind: "ready", taskId: flow.task("await_reply").taskId, rule: "sink" });
  });

  it("matches the WAIT task that follows an EVENT without asyncComplete (KAFKA_PUBLISH -> EVENT -> WAIT)", () => {
    const def = workflowDef([request(), systemTask("EVENT", "announce", { sink: `conductor:${EVENT_TYPE}` }), systemTask("WAIT", "wait_reply")]);
    const flow = scenario(def);
    expect(routeCompletion(completion(), flow.state, {})).toMatchObject({ kind: "hold", rule: "sink", target: { taskRefName: "wait_reply" } });
    flow.run(poll(flow.task("request").taskId, "baton:system"));
    flow.complete("request");
    flow.run(poll(flow.task("announce").taskId, "baton:system"));
    flow.complete("announce");
    expect(flow.task("wait_reply").status).toBe("IN_PROGRESS");
    expect(routeCompletion(completion(), flow.state, {})).toMatchObject({ kind: "ready", taskId: flow.task("wait_reply").taskId, rule: "sink" });
  });

  it("falls back to the configured mapping (event types compared like sinks)", () => {
    const def = workflowDef([systemTask("WAIT", "validate_email_ref")]);
    const flow = scenario(def);
    const waiting = flow.task("validate_email_ref");
    expect(routeCompletion(completion(), flow.state, { "Email_Validation_Completed": "validate_email_ref" })).toEqual({
      kind: "ready",
      taskId: waiting.taskId,
      rule: "mapping",
      target: { taskRefName: "validate_email_ref" },
    });
    expect(routeCompletion(completion(), flow.state, { [EVENT_TYPE]: "no_such_ref" })).toMatchObject({
      kind: "no_task",
      reason: /no task of workflow wf-1 \(orders\) waits for 'email_validation_completed'/,
    });
  });

  it("prefers the task the event names over a sink match", () => {
    const def = workflowDef([
      systemTask("EVENT", "first", { sink: `conductor:${EVENT_TYPE}`, asyncComplete: true }),
      simpleTask("review"),
    ]);
    const flow = scenario(def);
    flow.run(poll(flow.task("first").taskId, "baton:system"));
    // 'review' is not scheduled yet: the named task wins and the completion is held for it.
    expect(routeCompletion(completion({ taskRefName: "review" }), flow.state, {})).toMatchObject({ kind: "hold", rule: "task", target: { taskRefName: "review" } });
  });

  it("does not match an EVENT task without asyncComplete, nor an unrelated event type", () => {
    const def = workflowDef([systemTask("EVENT", "notify", { sink: `conductor:${EVENT_TYPE}` })]);
    expect(routeCompletion(completion(), scenario(def).state, {}).kind).toBe("no_task");
    expect(routeCompletion(completion({ eventType: "something_else" }), waitingForReply().state, {}).kind).toBe("no_task");
  });

  it("with conductorSinksWait, matches the seed's EVENT without asyncComplete itself once it waits", () => {
    const seed = workflowDef([request(), systemTask("EVENT", "await_reply", { sink: `conductor:${EVENT_TYPE}` })], { name: "email_validation" });
    const flow = scenario(seed);
    const policy = { conductorSinksWait: true };
    expect(routeCompletion(completion(), flow.state, {}, policy)).toMatchObject({ kind: "hold", rule: "sink", target: { taskRefName: "await_reply" } });
    flow.run(poll(flow.task("request").taskId, "baton:system"));
    flow.complete("request");
    flow.run(poll(flow.task("await_reply").taskId, "baton:system"));
    expect(routeCompletion(completion(), flow.state, {}, policy)).toEqual({
      kind: "ready",
      taskId: flow.task("await_reply").taskId,
      rule: "sink",
      target: { taskRefName: "await_reply" },
    });
    // Conductor's rule (the default): that EVENT completes on publishing and waits for nothing.
    expect(routeCompletion(completion(), flow.state, {})).toMatchObject({ kind: "no_task" });
  });

  it("conductorSinksWait leaves kafka: sinks to Conductor's rule", () => {
    const def = workflowDef([systemTask("EVENT", "notify", { sink: `kafka:${EVENT_TYPE}` })]);
    expect(routeCompletion(completion(), scenario(def).state, {}, { conductorSinksWait: true }).kind).toBe("no_task");
  });

  it("says why a reply for an EVENT that completes on publishing matches nothing, and how to make it wait", () => {
    const def = workflowDef([request(), systemTask("EVENT", "announce", { sink: `conductor:${EVENT_TYPE}` })]);
    expect(routeCompletion(completion(), scenario(def).state, {})).toMatchObject({
      kind: "no_task",
      reason: expect.stringContaining(
        `EVENT task 'announce' has the sink 'conductor:${EVENT_TYPE}' but completes on publishing: give it asyncComplete: true, or start the server with BATON_EVENT_SINK_WAITS=true,`,
      ),
    });
  });

  it("says a task is gone when its workflow ended without it", () => {
    const flow = scenario(sinkFlow());
    flow.run({ type: "TerminateWorkflow", reason: "stop" });
    expect(routeCompletion(completion(), flow.state, {})).toMatchObject({
      kind: "gone",
      reason: `workflow ${WORKFLOW_ID} is TERMINATED, so task 'await_reply' will not wait again`,
    });
  });
});

describe("openHolds", () => {
  const held = (messageId: string): HeldCompletion => ({
    messageId,
    message: { topic: "conductor-events", partition: 0, offset: messageId },
    completion: completion(),
    rule: "sink",
    target: { taskRefName: "await_reply" },
    reason: "not yet",
    heldAt: 0,
    until: 1,
  });

  it("leaves the holds that were not released", () => {
    expect(
      openHolds([
        { type: "CompletionHeld", data: held("a") },
        { type: "CompletionHeld", data: held("b") },
        { type: "HeldCompletionReleased", data: { messageId: "a", outcome: "applied", time: 2 } },
      ]).map((h) => h.messageId),
    ).toEqual(["b"]);
  });
});

describe("router configuration", () => {
  it("defaults to an enabled router on conductor-events without mappings", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ BATON_ROUTER_ENABLED: true, BATON_ROUTER_TOPIC: "conductor-events", BATON_ROUTER_MAPPINGS: {}, BATON_ROUTER_HOLD_MS: 300000 });
  });

  it("reads mappings as JSON and names the variable when they are wrong", () => {
    expect(loadConfig({ BATON_ROUTER_MAPPINGS: '{"email_validation_completed": "validate_email_ref"}' }).BATON_ROUTER_MAPPINGS).toEqual({
      email_validation_completed: "validate_email_ref",
    });
    expect(() => loadConfig({ BATON_ROUTER_MAPPINGS: "{not json" })).toThrow(/BATON_ROUTER_MAPPINGS: must be JSON/);
    expect(() => loadConfig({ BATON_ROUTER_MAPPINGS: '{"a": 1}' })).toThrow(ValidationError);
    expect(() => loadConfig({ BATON_ROUTER_MAPPINGS: '{"a": 1}' })).toThrow(/BATON_ROUTER_MAPPINGS\.a: must be a task reference name/);
    expect(() => loadConfig({ BATON_ROUTER_MAPPINGS: "[]" })).toThrow(/BATON_ROUTER_MAPPINGS: must be a JSON object/);
    expect(() => loadConfig({ BATON_ROUTER_ENABLED: "maybe" })).toThrow(/BATON_ROUTER_ENABLED must be true or false/);
  });
});
