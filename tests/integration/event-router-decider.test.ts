/**
 * The event router records what the workflow decider makes of a completion
 * (CompleteTaskFromMessage): applied, a repeat (the same message delivered
 * again, or another answer after the task ended), or too late. The read
 * models the router routes by may lag the stored state; the decider, deciding
 * on the stored state, has the last word.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema } from "../../src/domain/definitions/requests.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import type { Bus, DeliveredMessage } from "../../src/domain/ports.ts";
import { workflowDecider } from "../../src/domain/workflow/decider.ts";
import type { WorkflowState } from "../../src/domain/workflow/state.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createEventRouter, type RouterEngine } from "../../src/engine/router/event-router.ts";
import { deterministicContext, poll, scenario, systemTask, workflowDef, WORKFLOW_ID } from "../support/decider-spec.ts";

const TOPIC = "conductor-events";

/** A bus whose test delivers records itself, so one record can be delivered twice (a Kafka redelivery). */
function manualBus() {
  let handler: ((message: DeliveredMessage) => Promise<void>) | undefined;
  const bus: Bus = {
    publish: async () => ({ partition: 0, offset: "0" }),
    subscribe: (_topic, onMessage) => {
      handler = onMessage;
      return { close: async () => {} };
    },
    close: async () => {},
  };
  const deliver = (offset: string, completion: Record<string, unknown>) =>
    handler!({ topic: TOPIC, partition: 0, offset, key: String(completion.workflowId), value: JSON.stringify(completion) });
  return { bus, deliver };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("the router and the workflow decider", () => {
  it("applies a completion once: the same record delivered again, and a later reply, change nothing", async () => {
    const store = createMemoryEventStore();
    const engine = await createEngine({ store, sweepIntervalMs: 50 });
    closers.push(() => engine.close());
    const { bus, deliver } = manualBus();
    const router = await createEventRouter({ engine, bus, store });
    closers.push(() => router.close());
    await engine.registerWorkflowDef(
      parseWorkflowDef({ name: "approval", tasks: [{ name: "approve", taskReferenceName: "approve", type: "WAIT" }] }),
      false,
      { kind: "rest" },
    );
    const id = await engine.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "approval" }, "start"), { kind: "rest" });
    const reply = { workflowId: id, taskRefName: "approve", eventType: "approved", data: { status: "completed", by: "ann" } };

    await deliver("5", reply);
    expect(engine.getWorkflow(id).status).toBe("COMPLETED");
    const events = await engine.readWorkflowEvents(id);
    const completed = events.find((event) => event.type === "TaskCompleted");
    expect(completed?.data).toMatchObject({ outputData: reply.data, workerId: "baton:router", messageId: `${TOPIC}/0/5` });

    await deliver("5", reply); // redelivered: this record ended the task
    await deliver("6", { ...reply, data: { status: "failed", message: "too late" } }); // another answer after the end
    expect(await engine.readWorkflowEvents(id)).toHaveLength(events.length);
    expect(router.stats()).toMatchObject({ matched: 1, completed: 1, duplicates: 2, unmatched: 0 });
  });

  /** A router whose read models show `readModel` while the stored state (which the decider sees) is already `stored`. */
  async function lagging(readModel: WorkflowState, stored: WorkflowState) {
    const engine: RouterEngine = {
      models: { workflows: new Map([[readModel.workflowId, readModel]]) },
      clock: Date.now,
      onWorkflowChange: () => () => {},
      async completeTaskFromMessage(_workflowId, completion) {
        const events = workflowDecider.decide({ type: "CompleteTaskFromMessage", ...completion }, stored, deterministicContext());
        return events.length > 0 ? "applied" : "duplicate";
      },
    };
    const { bus, deliver } = manualBus();
    const router = await createEventRouter({ engine, bus, store: createMemoryEventStore() });
    closers.push(() => router.close());
    return { router, deliver };
  }

  /** The seed's flow with its EVENT task waiting for the reply. */
  function waitingForReply() {
    const flow = scenario(workflowDef([systemTask("EVENT", "await_reply", { sink: "conductor:email_validation_completed", asyncComplete: true })]));
    flow.run(poll(flow.task("await_reply").taskId, "baton:system"));
    return flow;
  }
  const reply = { workflowId: WORKFLOW_ID, eventType: "email_validation_completed", data: { status: "completed" } };

  it("counts a reply as a duplicate when the stored task was answered meanwhile, though the read models still show it waiting", async () => {
    const flow = waitingForReply();
    const readModel = flow.state;
    flow.complete("await_reply", { by: "another reply" });
    const { router, deliver } = await lagging(readModel, flow.state);
    await deliver("1", reply);
    expect(router.stats()).toMatchObject({ matched: 0, duplicates: 1, unmatched: 0 });
  });

  it("records a reply as unmatched (gone) when the stored workflow was terminated meanwhile", async () => {
    const flow = waitingForReply();
    const readModel = flow.state;
    flow.run({ type: "TerminateWorkflow", reason: "customer left" });
    const { router, deliver } = await lagging(readModel, flow.state);
    await deliver("2", reply);
    expect(router.stats()).toMatchObject({ matched: 0, duplicates: 0, unmatched: 1 });
    const [unmatched] = await router.unmatched();
    expect(unmatched).toMatchObject({
      cause: "gone",
      messageId: `${TOPIC}/0/2`,
      reason: `task ${flow.task("await_reply").taskId} of workflow ${WORKFLOW_ID} is already CANCELED`,
    });
  });
});
