import {
  type ConductorWorker,
  noopLogger,
  type Task,
  TaskHandler,
} from "@io-orkes/conductor-javascript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";

/**
 * Drives Baton only through the official Conductor JavaScript SDK, as its README
 * shows: metadata client, workflow executor, and TaskHandler workers.
 */
describe("official SDK against Baton", () => {
  let baton: TestBaton;
  let clients: Awaited<ReturnType<typeof sdkClients>>;
  const handlers: TaskHandler[] = [];

  beforeAll(async () => {
    baton = await startBaton({ store: "memory" });
    clients = await sdkClients(baton.url);
  });

  afterAll(async () => {
    for (const handler of handlers) await handler.stopWorkers();
    await baton.close();
  });

  async function runWorkers(workers: ConductorWorker[]) {
    const handler = new TaskHandler({ client: clients.getClient(), workers, scanForDecorated: false, logger: noopLogger });
    handlers.push(handler);
    await handler.startWorkers();
    return handler;
  }

  it("runs 200 three-task workflows whose inputs wire outputs through expressions", async () => {
    const metadata = clients.getMetadataClient();
    const executor = clients.getWorkflowClient();
    await metadata.registerTasks([
      { name: "sdk_fetch", retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 },
      { name: "sdk_double", retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 },
      { name: "sdk_label", retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 },
    ]);
    await executor.registerWorkflow(true, {
      name: "sdk_pipeline",
      version: 1,
      timeoutSeconds: 0,
      tasks: [
        { name: "sdk_fetch", taskReferenceName: "fetch", type: "SIMPLE", inputParameters: { n: "${workflow.input.n}" } },
        { name: "sdk_double", taskReferenceName: "double", type: "SIMPLE", inputParameters: { value: "${fetch.output.value}" } },
        {
          name: "sdk_label",
          taskReferenceName: "label",
          type: "SIMPLE",
          inputParameters: { text: "n=${workflow.input.n} doubled=${double.output.value}", raw: "${double.output}" },
        },
      ],
      outputParameters: { label: "${label.output.label}", doubled: "${double.output.value}" },
    } as never);

    await runWorkers([
      {
        taskDefName: "sdk_fetch",
        concurrency: 5,
        pollInterval: 10,
        execute: async (task: Task) => ({ status: "COMPLETED", outputData: { value: Number(task.inputData?.n) + 1 } }),
      },
      {
        taskDefName: "sdk_double",
        concurrency: 5,
        pollInterval: 10,
        execute: async (task: Task) => ({ status: "COMPLETED", outputData: { value: Number(task.inputData?.value) * 2 } }),
      },
      {
        taskDefName: "sdk_label",
        concurrency: 5,
        pollInterval: 10,
        execute: async (task: Task) => {
          const raw = task.inputData?.raw as { value: number };
          return { status: "COMPLETED", outputData: { label: `${String(task.inputData?.text)} typed=${typeof raw.value}` } };
        },
      },
    ]);

    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, n) => executor.startWorkflow({ name: "sdk_pipeline", version: 1, input: { n } })),
    );
    expect(new Set(ids).size).toBe(200);

    const finished = await eventually(async () => {
      const all = await Promise.all(ids.map((id) => executor.getWorkflow(id, false)));
      return all.every((w) => w.status !== "RUNNING") ? all : undefined;
    }, 60_000, 200);

    finished.forEach((workflow, n) => {
      expect(workflow.status).toBe("COMPLETED");
      const doubled = (n + 1) * 2;
      expect(workflow.output).toEqual({ label: `n=${n} doubled=${doubled} typed=number`, doubled });
    });
    const one = await executor.getWorkflow(ids[7]!, true);
    expect(one.tasks?.map((t) => [t.referenceTaskName, t.taskType, t.status, t.seq])).toEqual([
      ["fetch", "sdk_fetch", "COMPLETED", 1],
      ["double", "sdk_double", "COMPLETED", 2],
      ["label", "sdk_label", "COMPLETED", 3],
    ]);
  });

  it("retries a failing task with exponential back-off, then completes; exhausting retries fails the workflow", async () => {
    const metadata = clients.getMetadataClient();
    const executor = clients.getWorkflowClient();
    await metadata.registerTask({
      name: "sdk_flaky",
      retryCount: 2,
      retryLogic: "EXPONENTIAL_BACKOFF",
      retryDelaySeconds: 1,
      timeoutSeconds: 60,
      responseTimeoutSeconds: 30,
      totalTimeoutSeconds: 0,
    } as never);
    await executor.registerWorkflow(true, {
      name: "sdk_flaky_flow",
      version: 1,
      timeoutSeconds: 0,
      tasks: [{ name: "sdk_flaky", taskReferenceName: "flaky", type: "SIMPLE", inputParameters: { failTimes: "${workflow.input.failTimes}" } }],
      outputParameters: { attempt: "${flaky.output.attempt}" },
    } as never);
    await runWorkers([
      {
        taskDefName: "sdk_flaky",
        pollInterval: 10,
        execute: async (task: Task) => {
          const attempt = task.retryCount ?? 0;
          if (attempt < Number(task.inputData?.failTimes)) {
            return { status: "FAILED", reasonForIncompletion: `attempt ${attempt} failed`, outputData: { attempt } };
          }
          return { status: "COMPLETED", outputData: { attempt } };
        },
      },
    ]);

    const recovers = await executor.startWorkflow({ name: "sdk_flaky_flow", version: 1, input: { failTimes: 2 } });
    const givesUp = await executor.startWorkflow({ name: "sdk_flaky_flow", version: 1, input: { failTimes: 5 } });

    const recovered = await eventually(async () => {
      const w = await executor.getWorkflow(recovers, true);
      return w.status === "RUNNING" ? undefined : w;
    }, 30_000, 100);
    expect(recovered.status).toBe("COMPLETED");
    expect(recovered.output).toEqual({ attempt: 2 });
    const attempts = recovered.tasks!;
    expect(attempts.map((t) => [t.status, t.retryCount, t.retried])).toEqual([
      ["FAILED", 0, true],
      ["FAILED", 1, true],
      ["COMPLETED", 2, false],
    ]);
    expect(attempts[1]!.retriedTaskId).toBe(attempts[0]!.taskId);
    expect(attempts[2]!.retriedTaskId).toBe(attempts[1]!.taskId);
    // EXPONENTIAL_BACKOFF with retryDelaySeconds 1: waits of 1 s, then 2 s.
    expect(attempts.map((t) => t.startDelayInSeconds)).toEqual([0, 1, 2]);
    expect(attempts[1]!.startTime! - attempts[0]!.endTime!).toBeGreaterThanOrEqual(1000);
    expect(attempts[2]!.startTime! - attempts[1]!.endTime!).toBeGreaterThanOrEqual(2000);
    // Conductor lists every failed attempt's reference, even when a retry succeeded.
    expect(recovered.failedReferenceTaskNames).toEqual(["flaky"]);

    const failed = await eventually(async () => {
      const w = await executor.getWorkflow(givesUp, true);
      return w.status === "RUNNING" ? undefined : w;
    }, 30_000, 100);
    expect(failed.status).toBe("FAILED");
    expect(failed.tasks!.map((t) => t.retryCount)).toEqual([0, 1, 2]);
    expect(failed.reasonForIncompletion).toContain("attempt 2 failed");
    expect(failed.failedReferenceTaskNames).toEqual(["flaky"]);
  });

  it("terminates, pauses and resumes, restarts, retries and reruns through the workflow client", async () => {
    const metadata = clients.getMetadataClient();
    const executor = clients.getWorkflowClient();
    await metadata.registerTasks([
      { name: "sdk_gate", retryCount: 0, timeoutSeconds: 0, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 },
      { name: "sdk_after", retryCount: 0, timeoutSeconds: 0, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 },
    ]);
    await executor.registerWorkflow(true, {
      name: "sdk_lifecycle",
      version: 1,
      timeoutSeconds: 0,
      tasks: [
        { name: "sdk_gate", taskReferenceName: "gate", type: "SIMPLE", inputParameters: { mode: "${workflow.input.mode}" } },
        { name: "sdk_after", taskReferenceName: "after", type: "SIMPLE", inputParameters: {} },
      ],
    } as never);
    const taskClient = clients.getTaskClient();
    const waitFor = (id: string, predicate: (w: Awaited<ReturnType<typeof executor.getWorkflow>>) => boolean) =>
      eventually(async () => {
        const w = await executor.getWorkflow(id, true);
        return predicate(w) ? w : undefined;
      });
    const completeByRef = async (id: string, ref: string, status: "COMPLETED" | "FAILED", output: Record<string, unknown> = {}) => {
      const w = await waitFor(id, (x) => x.tasks!.some((t) => t.referenceTaskName === ref && t.status === "SCHEDULED"));
      const task = [...w.tasks!].reverse().find((t) => t.referenceTaskName === ref)!;
      await executor.updateTask(task.taskId!, id, status, output);
    };

    // terminate: active tasks are canceled, the reason is kept.
    const t = await executor.startWorkflow({ name: "sdk_lifecycle", version: 1, input: { mode: "t" } });
    await executor.terminate(t, "operator stop");
    const terminated = await executor.getWorkflow(t, true);
    expect(terminated.status).toBe("TERMINATED");
    expect(terminated.reasonForIncompletion).toBe("operator stop");
    expect(terminated.tasks!.map((x) => x.status)).toEqual(["CANCELED"]);

    // pause: completing the gate schedules nothing until resume.
    const p = await executor.startWorkflow({ name: "sdk_lifecycle", version: 1, input: { mode: "p" } });
    await executor.pause(p);
    expect((await executor.getWorkflow(p, false)).status).toBe("PAUSED");
    await completeByRef(p, "gate", "COMPLETED");
    expect((await executor.getWorkflow(p, true)).tasks!.map((x) => x.referenceTaskName)).toEqual(["gate"]);
    await executor.resume(p);
    const resumed = await executor.getWorkflow(p, true);
    expect(resumed.status).toBe("RUNNING");
    expect(resumed.tasks!.map((x) => [x.referenceTaskName, x.status])).toEqual([
      ["gate", "COMPLETED"],
      ["after", "SCHEDULED"],
    ]);
    await expect(executor.resume(p)).rejects.toThrow(/not PAUSED/);

    // retry: the failed task gets a new attempt and the workflow runs again.
    const r = await executor.startWorkflow({ name: "sdk_lifecycle", version: 1, input: { mode: "r" } });
    await completeByRef(r, "gate", "FAILED");
    expect((await waitFor(r, (w) => w.status === "FAILED")).status).toBe("FAILED");
    await executor.retry(r, false);
    const retried = await executor.getWorkflow(r, true);
    expect(retried.status).toBe("RUNNING");
    expect(retried.tasks!.map((x) => [x.status, x.retryCount])).toEqual([
      ["FAILED", 0],
      ["SCHEDULED", 1],
    ]);
    await completeByRef(r, "gate", "COMPLETED");
    await completeByRef(r, "after", "COMPLETED", { done: true });
    expect((await waitFor(r, (w) => w.status !== "RUNNING")).status).toBe("COMPLETED");

    // restart: same id, tasks start over.
    await executor.restart(r, false);
    const restarted = await executor.getWorkflow(r, true);
    expect(restarted.workflowId).toBe(r);
    expect(restarted.status).toBe("RUNNING");
    expect(restarted.tasks!.map((x) => [x.referenceTaskName, x.status])).toEqual([["gate", "SCHEDULED"]]);
    await expect(executor.restart(r, false)).rejects.toThrow(/terminal/);

    // rerun from a task: later tasks are removed, the task runs again with new input.
    await completeByRef(r, "gate", "COMPLETED", { first: true });
    await completeByRef(r, "after", "COMPLETED");
    const done = await waitFor(r, (w) => w.status === "COMPLETED");
    const gateId = done.tasks![0]!.taskId!;
    const rerunId = await executor.reRun(r, { reRunFromTaskId: gateId, taskInput: { mode: "again" } });
    expect(rerunId).toBe(r);
    const rerun = await executor.getWorkflow(r, true);
    expect(rerun.status).toBe("RUNNING");
    expect(rerun.tasks!.map((x) => [x.taskId, x.status, x.inputData])).toEqual([[gateId, "SCHEDULED", { mode: "again" }]]);

    // The task client sees the same task.
    const fetched = await taskClient.getTask(gateId);
    expect(fetched.status).toBe("SCHEDULED");
  });
});
