/**
 * The publishing reactors (KAFKA_PUBLISH, EVENT) record a task's start with
 * the publish's outcome, in one append (ReactorClaim `with-outcome`), instead
 * of a claim appended before the publish and the outcome after it: two fewer
 * appends (two fsyncs on the file store) on the sink round trip's path. What
 * must not change: at least once (a publish the process died during is sent
 * again) and at most one run per process at a time (the periodic drain does
 * not send it a second time while the first is under way).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema } from "../../src/domain/definitions/requests.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import type { Bus, EventStore } from "../../src/domain/ports.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { eventually } from "../support/baton.ts";

const rest = { kind: "rest" as const };
const startRequest = (input: unknown) => parseOrThrow(StartWorkflowRequestSchema, input, "start request");

const publishThenNotify = parseWorkflowDef({
  name: "publish_then_notify",
  tasks: [
    { name: "request", taskReferenceName: "request", type: "KAFKA_PUBLISH", inputParameters: { kafka_request: { topic: "requests", value: { id: "${workflow.input.id}" } } } },
    { name: "notify", taskReferenceName: "notify", type: "EVENT", sink: "kafka:notices", inputParameters: { id: "${workflow.input.id}" } },
  ],
});

/** A store that remembers the event types of each append to a workflow stream. */
function recordingStore(store: EventStore): EventStore & { appends: string[][] } {
  const appends: string[][] = [];
  return Object.assign(Object.create(store) as EventStore, {
    appends,
    append: ((streamId, events, expected) => {
      if (streamId.startsWith("workflow-")) appends.push(events.map((event) => event.type));
      return store.append(streamId, events, expected);
    }) satisfies EventStore["append"],
  });
}

/** A bus whose publishes wait for `release` (a slow broker, or one the process dies waiting for), counting them by topic. */
function slowBus(inner: Bus, release: Promise<void>): Bus & { sent: Map<string, number> } {
  const sent = new Map<string, number>();
  return {
    ...inner,
    sent,
    async publish(topic, message) {
      sent.set(topic, (sent.get(topic) ?? 0) + 1);
      await release;
      return inner.publish(topic, message);
    },
    subscribe: inner.subscribe.bind(inner),
    close: inner.close.bind(inner),
  };
}

describe("publishing reactors", () => {
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
  });

  async function boot(store: EventStore, bus: Bus, sweepIntervalMs = 250): Promise<Engine> {
    const engine = await createEngine({ store, bus, sweepIntervalMs });
    engines.push(engine);
    await engine.registerWorkflowDef(publishThenNotify, true, rest);
    return engine;
  }

  it("append each publish's start and outcome together: one append per KAFKA_PUBLISH and EVENT after the start", async () => {
    const store = recordingStore(createMemoryEventStore());
    const engine = await boot(store, createMemoryBus());
    const id = await engine.startWorkflow(startRequest({ name: "publish_then_notify", input: { id: 7 } }), rest);
    const done = await engine.waitForWorkflow(id, Date.now() + 5_000);
    expect(done.status).toBe("COMPLETED");
    expect(store.appends).toEqual([
      ["WorkflowStarted", "TaskScheduled"],
      ["TaskStarted", "TaskCompleted", "TaskScheduled"],
      ["TaskStarted", "TaskCompleted", "WorkflowCompleted"],
    ]);
    const [request, notify] = done.tasks;
    expect(request).toMatchObject({ status: "COMPLETED", workerId: "baton:system", pollCount: 1 });
    expect(request!.startTime).toBeGreaterThanOrEqual(request!.scheduledTime);
    expect(request!.endTime).toBeGreaterThanOrEqual(request!.startTime);
    expect(notify).toMatchObject({ status: "COMPLETED", outputData: { id: 7, event_produced: "kafka:notices" } });
  });

  it("send a publish only once while it is under way, however often the drain sweeps", async () => {
    let release = () => {};
    const bus = slowBus(createMemoryBus(), new Promise<void>((resolve) => (release = resolve)));
    const engine = await boot(createMemoryEventStore(), bus, 5);
    const id = await engine.startWorkflow(startRequest({ name: "publish_then_notify", input: { id: 1 } }), rest);
    await eventually(async () => (bus.sent.get("requests") === 1 ? true : undefined), 5_000);
    // Many sweeps while the publish waits: the task is still SCHEDULED in the read models.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(engine.getWorkflow(id).tasks[0]!.status).toBe("SCHEDULED");
    release();
    expect((await engine.waitForWorkflow(id, Date.now() + 5_000)).status).toBe("COMPLETED");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Object.fromEntries(bus.sent)).toEqual({ requests: 1, "kafka:notices": 1 });
  });

  it("publish again after a restart when the process stopped before the publish's outcome was stored (at least once)", async () => {
    const store = createMemoryEventStore();
    const stuck = slowBus(createMemoryBus(), new Promise<void>(() => {}));
    const first = await boot(store, stuck);
    const id = await first.startWorkflow(startRequest({ name: "publish_then_notify", input: { id: 3 } }), rest);
    await eventually(async () => (stuck.sent.get("requests") === 1 ? true : undefined), 5_000);
    await first.close();
    engines.splice(engines.indexOf(first), 1);

    const bus = createMemoryBus();
    const received: string[] = [];
    bus.subscribe("requests", async (message) => void received.push(message.value));
    const second = await boot(store, bus, 20);
    expect((await second.waitForWorkflow(id, Date.now() + 5_000)).status).toBe("COMPLETED");
    expect(received.map((value) => JSON.parse(value))).toEqual([{ id: 3 }]);
  });
});
