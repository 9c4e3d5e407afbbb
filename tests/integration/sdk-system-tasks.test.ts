import { createServer, type Server } from "node:http";
import { type ConductorWorker, noopLogger, type Task, TaskHandler } from "@io-orkes/conductor-javascript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, http, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";
import { replayWorkflowJson } from "../support/replay.ts";

/**
 * Real Conductor workflow JSON with system tasks, run by SDK workers against
 * Baton, checked against Conductor's documented behaviour; then every
 * workflow's JSON is rebuilt from the stored events and compared with what was
 * served live.
 */
describe("system tasks through the official SDK", () => {
  let baton: TestBaton;
  let clients: Awaited<ReturnType<typeof sdkClients>>;
  let handler: TaskHandler;
  let httpServer: Server;
  let httpUrl = "";
  const started: string[] = [];
  let failChild = true;

  beforeAll(async () => {
    baton = await startBaton({ store: "file" });
    clients = await sdkClients(baton.url);
    httpServer = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        if (request.url?.startsWith("/fail")) {
          response.writeHead(503, { "content-type": "text/plain" });
          response.end("inventory service unavailable");
          return;
        }
        response.writeHead(200, { "content-type": "application/json", "x-test": "yes" });
        response.end(JSON.stringify({ method: request.method, path: request.url, received: body ? JSON.parse(body) : null }));
      });
    });
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    const address = httpServer.address();
    httpUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

    const workers: ConductorWorker[] = [
      { taskDefName: "st_price", pollInterval: 10, execute: async (t: Task) => ({ status: "COMPLETED", outputData: { price: Number(t.inputData?.base) * 2 } }) },
      { taskDefName: "st_stock", pollInterval: 10, execute: async (t: Task) => ({ status: "COMPLETED", outputData: { inStock: Number(t.inputData?.qty) < 10 } }) },
      { taskDefName: "st_ship", pollInterval: 10, execute: async (t: Task) => ({ status: "COMPLETED", outputData: { shipped: t.inputData?.price } }) },
      { taskDefName: "st_backorder", pollInterval: 10, execute: async () => ({ status: "COMPLETED", outputData: { backordered: true } }) },
      { taskDefName: "st_item", pollInterval: 10, execute: async (t: Task) => ({ status: "COMPLETED", outputData: { upper: String(t.inputData?.item).toUpperCase() } }) },
      {
        taskDefName: "st_child_step",
        pollInterval: 10,
        execute: async (t: Task) =>
          failChild ? { status: "FAILED", reasonForIncompletion: "child step failed" } : { status: "COMPLETED", outputData: { echoed: t.inputData?.value } },
      },
    ];
    handler = new TaskHandler({ client: clients.getClient(), workers, scanForDecorated: false, logger: noopLogger });
    await handler.startWorkers();
  });

  afterAll(async () => {
    await handler.stopWorkers();
    await baton.close();
    await new Promise((resolve) => httpServer.close(resolve));
  });

  const executor = () => clients.getWorkflowClient();
  const finished = (id: string) =>
    eventually(async () => {
      const w = await executor().getWorkflow(id, true);
      return w.status === "RUNNING" ? undefined : w;
    }, 30_000, 100);
  const register = (def: Record<string, unknown>) => executor().registerWorkflow(true, { version: 1, timeoutSeconds: 0, ...def } as never);
  const start = async (name: string, input: Record<string, unknown>) => {
    const id = await executor().startWorkflow({ name, version: 1, input });
    started.push(id);
    return id;
  };

  it("forks SIMPLE branches, joins them, and feeds the join to a SWITCH (FORK_JOIN, JOIN, SWITCH value-param)", async () => {
    await register({
      name: "st_fork_switch",
      tasks: [
        {
          name: "fork", taskReferenceName: "fork", type: "FORK_JOIN",
          forkTasks: [
            [{ name: "st_price", taskReferenceName: "price", type: "SIMPLE", inputParameters: { base: "${workflow.input.base}" } }],
            [{ name: "st_stock", taskReferenceName: "stock", type: "SIMPLE", inputParameters: { qty: "${workflow.input.qty}" } }],
          ],
        },
        { name: "join", taskReferenceName: "join", type: "JOIN", joinOn: ["price", "stock"] },
        {
          name: "route", taskReferenceName: "route", type: "SWITCH", evaluatorType: "value-param", expression: "available",
          inputParameters: { available: "${join.output.stock.inStock}" },
          decisionCases: { true: [{ name: "st_ship", taskReferenceName: "ship", type: "SIMPLE", inputParameters: { price: "${join.output.price.price}" } }] },
          defaultCase: [{ name: "st_backorder", taskReferenceName: "backorder", type: "SIMPLE" }],
        },
      ],
      outputParameters: { shipped: "${ship.output.shipped}", backordered: "${backorder.output.backordered}" },
    });
    const shipped = await finished(await start("st_fork_switch", { base: 21, qty: 3 }));
    expect(shipped.status).toBe("COMPLETED");
    expect(shipped.output).toEqual({ shipped: 42, backordered: null });
    const byRef = Object.fromEntries(shipped.tasks!.map((t) => [t.referenceTaskName, t]));
    expect(byRef.fork!.status).toBe("COMPLETED");
    expect(byRef.join!.outputData).toEqual({ price: { price: 42 }, stock: { inStock: true } });
    expect(byRef.route!.outputData).toEqual({ evaluationResult: ["true"], selectedCase: "true" });
    expect(byRef.backorder).toBeUndefined();

    const backordered = await finished(await start("st_fork_switch", { base: 1, qty: 50 }));
    expect(backordered.output).toEqual({ shipped: null, backordered: true });
    // No case for "false": the default case ran (Conductor reports the evaluated key as selectedCase).
    expect(backordered.tasks!.find((t) => t.referenceTaskName === "route")!.outputData).toMatchObject({ evaluationResult: ["false"] });
    expect(backordered.tasks!.some((t) => t.referenceTaskName === "backorder")).toBe(true);
  });

  it("loops a SIMPLE worker over items (DO_WHILE with items, keepLastN absent)", async () => {
    await register({
      name: "st_loop",
      tasks: [
        {
          name: "each", taskReferenceName: "each", type: "DO_WHILE",
          inputParameters: { items: "${workflow.input.items}" },
          loopOver: [{ name: "st_item", taskReferenceName: "item", type: "SIMPLE", inputParameters: { item: "${each.output.loopItem}" } }],
        },
      ],
      outputParameters: { last: "${item.output.upper}", iterations: "${each.output.iteration}", all: "${each.output}" },
    });
    const done = await finished(await start("st_loop", { items: ["a", "b", "c"] }));
    expect(done.status).toBe("COMPLETED");
    expect(done.tasks!.map((t) => t.referenceTaskName)).toEqual(["each", "item__1", "item__2", "item__3"]);
    expect(done.output!.last).toBe("C");
    expect(done.output!.iterations).toBe(3);
    expect(done.output!.all).toMatchObject({ "1": { item: { upper: "A" } }, "2": { item: { upper: "B" } }, "3": { item: { upper: "C" } } });
  });

  it("fails a parent whose SUB_WORKFLOW fails, then a retry starts a new child that completes", async () => {
    await register({ name: "st_child", tasks: [{ name: "st_child_step", taskReferenceName: "step", type: "SIMPLE", inputParameters: { value: "${workflow.input.value}" } }], outputParameters: { echoed: "${step.output.echoed}" } });
    await clients.getMetadataClient().registerTask({ name: "st_child_step", retryCount: 0, timeoutSeconds: 0, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 } as never);
    await register({
      name: "st_parent",
      tasks: [{ name: "child", taskReferenceName: "child", type: "SUB_WORKFLOW", subWorkflowParam: { name: "st_child", version: 1 }, inputParameters: { value: "${workflow.input.value}" } }],
      outputParameters: { echoed: "${child.output.echoed}" },
    });
    failChild = true;
    const parentId = await start("st_parent", { value: "hello" });
    const failed = await finished(parentId);
    expect(failed.status).toBe("FAILED");
    const firstChildId = failed.tasks![0]!.outputData!.subWorkflowId as string;
    const firstChild = await executor().getWorkflow(firstChildId, false);
    expect(firstChild).toMatchObject({ status: "FAILED", parentWorkflowId: parentId });
    started.push(firstChildId);

    failChild = false;
    await executor().retry(parentId, false);
    const done = await finished(parentId);
    expect(done.status).toBe("COMPLETED");
    expect(done.output).toEqual({ echoed: "hello" });
    const secondChildId = done.tasks![1]!.outputData!.subWorkflowId as string;
    expect(secondChildId).not.toBe(firstChildId);
    expect((await executor().getWorkflow(secondChildId, false)).status).toBe("COMPLETED");
    started.push(secondChildId);
  });

  it("calls a local HTTP server (HTTP task) and fails on a non-2xx answer with the body as reason", async () => {
    await register({
      name: "st_http",
      tasks: [
        {
          name: "call", taskReferenceName: "call", type: "HTTP",
          inputParameters: { http_request: { uri: "${workflow.input.url}", method: "POST", body: { order: "${workflow.input.order}" } } },
        },
      ],
      outputParameters: { status: "${call.output.response.statusCode}", echoed: "${call.output.response.body.received.order}" },
    });
    const ok = await finished(await start("st_http", { url: `${httpUrl}/orders`, order: 7 }));
    expect(ok.status).toBe("COMPLETED");
    expect(ok.output).toEqual({ status: 200, echoed: 7 });
    expect(ok.tasks![0]!.outputData!.response).toMatchObject({ reasonPhrase: "OK", headers: { "x-test": ["yes"] } });
    const bad = await finished(await start("st_http", { url: `${httpUrl}/fail`, order: 8 }));
    expect(bad.status).toBe("FAILED");
    expect(bad.reasonForIncompletion).toContain("inventory service unavailable");
  });

  it("runs SET_VARIABLE, WAIT completed by an update, and TERMINATE", async () => {
    await register({
      name: "st_misc",
      tasks: [
        { name: "vars", taskReferenceName: "vars", type: "SET_VARIABLE", inputParameters: { stage: "waiting" } },
        { name: "hold", taskReferenceName: "hold", type: "WAIT" },
        {
          name: "stop", taskReferenceName: "stop", type: "TERMINATE",
          inputParameters: { terminationStatus: "COMPLETED", workflowOutput: { stage: "${workflow.variables.stage}", approved: "${hold.output.approved}" } },
        },
        { name: "st_ship", taskReferenceName: "never", type: "SIMPLE" },
      ],
    });
    const id = await start("st_misc", {});
    const waiting = await eventually(async () => {
      const w = await executor().getWorkflow(id, true);
      return w.tasks!.some((t) => t.referenceTaskName === "hold" && t.status === "IN_PROGRESS") ? w : undefined;
    });
    expect(waiting.variables).toEqual({ stage: "waiting" });
    const hold = waiting.tasks!.find((t) => t.referenceTaskName === "hold")!;
    await executor().updateTask(hold.taskId!, id, "COMPLETED", { approved: true });
    const done = await finished(id);
    expect(done.status).toBe("COMPLETED");
    expect(done.output).toEqual({ stage: "waiting", approved: true });
    expect(done.tasks!.map((t) => t.referenceTaskName)).toEqual(["vars", "hold", "stop"]);
  });

  it("starts the failureWorkflow when a TERMINATE fails the workflow, as for any failure (Conductor: endExecution -> terminate -> terminateWorkflow)", async () => {
    await register({ name: "st_cleanup", tasks: [{ name: "tidy", taskReferenceName: "tidy", type: "NOOP" }] });
    await register({
      name: "st_terminate_failed",
      failureWorkflow: "st_cleanup",
      tasks: [
        {
          name: "stop", taskReferenceName: "stop", type: "TERMINATE",
          inputParameters: { terminationStatus: "FAILED", terminationReason: "order rejected", workflowOutput: { order: "${workflow.input.order}" } },
        },
      ],
    });
    const id = await start("st_terminate_failed", { order: 7 });
    const failedRun = await finished(id);
    expect(failedRun).toMatchObject({ status: "FAILED", reasonForIncompletion: "order rejected" });
    const cleanupId = String(failedRun.output?.["conductor.failure_workflow"]);
    expect(failedRun.output?.["conductor.failure_workflow"]).toEqual(expect.any(String));
    expect(failedRun.output).toEqual({ order: 7, "conductor.failure_workflow": cleanupId });
    started.push(cleanupId);
    // The engine starts it after the failure is stored: until then the id is unknown.
    const cleanup = await eventually(async () => {
      const w = await executor().getWorkflow(cleanupId, true).catch(() => undefined);
      return w && w.status !== "RUNNING" ? w : undefined;
    }, 30_000, 100);
    expect(cleanup).toMatchObject({ workflowName: "st_cleanup", status: "COMPLETED" });
    expect(cleanup.input).toMatchObject({
      order: 7,
      workflowId: id,
      reason: "order rejected",
      failureStatus: "FAILED",
      failureTaskId: failedRun.tasks!.find((t) => t.referenceTaskName === "stop")!.taskId,
    });
  });

  it("rejects an invalid terminationStatus, naming the field", async () => {
    const badTerminate = await http(baton.url, "POST", "/api/metadata/workflow", {
      name: "st_bad_terminate",
      tasks: [{ name: "t", taskReferenceName: "t", type: "TERMINATE", inputParameters: { terminationStatus: "DONE" } }],
    });
    expect(badTerminate.status).toBe(400);
    expect(badTerminate.json().validationErrors[0].path).toBe("tasks[0].inputParameters.terminationStatus");
  });

  it("rebuilds exactly the served Conductor JSON of every workflow from the stored events", async () => {
    expect(started.length).toBeGreaterThan(5);
    const replayed = await replayWorkflowJson(baton.store);
    for (const id of started) {
      const live = (await http(baton.url, "GET", `/api/workflow/${id}`)).json();
      expect(JSON.parse(JSON.stringify(replayed.get(id)))).toEqual(live);
    }
  });
});
