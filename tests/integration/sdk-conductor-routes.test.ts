import { type ConductorWorker, noopLogger, type Task, TaskHandler } from "@io-orkes/conductor-javascript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, http, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";

/**
 * Conductor routes and registration rules Baton lacked, driven with the
 * official JavaScript SDK's own calls (deleteWorkflow, testWorkflow,
 * updateTaskSync, signal, signalAsync, executeWorkflow, TaskClient.search).
 */
describe("official SDK: Conductor routes and lenient registration", () => {
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
  }

  const finished = (id: string) =>
    eventually(async () => {
      const workflow = await clients.getWorkflowClient().getWorkflow(id, true);
      return ["COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"].includes(String(workflow.status)) ? workflow : undefined;
    });

  describe("registration accepts what Conductor accepts", () => {
    it("runs a task of a type Baton does not know as a worker task polled by that type (LLM_CHAT_COMPLETE)", async () => {
      await clients.getMetadataClient().registerWorkflowDef(
        {
          name: "sdk_llm",
          version: 1,
          timeoutSeconds: 0,
          tasks: [{ name: "ask_model", taskReferenceName: "ask", type: "LLM_CHAT_COMPLETE", inputParameters: { prompt: "${workflow.input.prompt}" } }],
          outputParameters: { answer: "${ask.output.answer}" },
        } as never,
        true,
      );
      const seen: Task[] = [];
      await runWorkers([
        {
          taskDefName: "LLM_CHAT_COMPLETE",
          pollInterval: 10,
          execute: async (task: Task) => {
            seen.push(task);
            return { status: "COMPLETED", outputData: { answer: `echo ${task.inputData?.prompt}` } };
          },
        },
      ]);
      const id = await clients.getWorkflowClient().startWorkflow({ name: "sdk_llm", version: 1, input: { prompt: "hi" } });
      const workflow = await finished(id);
      expect(workflow.status).toBe("COMPLETED");
      expect(workflow.output).toEqual({ answer: "echo hi" });
      expect(seen[0]).toMatchObject({ taskType: "LLM_CHAT_COMPLETE", taskDefName: "ask_model", referenceTaskName: "ask" });
    });

    it("takes an embedded taskDefinition without a name (the task's name) and runs with its retryCount", async () => {
      await clients.getMetadataClient().registerWorkflowDef(
        {
          name: "sdk_embedded",
          version: 1,
          timeoutSeconds: 0,
          tasks: [{ name: "sdk_flaky", taskReferenceName: "flaky", type: "SIMPLE", taskDefinition: { retryCount: 1, retryDelaySeconds: 0 } }],
        } as never,
        true,
      );
      const stored = (await http(baton.url, "GET", "/api/metadata/workflow/sdk_embedded")).json();
      expect(stored.tasks[0].taskDefinition).toMatchObject({ name: "sdk_flaky", retryCount: 1 });
      let attempts = 0;
      await runWorkers([
        {
          taskDefName: "sdk_flaky",
          pollInterval: 10,
          execute: async () => (++attempts === 1 ? { status: "FAILED", reasonForIncompletion: "first try" } : { status: "COMPLETED", outputData: { attempts } }),
        },
      ]);
      const workflow = await finished(await clients.getWorkflowClient().startWorkflow({ name: "sdk_embedded", version: 1, input: {} }));
      expect(workflow.status).toBe("COMPLETED");
      expect(workflow.tasks!.map((t) => t.status)).toEqual(["FAILED", "COMPLETED"]);
    });

    it("runs a FORK_JOIN that ends the workflow without a JOIN (as the Python SDK writes it): the workflow completes after every branch", async () => {
      await clients.getMetadataClient().registerWorkflowDef(
        {
          name: "sdk_fork_end",
          version: 1,
          timeoutSeconds: 0,
          tasks: [
            {
              name: "fan",
              taskReferenceName: "fan",
              type: "FORK_JOIN",
              forkTasks: [
                [{ name: "sdk_branch", taskReferenceName: "left", type: "SIMPLE", inputParameters: { side: "L" } }],
                [{ name: "sdk_branch", taskReferenceName: "right", type: "SIMPLE", inputParameters: { side: "R" } }],
              ],
            },
          ],
        } as never,
        true,
      );
      await runWorkers([
        { taskDefName: "sdk_branch", pollInterval: 10, execute: async (task: Task) => ({ status: "COMPLETED", outputData: { side: task.inputData?.side } }) },
      ]);
      const workflow = await finished(await clients.getWorkflowClient().startWorkflow({ name: "sdk_fork_end", version: 1, input: {} }));
      expect(workflow.status).toBe("COMPLETED");
      expect(Object.fromEntries(workflow.tasks!.map((t) => [t.referenceTaskName, t.status]))).toEqual({ fan: "COMPLETED", left: "COMPLETED", right: "COMPLETED" });
    });

    it("fails a workflow whose FORK_JOIN is followed by something other than a JOIN, with Conductor's reason", async () => {
      const warned = await http(baton.url, "POST", "/api/metadata/workflow/validate", {
        name: "sdk_fork_mid",
        tasks: [
          { name: "fan", taskReferenceName: "fan", type: "FORK_JOIN", forkTasks: [[{ name: "sdk_branch", taskReferenceName: "only" }]] },
          { name: "sdk_branch", taskReferenceName: "after" },
        ],
      });
      expect(warned.json().warnings[0]).toMatchObject({ path: "tasks[0].type", message: expect.stringMatching(/not followed by a JOIN/) });
      await clients.getMetadataClient().registerWorkflowDef(
        {
          name: "sdk_fork_mid",
          version: 1,
          timeoutSeconds: 0,
          tasks: [
            { name: "fan", taskReferenceName: "fan", type: "FORK_JOIN", forkTasks: [[{ name: "sdk_branch", taskReferenceName: "only", type: "SIMPLE" }]] },
            { name: "sdk_branch", taskReferenceName: "after", type: "SIMPLE" },
          ],
        } as never,
        true,
      );
      const workflow = await finished(await clients.getWorkflowClient().startWorkflow({ name: "sdk_fork_mid", version: 1, input: {} }));
      expect(workflow.status).toBe("FAILED");
      expect(workflow.reasonForIncompletion).toMatch(/Fork task definition is not followed by a join task/);
      expect(workflow.tasks!.map((t) => t.referenceTaskName)).toEqual(["fan"]);
    });

    it("returns the warnings in GraphQL's registration result", async () => {
      const response = await http(baton.url, "POST", "/graphql", {
        query: `mutation($def: JSON!) { registerWorkflowDef(definition: $def, overwrite: true) { name warnings { path message } } }`,
        variables: { def: { name: "gql_llm", tasks: [{ name: "t", taskReferenceName: "t", type: "LLM_TEXT_COMPLETE" }] } },
      });
      const result = response.json().data.registerWorkflowDef;
      expect(result.name).toBe("gql_llm");
      expect(result.warnings).toEqual([{ path: "tasks[0].type", message: expect.stringContaining("unknown task type 'LLM_TEXT_COMPLETE'") }]);
    });
  });

  describe("workflow and task routes the SDK calls", () => {
    beforeAll(async () => {
      await clients.getMetadataClient().registerWorkflowDef(
        {
          name: "sdk_gate",
          version: 1,
          timeoutSeconds: 0,
          tasks: [
            { name: "gate", taskReferenceName: "gate", type: "WAIT" },
            { name: "sdk_unpolled", taskReferenceName: "work", type: "SIMPLE" },
          ],
          outputParameters: { gate: "${gate.output}" },
        } as never,
        true,
      );
      await clients.getMetadataClient().registerWorkflowDef(
        { name: "sdk_gate_only", version: 1, timeoutSeconds: 0, tasks: [{ name: "gate", taskReferenceName: "gate", type: "WAIT" }] } as never,
        true,
      );
    });

    it("deleteWorkflow removes a finished workflow (DELETE /workflow/{id}/remove, not a terminate)", async () => {
      const executor = clients.getWorkflowClient();
      const id = await executor.startWorkflow({ name: "sdk_gate", version: 1, input: {} });
      await executor.terminate(id, "done");
      await executor.deleteWorkflow(id, false);
      const after = await http(baton.url, "GET", `/api/workflow/${id}`);
      expect(after.status).toBe(404);
    });

    it("testWorkflow runs the definition against mocks (POST /workflow/test, not a start of 'test')", async () => {
      const workflow = await clients.getWorkflowClient().testWorkflow({
        name: "sdk_gate",
        version: 1,
        input: {},
        taskRefToMockOutput: { gate: [{ status: "COMPLETED", output: { opened: true } }], work: [{ status: "COMPLETED", output: { ok: 1 } }] },
      } as never);
      expect(workflow.status).toBe("COMPLETED");
      expect(workflow.output).toEqual({ gate: { opened: true } });
    });

    it("updateTaskSync answers with the workflow", async () => {
      const executor = clients.getWorkflowClient();
      const id = await executor.startWorkflow({ name: "sdk_gate", version: 1, input: {} });
      const workflow = await executor.updateTaskSync("gate", id, "COMPLETED" as never, { via: "sync" });
      expect(workflow.workflowId).toBe(id);
      expect(workflow.tasks!.map((t) => [t.referenceTaskName, t.status])).toEqual([["gate", "COMPLETED"], ["work", "SCHEDULED"]]);
    });

    it("signal and signalAsync complete the blocked WAIT; signal answers per its return strategy", async () => {
      const executor = clients.getWorkflowClient();
      const asyncId = await executor.startWorkflow({ name: "sdk_gate", version: 1, input: {} });
      await executor.signalAsync(asyncId, "COMPLETED" as never, { n: 1 });
      const afterAsync = await executor.getWorkflow(asyncId, true);
      expect(afterAsync.tasks![0]).toMatchObject({ referenceTaskName: "gate", status: "COMPLETED" });
      // The SDK wraps the output as {taskOutput: ...}; Conductor takes the body as the output, and so does Baton.
      expect(afterAsync.tasks![0]!.outputData).toEqual({ taskOutput: { n: 1 } });

      // Answered as soon as the workflow ends (it has nothing after the WAIT), not at the 5 s default timeout.
      const syncId = await executor.startWorkflow({ name: "sdk_gate_only", version: 1, input: {} });
      const started = Date.now();
      const response = await executor.signal(syncId, "COMPLETED" as never, { n: 2 }, "TARGET_WORKFLOW" as never);
      expect(Date.now() - started).toBeLessThan(4000);
      expect(response.isTargetWorkflow()).toBe(true);
      expect(response.getTargetWorkflowId()).toBe(syncId);
      expect(response.getWorkflow()).toMatchObject({ status: "COMPLETED" });
      expect((response as unknown as { signalTimeout: boolean }).signalTimeout).toBe(false);
    });

    it("executeWorkflow answers when the workflow blocks on a WAIT, with BLOCKING_TASK", async () => {
      const executor = clients.getWorkflowClient();
      const response = await executor.executeWorkflow(
        { name: "sdk_gate", version: 1, input: {} },
        "sdk_gate",
        1,
        "req-1",
        "",
        5,
        "DURABLE" as never,
        "BLOCKING_TASK" as never,
      );
      expect(response.isBlockingTask()).toBe(true);
      expect(response.getBlockingTask()).toMatchObject({ referenceTaskName: "gate", taskType: "WAIT", status: "IN_PROGRESS" });
      expect(response.requestId).toBe("req-1");
      expect(response.targetWorkflowStatus).toBe("RUNNING");
    });

    it("TaskClient.search finds tasks (GET /tasks/search, not a task id)", async () => {
      const id = await clients.getWorkflowClient().startWorkflow({ name: "sdk_gate", version: 1, input: {} });
      const result = await clients.getTaskClient().search(0, 10, undefined, "*", `workflowId = '${id}'`);
      expect(result.totalHits).toBe(1);
      expect(result.results![0]).toMatchObject({ workflowId: id, taskType: "WAIT", status: "IN_PROGRESS" });
    });
  });
});
