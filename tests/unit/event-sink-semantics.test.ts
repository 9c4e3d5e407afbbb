/**
 * The seed's EVENT semantics, pure: which EVENT tasks wait for a reply
 * (Conductor's rule, and the BATON_EVENT_SINK_WAITS policy), the registration
 * warning for an EVENT whose reply would find nothing waiting, and the retry
 * suggestion of a failed EVENT in the service's own words.
 */
import { describe, expect, it } from "vitest";
import { eventSinkWarnings } from "../../src/domain/definitions/event-sink-warnings.ts";
import { eventWaitsForReply } from "../../src/domain/tasks/event.ts";
import { restartPointFor } from "../../src/projections/retry-suggestion.ts";
import { poll, scenario, simpleTask, systemTask, workflowDef } from "../support/decider-spec.ts";

const publish = () =>
  systemTask("KAFKA_PUBLISH", "request_hygiene", {
    inputParameters: { kafka_request: { topic: "email-hygiene-requests", value: { data: { email: "${workflow.input.email}" } } } },
  });

/** The seed's example: KAFKA_PUBLISH the request, then an EVENT on conductor:email_hygiene_completed without asyncComplete. */
const seedWorkflow = () =>
  workflowDef([publish(), systemTask("EVENT", "await_hygiene", { sink: "conductor:email_hygiene_completed" })], { name: "email_hygiene" });

describe("eventWaitsForReply", () => {
  it("follows Conductor by default: only asyncComplete waits", () => {
    expect(eventWaitsForReply({ sink: "conductor:email_hygiene_completed", asyncComplete: false })).toBe(false);
    expect(eventWaitsForReply({ sink: "conductor:email_hygiene_completed", asyncComplete: true })).toBe(true);
  });

  it("with conductorSinksWait, a conductor:<name> sink waits; the bare queue and other schemes do not", () => {
    const policy = { conductorSinksWait: true };
    expect(eventWaitsForReply({ sink: "conductor:email_hygiene_completed", asyncComplete: false }, policy)).toBe(true);
    expect(eventWaitsForReply({ sink: "conductor", asyncComplete: false }, policy)).toBe(false);
    expect(eventWaitsForReply({ sink: "kafka:email_hygiene_completed", asyncComplete: false }, policy)).toBe(false);
  });
});

describe("eventSinkWarnings", () => {
  it("warns about the seed's EVENT: it completes at once and nothing after it waits", () => {
    expect(eventSinkWarnings(seedWorkflow())).toEqual([
      {
        path: "tasks[1]",
        message:
          "EVENT task 'await_hygiene' publishes to 'conductor:email_hygiene_completed' and completes at once (no asyncComplete), " +
          "and no WAIT or HUMAN task follows it: a reply with eventType 'email_hygiene_completed' would find nothing waiting. " +
          "If it expects a reply, set asyncComplete: true (or start the server with BATON_EVENT_SINK_WAITS=true)",
      },
    ]);
  });

  it("is quiet when the EVENT waits (asyncComplete, or the server's policy) or a WAIT/HUMAN follows it", () => {
    const asyncDef = workflowDef([publish(), systemTask("EVENT", "e", { sink: "conductor:x_completed", asyncComplete: true })]);
    expect(eventSinkWarnings(asyncDef)).toEqual([]);
    expect(eventSinkWarnings(seedWorkflow(), { conductorSinksWait: true })).toEqual([]);
    const thenWait = workflowDef([publish(), systemTask("EVENT", "e", { sink: "conductor:x_completed" }), simpleTask("log"), systemTask("HUMAN", "h")]);
    expect(eventSinkWarnings(thenWait)).toEqual([]);
  });

  it("finds EVENT tasks in nested lists, and names the option only for conductor: sinks", () => {
    const def = workflowDef([
      {
        ...systemTask("FORK_JOIN", "fork"),
        forkTasks: [[systemTask("EVENT", "left_event", { sink: "kafka:audit" })], [simpleTask("right")]],
      },
      systemTask("JOIN", "join", { joinOn: ["left_event", "right"] }),
    ]);
    const warnings = eventSinkWarnings(def, { conductorSinksWait: true });
    expect(warnings.map((w) => w.path)).toEqual(["tasks[0].forkTasks[0][0]"]);
    expect(warnings[0]!.message).toMatch(/set asyncComplete: true$/);
  });
});

describe("restartPointFor a failed EVENT", () => {
  /** The seed's workflow waiting for its reply (the EVENT with asyncComplete, as the option makes it). */
  function waiting() {
    const def = workflowDef([publish(), systemTask("EVENT", "await_hygiene", { sink: "conductor:email_hygiene_completed", asyncComplete: true })]);
    const flow = scenario(def);
    flow.run(poll(flow.task("request_hygiene").taskId, "baton:system"));
    flow.complete("request_hygiene");
    flow.run(poll(flow.task("await_hygiene").taskId, "baton:system"));
    return flow;
  }

  it("puts the service's message in the reason, not 'its reply never came'", () => {
    const flow = waiting();
    flow.fail("await_hygiene", "MX lookup failed for example.invalid");
    const suggestion = restartPointFor(flow.state)!;
    expect(suggestion).toMatchObject({ reRunFromTaskRefName: "request_hygiene", resetTasks: ["request_hygiene", "await_hygiene"] });
    expect(suggestion.reason).toBe(
      "EVENT task 'await_hygiene' FAILED: MX lookup failed for example.invalid, so rerun from 'request_hygiene' (KAFKA_PUBLISH), the task that published the request",
    );
    expect(suggestion.reason).not.toMatch(/never came/);
  });

  it("says the reply never came when the EVENT failed without a reason", () => {
    const flow = waiting();
    flow.fail("await_hygiene", "");
    expect(restartPointFor(flow.state)?.reason).toMatch(/^EVENT task 'await_hygiene' FAILED: its reply never came, so rerun from 'request_hygiene'/);
  });
});
