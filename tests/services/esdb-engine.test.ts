/**
 * Baton with BATON_EVENT_STORE=esdb, against the EventStoreDB stand-in
 * (tests/support/esdb-standin, not EventStoreDB), driven by the official
 * Conductor SDK: workflows run to completion, their events are in the store,
 * a restarted Baton rebuilds the same state from it, and Baton carries on
 * after the server went away and came back.
 */
import { type ConductorWorker, noopLogger, type Task, TaskHandler } from "@io-orkes/conductor-javascript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEsdbStandin, type EsdbStandin } from "../support/esdb-standin/index.ts";
import { eventually, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";

describe("Baton on EventStoreDB (stand-in)", () => {
  let standin: EsdbStandin;
  let baton: TestBaton;
  let clients: Awaited<ReturnType<typeof sdkClients>>;
  const handlers: TaskHandler[] = [];

  beforeAll(async () => {
    standin = await startEsdbStandin();
    baton = await startBaton({ store: "esdb", esdbUrl: standin.connectionString });
    clients = await sdkClients(baton.url);
  });

  afterAll(async () => {
    for (const handler of handlers) await handler.stopWorkers();
    await baton?.close();
    await standin?.stop();
  });

  async function runWorkers(workers: ConductorWorker[]) {
    const handler = new TaskHandler({ client: clients.getClient(), workers, scanForDecorated: false, logger: noopLogger });
    handlers.push(handler);
    await handler.startWorkers();
  }

  async function runToCompletion(count: number, offset = 0) {
    const executor = clients.getWorkflowClient();
    const ids = await Promise.all(
      Array.from({ length: count }, (_, n) => executor.startWorkflow({ name: "esdb_pipeline", version: 1, input: { n: n + offset } })),
    );
    const finished = await eventually(async () => {
      const all = await Promise.all(ids.map((id) => executor.getWorkflow(id, false)));
      return all.every((w) => w.status !== "RUNNING") ? all : undefined;
    }, 60_000, 100);
    finished.forEach((workflow, n) => {
      expect(workflow.status).toBe("COMPLETED");
      expect(workflow.output).toEqual({ result: (n + offset + 1) * 2, big: n + offset >= 10 });
    });
    return ids;
  }

  it("runs workflows with worker and system tasks to completion, every transition an event in the store", async () => {
    const metadata = clients.getMetadataClient();
    await metadata.registerTasks([
      { name: "esdb_increment", retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 },
      { name: "esdb_double", retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 },
    ]);
    await clients.getWorkflowClient().registerWorkflow(true, {
      name: "esdb_pipeline",
      version: 1,
      timeoutSeconds: 0,
      tasks: [
        { name: "esdb_increment", taskReferenceName: "increment", type: "SIMPLE", inputParameters: { n: "${workflow.input.n}" } },
        {
          name: "size",
          taskReferenceName: "size",
          type: "SWITCH",
          evaluatorType: "value-param",
          expression: "big",
          inputParameters: { big: "${workflow.input.n}" },
          decisionCases: {},
          defaultCase: [
            { name: "esdb_double", taskReferenceName: "double", type: "SIMPLE", inputParameters: { value: "${increment.output.value}" } },
          ],
        },
        {
          name: "mark",
          taskReferenceName: "mark",
          type: "SET_VARIABLE",
          inputParameters: { big: "${workflow.input.n}" },
        },
      ],
      outputParameters: { result: "${double.output.value}", big: "${double.output.big}" },
    } as never);
    await runWorkers([
      {
        taskDefName: "esdb_increment",
        concurrency: 5,
        pollInterval: 10,
        execute: async (task: Task) => ({ status: "COMPLETED", outputData: { value: Number(task.inputData?.n) + 1 } }),
      },
      {
        taskDefName: "esdb_double",
        concurrency: 5,
        pollInterval: 10,
        execute: async (task: Task) => {
          const value = Number(task.inputData?.value);
          return { status: "COMPLETED", outputData: { value: value * 2, big: value > 10 } };
        },
      },
    ]);

    const ids = await runToCompletion(30);

    const streams = new Set(standin.log.events().map((event) => event.streamName));
    for (const id of ids) expect(streams.has(`workflow-${id}`)).toBe(true);
    expect(streams.has("workflowdef-esdb_pipeline")).toBe(true);
    expect(streams.has("taskdef-esdb_increment")).toBe(true);
    const oneStream = standin.log.events().filter((event) => event.streamName === `workflow-${ids[0]}`);
    expect(oneStream[0]?.type).toBe("WorkflowStarted");
    expect(oneStream.at(-1)?.type).toBe("WorkflowCompleted");
    expect(oneStream.map((event) => Number(event.revision))).toEqual(oneStream.map((_, index) => index));
  });

  it("rebuilds the same workflows from the store after a restart", async () => {
    const executor = clients.getWorkflowClient();
    const snapshot = [...baton.engine.models.workflows.keys()];
    const sample = await Promise.all(snapshot.slice(0, 5).map((id) => executor.getWorkflow(id, true)));

    for (const handler of handlers) await handler.stopWorkers();
    handlers.length = 0;
    await baton.close();
    baton = await startBaton({ store: "esdb", esdbUrl: standin.connectionString });
    clients = await sdkClients(baton.url);

    expect([...baton.engine.models.workflows.keys()].sort()).toEqual([...snapshot].sort());
    const again = await Promise.all(snapshot.slice(0, 5).map((id) => clients.getWorkflowClient().getWorkflow(id, true)));
    expect(again).toEqual(sample);
  });

  it("carries on after EventStoreDB went away and came back", async () => {
    await runWorkers([
      {
        taskDefName: "esdb_increment",
        concurrency: 5,
        pollInterval: 10,
        execute: async (task: Task) => ({ status: "COMPLETED", outputData: { value: Number(task.inputData?.n) + 1 } }),
      },
      {
        taskDefName: "esdb_double",
        concurrency: 5,
        pollInterval: 10,
        execute: async (task: Task) => {
          const value = Number(task.inputData?.value);
          return { status: "COMPLETED", outputData: { value: value * 2, big: value > 10 } };
        },
      },
    ]);
    await standin.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await standin.resume();
    // The engine's subscription resumes and appends go through again: new workflows complete.
    await runToCompletion(10, 100);
  });
});
