/**
 * `replayAll` rebuilds the workflow read models in one pass that derives
 * queues and timers once per workflow, from its final state (the replay
 * benchmark's cost): the result must be what the engine's event-by-event path
 * (`rebuildBySubscription`, `applyEvent`) makes of the same log, on a history
 * with waiting, claimed, retried, paused, terminated, restarted, rerun and
 * removed workflows, tasks in several queues and deadlines. (One difference,
 * by design: a queue emptied along the way stays as an empty map event by
 * event; a rebuild never creates it.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../../src/domain/definitions/requests.ts";
import { TaskDefSchema } from "../../src/domain/definitions/task-def.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import type { EventStore } from "../../src/domain/ports.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { rebuildBySubscription, replayAll } from "../../src/engine/replay.ts";

const rest = { kind: "rest" as const };

describe("replayAll's one-pass rebuild", () => {
  const open: { engine: Engine; store: EventStore }[] = [];
  afterEach(async () => {
    for (const { engine, store } of open.splice(0)) {
      await engine.close();
      await store.close();
    }
  });

  it("gives the read models event-by-event application gives: workflows, task index, queues and timers", async () => {
    const store = createMemoryEventStore();
    const engine = await createEngine({ store });
    open.push({ engine, store });
    await engine.registerTaskDef(parseOrThrow(TaskDefSchema, { name: "rb_a", retryCount: 2, retryDelaySeconds: 60, responseTimeoutSeconds: 30 }, "task"), false, rest);
    await engine.registerTaskDef(parseOrThrow(TaskDefSchema, { name: "rb_b", retryCount: 0 }, "task"), false, rest);
    await engine.registerWorkflowDef(
      parseWorkflowDef({
        name: "rb",
        timeoutSeconds: 3600,
        tasks: [
          { name: "rb_a", taskReferenceName: "a" },
          { name: "rb_b", taskReferenceName: "b" },
        ],
      }),
      false,
      rest,
    );
    const start = (n: number, extra: Record<string, unknown> = {}) =>
      engine.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "rb", input: { n }, ...extra }, "start"), rest);
    const finish = (task: { workflowInstanceId?: unknown; taskId?: unknown }, status: "COMPLETED" | "FAILED") =>
      engine.updateTask(
        parseOrThrow(TaskResultSchema, { workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, status, reasonForIncompletion: "no" }, "result"),
        rest,
      );

    const ids: string[] = [];
    for (let n = 0; n < 10; n++) ids.push(await start(n, n % 3 === 0 ? { priority: 5, taskToDomain: { rb_b: "blue" } } : {}));
    // Claim a's of most; complete some (b queued, in a domain for some), fail some (a retried later).
    const claimed = await engine.poll("rb_a", { workerId: "w", count: 8 });
    expect(claimed.length).toBe(8);
    for (const [i, task] of claimed.entries()) {
      if (i < 5) await finish(task, "COMPLETED");
      else if (i < 7) await finish(task, "FAILED");
    }
    const [b] = await engine.poll("rb_b", { workerId: "w" });
    if (b) await finish(b, "COMPLETED");
    await engine.pause(ids[8]!, rest);
    await engine.terminate(ids[9]!, "enough", rest);
    await engine.restart(ids[9]!, false, rest);
    await engine.terminate(ids[7]!, "gone", rest);
    await engine.removeWorkflow(ids[7]!, false, rest);
    const done = (await engine.loadWorkflow(String(b!.workflowInstanceId))).tasks.find((t) => t.referenceTaskName === "a")!;
    await engine.rerun(String(b!.workflowInstanceId), { reRunFromTaskId: done.taskId }, rest);

    const replayed = (await replayAll(store)).models;
    const applied = (await rebuildBySubscription(store)).models;
    expect(replayed.position).toBe(applied.position);
    expect(replayed.workflows.size).toBe(9); // one removed
    expect(replayed.workflows).toEqual(applied.workflows);
    expect(replayed.taskIndex).toEqual(applied.taskIndex);
    // Event by event leaves a queue emptied along the way as an empty map; a rebuild never makes it.
    const filled = (queues: Map<string, Map<string, unknown>>) => new Map([...queues].filter(([, entries]) => entries.size > 0));
    expect(replayed.queues).toEqual(filled(applied.queues));
    expect(replayed.queuedByWorkflow).toEqual(applied.queuedByWorkflow);
    expect(replayed.timers).toEqual(applied.timers);
    // Not vacuous: several queues with entries, and deadlines.
    expect([...replayed.queues.values()].filter((entries) => entries.size > 0).length).toBeGreaterThanOrEqual(2);
    expect(replayed.timers.size).toBeGreaterThan(0);
    // And both are what the running engine holds.
    expect(replayed.queues).toEqual(filled(engine.models.queues));
    expect(replayed.timers).toEqual(engine.models.timers);
  });
});
