/**
 * The seed's documents as written, in process on the memory bus: its example
 * workflow (KAFKA_PUBLISH to `email-hygiene-requests`, then an EVENT on
 * `conductor:email_hygiene_completed` without asyncComplete), a test
 * microservice replying on `conductor-events` the way the seed's services do
 * (failures as `{status: "failed", error_message}`), the engine and the router.
 * With the server's EVENT sink option the EVENT waits for the reply; without
 * it (Conductor's rule, the default) it completes at once, the reply is
 * unmatched with a reason saying how to make it wait, and registration warns.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import type { Bus } from "../../src/domain/ports.ts";
import type { EventSinkPolicy } from "../../src/domain/tasks/event.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { createEventRouter, type EventRouter } from "../../src/engine/router/event-router.ts";
import { restartPointFor } from "../../src/projections/retry-suggestion.ts";
import { eventually } from "../support/baton.ts";

const REQUESTS = "email-hygiene-requests";
const COMPLETIONS = "conductor-events";

/** The seed's example workflow, verbatim in shape: no asyncComplete on the EVENT. */
const SEED_WORKFLOW = {
  name: "email_hygiene",
  version: 1,
  schemaVersion: 2,
  tasks: [
    {
      name: "request_email_hygiene",
      taskReferenceName: "request_email_hygiene_ref",
      type: "KAFKA_PUBLISH",
      inputParameters: {
        kafka_request: {
          topic: REQUESTS,
          key: "${workflow.workflowId}",
          value: { workflowId: "${workflow.workflowId}", data: { email: "${workflow.input.email}" } },
        },
      },
    },
    { name: "wait_email_hygiene", taskReferenceName: "wait_email_hygiene_ref", type: "EVENT", sink: "conductor:email_hygiene_completed" },
  ],
  outputParameters: { clean: "${wait_email_hygiene_ref.output.clean}" },
};

interface Harness {
  engine: Engine;
  bus: Bus;
  router: EventRouter;
  logged: string[];
}

const opened: Harness[] = [];
afterEach(async () => {
  for (const h of opened.splice(0)) {
    await h.router.close();
    await h.engine.close();
  }
});

async function boot(eventSinks: EventSinkPolicy): Promise<Harness> {
  const logged: string[] = [];
  const bus = createMemoryBus();
  const store = createMemoryEventStore();
  const logger = { info: (message: string) => logged.push(message), error: (message: string) => logged.push(message) };
  const engine = await createEngine({ store, bus, sweepIntervalMs: 50, logger, eventSinks });
  const router = await createEventRouter({ engine, bus, store });
  const h = { engine, bus, router, logged };
  opened.push(h);
  // The seed's microservice: cleans the address, or reports a failure in its own field, error_message.
  bus.subscribe(REQUESTS, async (message) => {
    const request = JSON.parse(message.value) as { workflowId: string; data: { email: string } };
    const data = request.data.email.endsWith(".invalid")
      ? { status: "failed", error_message: `MX lookup failed for ${request.data.email.split("@")[1]}` }
      : { status: "completed", clean: request.data.email.trim().toLowerCase() };
    await bus.publish(COMPLETIONS, { key: request.workflowId, value: JSON.stringify({ workflowId: request.workflowId, eventType: "email_hygiene_completed", data }) });
  });
  return h;
}

async function run(h: Harness, email: string) {
  await h.engine.registerWorkflowDef(parseWorkflowDef(SEED_WORKFLOW), true, { kind: "rest" });
  const id = await h.engine.startWorkflow({ name: "email_hygiene", input: { email }, taskToDomain: {}, priority: 0 }, { kind: "rest" }, {});
  return h.engine.waitForWorkflow(id, Date.now() + 10_000);
}

const eventTaskOf = (h: Harness, workflowId: string) => h.engine.getWorkflow(workflowId).tasks.find((t) => t.referenceTaskName === "wait_email_hygiene_ref")!;

describe("the seed's EVENT sink with BATON_EVENT_SINK_WAITS (conductorSinksWait)", () => {
  it("waits for the service's reply and completes with it", async () => {
    const h = await boot({ conductorSinksWait: true });
    const workflow = await run(h, " Ada@Example.COM ");
    expect(workflow.status, workflow.reasonForIncompletion).toBe("COMPLETED");
    expect(workflow.output).toEqual({ clean: "ada@example.com" });
    const task = eventTaskOf(h, workflow.workflowId);
    expect(task).toMatchObject({ status: "COMPLETED", workerId: "baton:router", outputData: { status: "completed", clean: "ada@example.com" } });
    const stats = await eventually(async () => (h.router.stats().matched === 1 ? h.router.stats() : undefined), 5_000, 10);
    expect(stats).toMatchObject({ matched: 1, completed: 1, unmatched: 0 });
    // The option makes this EVENT wait, so registration has nothing to warn about.
    expect(h.logged.filter((line) => line.startsWith("warning:"))).toEqual([]);
  });

  it("fails the EVENT with the service's error_message, and the retry suggestion quotes it", async () => {
    const h = await boot({ conductorSinksWait: true });
    const workflow = await run(h, "bob@example.invalid");
    expect(workflow.status).toBe("FAILED");
    const task = eventTaskOf(h, workflow.workflowId);
    expect(task.status).toBe("FAILED");
    expect(task.reasonForIncompletion).toBe("MX lookup failed for example.invalid");
    expect(workflow.reasonForIncompletion).toContain("MX lookup failed for example.invalid");
    const suggestion = restartPointFor(workflow)!;
    expect(suggestion.reRunFromTaskRefName).toBe("request_email_hygiene_ref");
    expect(suggestion.reason).toContain("MX lookup failed for example.invalid");
    expect(suggestion.reason).not.toContain("never came");
  });
});

describe("the seed's EVENT sink with Conductor's rule (the default)", () => {
  it("completes the EVENT at once, records the reply as unmatched saying how to make it wait, and warns at registration", async () => {
    const h = await boot({});
    const workflow = await run(h, "ada@example.com");
    expect(workflow.status).toBe("COMPLETED");
    expect(eventTaskOf(h, workflow.workflowId).workerId).toBe("baton:system");
    const [unmatched] = await eventually(async () => {
      const list = await h.router.unmatched();
      return list.length > 0 ? list : undefined;
    }, 5_000, 10);
    expect(unmatched).toMatchObject({ cause: "no_task", workflowId: workflow.workflowId, eventType: "email_hygiene_completed" });
    expect(unmatched!.reason).toContain("give it asyncComplete: true, or start the server with BATON_EVENT_SINK_WAITS=true,");
    expect(h.logged).toContainEqual(
      expect.stringMatching(/^warning: workflow email_hygiene v1: tasks\[1\]: EVENT task 'wait_email_hygiene_ref' publishes to 'conductor:email_hygiene_completed' and completes at once/),
    );
  });

  it("returns the warnings from registration", async () => {
    const h = await boot({});
    const warnings = await h.engine.registerWorkflowDef(parseWorkflowDef(SEED_WORKFLOW), true, { kind: "rest" });
    expect(warnings).toEqual([{ path: "tasks[1]", message: expect.stringContaining("set asyncComplete: true (or start the server with BATON_EVENT_SINK_WAITS=true)") }]);
  });
});
