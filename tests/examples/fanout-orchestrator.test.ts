import { noopLogger, TaskHandler } from "@io-orkes/conductor-javascript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKFLOW_NAME } from "../../examples/fanout-orchestrator/definitions.ts";
import { registerFanout } from "../../examples/fanout-orchestrator/register.ts";
import { callService, serviceWorkers, startServiceServer } from "../../examples/fanout-orchestrator/services.ts";
import { eventually, http, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";

/**
 * examples/fanout-orchestrator end to end on the embedded defaults: the original
 * API under BATON_FANOUT_API_PREFIX, requests queued through the in-process bus
 * or started directly, calls made by the mock services as SDK workers or over
 * Baton's HTTP task, every call's status, payloads, times and error read back.
 */
const PREFIX = "/fanout";
const MOCKS = { failScenarios: [13], latencyMs: { revenue: 30, specialty: 700 } };

describe("fan-out orchestrator example", () => {
  let baton: TestBaton;
  let clients: Awaited<ReturnType<typeof sdkClients>>;
  let handler: TaskHandler;

  beforeAll(async () => {
    baton = await startBaton({ env: { BATON_FANOUT_API_PREFIX: PREFIX } });
    clients = await sdkClients(baton.url);
    await registerFanout(clients, { kind: "worker" });
    handler = new TaskHandler({ client: clients.getClient(), workers: serviceWorkers(MOCKS), scanForDecorated: false, logger: noopLogger });
    await handler.startWorkers();
  });

  afterAll(async () => {
    await handler?.stopWorkers();
    await baton?.close();
  });

  const finished = (taskId: string) =>
    eventually(async () => {
      const response = await http(baton.url, "GET", `${PREFIX}/api/tasks/${taskId}`);
      if (response.status !== 200) return undefined;
      const task = response.json();
      return task.status === "COMPLETED" || task.status === "FAILED" ? task : undefined;
    });

  const byService = (task: any) => Object.fromEntries(task.requests.map((r: any) => [`${r.item_index}:${r.service}`, r]));

  it("queues a request through the bus and makes one call per service per item, each tracked with its payloads", async () => {
    const payload = [
      { services: ["revenue", "rebates"], scenario_id: 7, business_type_id: 2 },
      { services: ["specialty"], scenario_id: 4, business_type_id: "1" },
    ];
    const accepted = await http(baton.url, "POST", `${PREFIX}/api/orchestrate`, { task_name: "Q3 forecast", description: "two items", payload });
    expect(accepted.status).toBe(202);
    const { task_id } = accepted.json();
    expect(task_id).toMatch(/^[0-9a-f-]{36}$/);

    // While the slow specialty service works, its call is IN_PROGRESS (started, no response yet) and so is the task.
    const during = await eventually(async () => {
      const view = (await http(baton.url, "GET", `${PREFIX}/api/tasks/${task_id}`)).json();
      return view.status === "IN_PROGRESS" && byService(view)["1:specialty"]?.status === "IN_PROGRESS" ? view : undefined;
    });
    expect(byService(during)["1:specialty"]).toMatchObject({ response_payload: null, completed_at: null, error: null });
    expect(byService(during)["1:specialty"].started_at).not.toBeNull();
    expect(during.summary.in_progress).toBeGreaterThanOrEqual(1);

    const task = await finished(task_id);
    expect(task).toMatchObject({ task_id, task_name: "Q3 forecast", description: "two items", status: "COMPLETED", error: null });
    expect(task.summary).toEqual({ total: 3, pending: 0, in_progress: 0, completed: 3, failed: 0 });
    const calls = byService(task);
    expect(Object.keys(calls).sort()).toEqual(["0:rebates", "0:revenue", "1:specialty"]);
    for (const call of task.requests) {
      const item = payload[call.item_index]!;
      expect(call.status).toBe("COMPLETED");
      expect(call.request_payload).toEqual({ task_id, service: call.service, item_index: call.item_index, scenario_id: item.scenario_id, business_type_id: item.business_type_id });
      expect(call.response_payload).toEqual(await callService(call.service, call.request_payload));
      expect(call.error).toBeNull();
      expect(Date.parse(call.created_at)).toBeLessThanOrEqual(Date.parse(call.started_at));
      expect(Date.parse(call.started_at)).toBeLessThanOrEqual(Date.parse(call.completed_at));
    }
    expect(calls["0:revenue"].response_payload.revenue).toBe(7020);
    expect(calls["1:specialty"].response_payload.specialty_lines).toEqual(["S-4-1", "S-4-2"]);
    // The specialty service is 700 ms slow; the task ends only after it.
    expect(Date.parse(task.completed_at)).toBeGreaterThanOrEqual(Date.parse(calls["1:specialty"].completed_at));
    expect(Date.parse(calls["1:specialty"].completed_at) - Date.parse(calls["1:specialty"].started_at)).toBeGreaterThanOrEqual(600);

    const list = (await http(baton.url, "GET", `${PREFIX}/api/tasks`)).json();
    expect(list.tasks.map((t: any) => t.task_id)).toContain(task_id);
    expect(list.tasks.find((t: any) => t.task_id === task_id)).not.toHaveProperty("requests");
  });

  it("lets every call end before failing the task, and reports the failed calls' errors", async () => {
    const payload = [
      { services: ["revenue", "specialty"], scenario_id: 13, business_type_id: 3 },
      { services: ["rebates"], scenario_id: 5, business_type_id: 4 },
    ];
    const accepted = await http(baton.url, "POST", `${PREFIX}/api/orchestrate/direct`, { task_name: "with a bad scenario", payload });
    expect(accepted.status).toBe(202);
    const task = await finished(accepted.json().task_id);
    expect(task.status).toBe("FAILED");
    expect(task.error).toBe("one or more service calls failed");
    expect(task.summary).toMatchObject({ total: 3, completed: 1, failed: 2 });
    const calls = byService(task);
    expect(calls["0:revenue"]).toMatchObject({ status: "FAILED", error: "revenue service: scenario 13 not found" });
    expect(calls["0:specialty"]).toMatchObject({ status: "FAILED", error: "specialty service: scenario 13 not found" });
    // The slow revenue failure did not cancel the rebates call: it completed with its answer.
    expect(calls["1:rebates"]).toMatchObject({ status: "COMPLETED", error: null, response_payload: { service: "rebates", rebate_rate: 0.02 } });
    expect(calls["0:revenue"].completed_at).not.toBeNull();
  });

  it("makes the calls over HTTP when the workflow is registered with the http transport", async () => {
    const services = await startServiceServer(MOCKS);
    try {
      await registerFanout(clients, { kind: "http", servicesUrl: services.url });
      const payload = [{ services: ["revenue", "rebates", "specialty"], scenario_id: 2, business_type_id: 6 }, { services: ["rebates"], scenario_id: 13, business_type_id: 1 }];
      const { task_id } = (await http(baton.url, "POST", `${PREFIX}/api/orchestrate/direct`, { task_name: "over http", payload })).json();
      const task = await finished(task_id);
      expect(services.calls.filter((c) => c.task_id === task_id).map((c) => `${c.item_index}:${c.service}`).sort()).toEqual(["0:rebates", "0:revenue", "0:specialty", "1:rebates"]);
      expect(task.status).toBe("FAILED");
      const calls = byService(task);
      expect(calls["0:revenue"]).toMatchObject({ status: "COMPLETED", response_payload: { revenue: 2060 } });
      expect(calls["0:specialty"].response_payload.specialty_lines).toEqual(["S-2-1", "S-2-2", "S-2-3"]);
      expect(calls["1:rebates"].status).toBe("FAILED");
      expect(calls["1:rebates"].error).toContain("HTTP 503");
      expect(calls["1:rebates"].error).toContain("rebates service: scenario 13 not found");
    } finally {
      await registerFanout(clients, { kind: "worker" });
      await services.close();
    }
  });

  it("rejects a malformed request naming the field, and answers 404 for an unknown task", async () => {
    const bad = await http(baton.url, "POST", `${PREFIX}/api/orchestrate`, { task_name: "x", payload: [{ services: ["payroll"], scenario_id: 1, business_type_id: 1 }] });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("payload");
    expect(bad.text).toContain("services items must be one of revenue, rebates, specialty");
    const empty = await http(baton.url, "POST", `${PREFIX}/api/orchestrate/direct`, { task_name: "x", payload: [] });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain("payload must hold at least one item");
    expect((await http(baton.url, "GET", `${PREFIX}/api/tasks/no-such-task`)).status).toBe(404);
  });

  it("leaves Conductor's /api/tasks routes alone", async () => {
    const executor = clients.getWorkflowClient();
    const { task_id } = (await http(baton.url, "POST", `${PREFIX}/api/orchestrate/direct`, { task_name: "clash check", payload: [{ services: ["rebates"], scenario_id: 1, business_type_id: 2 }] })).json();
    const task = await finished(task_id);
    const conductorTask = await http(baton.url, "GET", `/api/tasks/${task.requests[0].request_id}`);
    expect(conductorTask.status).toBe(200);
    expect(conductorTask.json()).toMatchObject({ taskType: "fanout_rebates", status: "COMPLETED", workflowInstanceId: task.workflow_id });
    const workflow = await executor.getWorkflow(task.workflow_id, true);
    expect(workflow.workflowName ?? (workflow as { workflowType?: string }).workflowType).toBe(WORKFLOW_NAME);
  });
});
