import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../../src/domain/definitions/requests.ts";
import { TaskDefSchema } from "../../src/domain/definitions/task-def.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import type { EventStore } from "../../src/domain/ports.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { eventually, removeDir } from "../support/baton.ts";

const rest = { kind: "rest" as const };
const startRequest = (input: unknown) => parseOrThrow(StartWorkflowRequestSchema, input, "start request");
const taskResult = (input: unknown) => parseOrThrow(TaskResultSchema, input, "task result");

describe("engine reactors and timers on the file store", () => {
  const open: { engine: Engine; store: EventStore }[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    for (const { engine, store } of open.splice(0)) {
      await engine.close();
      await store.close();
    }
    await removeDir(dir);
  });

  async function boot(): Promise<Engine> {
    dir ??= await mkdtemp(join(tmpdir(), "baton-reactors-"));
    const store = await openFileEventStore({ dir });
    const engine = await createEngine({ store, sweepIntervalMs: 20 });
    open.push({ engine, store });
    return engine;
  }

  async function shutdown(engine: Engine) {
    const index = open.findIndex((o) => o.engine === engine);
    const [{ store }] = open.splice(index, 1) as [{ engine: Engine; store: EventStore }];
    await engine.close();
    await store.close();
  }

  it("starts the failureWorkflow with Conductor's input shape when a workflow fails", async () => {
    const engine = await boot();
    await engine.registerTaskDef(parseOrThrow(TaskDefSchema, { name: "fw_task", retryCount: 0 }, "task"), false, rest);
    await engine.registerWorkflowDef(parseWorkflowDef({ name: "fw_cleanup", tasks: [{ name: "fw_task", taskReferenceName: "clean" }] }), false, rest);
    await engine.registerWorkflowDef(
      parseWorkflowDef({ name: "fw_main", failureWorkflow: "fw_cleanup", tasks: [{ name: "fw_task", taskReferenceName: "work" }] }),
      false,
      rest,
    );
    const id = await engine.startWorkflow(startRequest({ name: "fw_main", input: { order: 42 }, correlationId: "c-fw" }), rest);
    const [task] = await engine.poll("fw_task", { workerId: "w" });
    await engine.updateTask(
      taskResult({ workflowInstanceId: id, taskId: String(task!.taskId), status: "FAILED", reasonForIncompletion: "disk full" }),
      rest,
    );
    const failed = engine.getWorkflow(id);
    expect(failed.status).toBe("FAILED");
    const failureId = failed.failureWorkflowId!;
    expect(failed.output["conductor.failure_workflow"]).toBe(failureId);
    const cleanup = await eventually(async () => engine.models.workflows.get(failureId));
    expect(cleanup.definition.name).toBe("fw_cleanup");
    expect(cleanup.correlationId).toBe("c-fw");
    expect(cleanup.input).toMatchObject({
      order: 42,
      workflowId: id,
      failureStatus: "FAILED",
      failureTaskId: task!.taskId,
      reason: expect.stringContaining("disk full"),
      failedWorkflow: expect.objectContaining({ workflowId: id, status: "FAILED" }),
    });
  });

  it("rebuilds timers from the log: a response timeout set before a restart fires after it", async () => {
    let engine = await boot();
    await engine.registerTaskDef(
      parseOrThrow(TaskDefSchema, { name: "slow_task", retryCount: 1, retryDelaySeconds: 0, responseTimeoutSeconds: 1 }, "task"),
      false,
      rest,
    );
    await engine.registerWorkflowDef(parseWorkflowDef({ name: "slow_flow", tasks: [{ name: "slow_task", taskReferenceName: "s" }] }), false, rest);
    const id = await engine.startWorkflow(startRequest({ name: "slow_flow" }), rest);
    const [polled] = await engine.poll("slow_task", { workerId: "gone" });
    expect(polled!.status).toBe("IN_PROGRESS");
    await shutdown(engine);

    engine = await boot();
    const retried = await eventually(async () => {
      const w = engine.getWorkflow(id);
      return w.tasks.length === 2 ? w : undefined;
    }, 10_000, 50);
    expect(retried.tasks[0]).toMatchObject({ status: "TIMED_OUT", retried: true });
    expect(retried.tasks[0]!.reasonForIncompletion).toMatch(/responseTimeout/);
    expect(retried.tasks[1]).toMatchObject({ status: "SCHEDULED", retryCount: 1 });
    expect(retried.tasks[0]!.endTime - retried.tasks[0]!.startTime).toBeGreaterThanOrEqual(1000);
  });
});
