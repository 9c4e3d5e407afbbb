import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessApp } from "../support/app.ts";

/** Conductor's response shapes and status codes that clients depend on. */
describe("REST shapes", () => {
  let t: Awaited<ReturnType<typeof inProcessApp>>;
  beforeAll(async () => {
    t = await inProcessApp();
    await t.call("POST", "/api/metadata/taskdefs", [{ name: "s_task", retryCount: 0 }]);
    await t.call("POST", "/api/metadata/workflow", {
      name: "s_flow",
      tasks: [{ name: "s_task", taskReferenceName: "a", inputParameters: { x: "${workflow.input.x}" } }],
    });
  });
  afterAll(() => t.close());

  it("returns ids as text/plain and empty polls as []", async () => {
    const started = await t.call("POST", "/api/workflow", { name: "s_flow", input: { x: 1 }, correlationId: "c-1" });
    expect(started.status).toBe(200);
    expect(started.contentType).toContain("text/plain");
    const empty = await t.call("GET", "/api/tasks/poll/batch/nothing_here?timeout=0");
    expect(empty.status).toBe(200);
    expect(empty.json()).toEqual([]);
    const single = await t.call("GET", "/api/tasks/poll/nothing_here");
    expect(single.status).toBe(204);
  });

  it("long-polls until a task arrives", async () => {
    await t.call("GET", "/api/tasks/poll/batch/s_task?count=100&timeout=0");
    const pending = t.call("GET", "/api/tasks/poll/batch/s_task?workerid=lp&count=1&timeout=3000");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const id = (await t.call("POST", "/api/workflow", { name: "s_flow", input: { x: 2 } })).text;
    const polled = (await pending).json();
    expect(polled.map((task: any) => task.workflowInstanceId)).toContain(id);
  });

  it("update-v2 returns the next task of the same type, or 204", async () => {
    await t.call("GET", "/api/tasks/poll/batch/s_task?count=100&timeout=0");
    const a = (await t.call("POST", "/api/workflow", { name: "s_flow", input: { x: 10 } })).text;
    const b = (await t.call("POST", "/api/workflow", { name: "s_flow", input: { x: 20 } })).text;
    const [first] = (await t.call("GET", "/api/tasks/poll/batch/s_task?workerid=v2&count=1")).json();
    const next = await t.call("POST", "/api/tasks/update-v2", {
      workflowInstanceId: first.workflowInstanceId,
      taskId: first.taskId,
      status: "COMPLETED",
      workerId: "v2",
    });
    expect(next.status).toBe(200);
    const nextTask = next.json();
    expect(nextTask.status).toBe("IN_PROGRESS");
    expect(nextTask.workerId).toBe("v2");
    expect([a, b]).toContain(nextTask.workflowInstanceId);
    expect(nextTask.workflowInstanceId).not.toBe(first.workflowInstanceId);
    const none = await t.call("POST", "/api/tasks/update-v2", {
      workflowInstanceId: nextTask.workflowInstanceId,
      taskId: nextTask.taskId,
      status: "COMPLETED",
      workerId: "v2",
    });
    expect(none.status).toBe(204);
    const inProgress = await t.call("POST", "/api/workflow", { name: "s_flow", input: { x: 30 } });
    const [third] = (await t.call("GET", "/api/tasks/poll/batch/s_task?count=1")).json();
    expect(third.workflowInstanceId).toBe(inProgress.text);
    const stillWorking = await t.call("POST", "/api/tasks/update-v2", {
      workflowInstanceId: third.workflowInstanceId,
      taskId: third.taskId,
      status: "IN_PROGRESS",
      callbackAfterSeconds: 60,
    });
    expect(stillWorking.status).toBe(204);
    expect((await t.call("GET", `/api/tasks/${third.taskId}`)).json()).toMatchObject({ status: "SCHEDULED", callbackAfterSeconds: 60 });
    expect((await t.call("GET", "/api/tasks/queue/sizes?taskType=s_task")).json()).toEqual({ s_task: 1 });
    expect((await t.call("GET", "/api/tasks/poll/batch/s_task?count=1&timeout=0")).json()).toEqual([]);
    expect((await t.call("POST", `/api/workflow/${third.workflowInstanceId}/resetcallbacks`)).status).toBe(204);
    expect((await t.call("GET", "/api/tasks/poll/batch/s_task?count=1&timeout=0")).json()).toHaveLength(1);
  });

  it("serves Workflow JSON, status, search summaries, correlation and running lists", async () => {
    const id = (await t.call("POST", "/api/workflow", { name: "s_flow", input: { x: 5 }, correlationId: "corr-9" })).text;
    const wf = (await t.call("GET", `/api/workflow/${id}`)).json();
    expect(wf).toMatchObject({ workflowId: id, status: "RUNNING", workflowName: "s_flow", workflowVersion: 1, correlationId: "corr-9" });
    expect(typeof wf.createTime).toBe("number");
    expect(wf.tasks[0]).toMatchObject({ taskType: "s_task", referenceTaskName: "a", inputData: { x: 5 }, seq: 1, workflowInstanceId: id });
    expect((await t.call("GET", `/api/workflow/${id}?includeTasks=false`)).json().tasks).toEqual([]);
    expect((await t.call("GET", `/api/workflow/${id}/status?includeOutput=true`)).json()).toMatchObject({ workflowId: id, status: "RUNNING", output: {} });
    const search = (await t.call("GET", `/api/workflow/search?query=${encodeURIComponent("correlationId = 'corr-9' AND status IN (RUNNING,PAUSED)")}`)).json();
    expect(search.totalHits).toBe(1);
    expect(search.results[0]).toMatchObject({ workflowId: id, workflowType: "s_flow", input: JSON.stringify({ x: 5 }), output: "{}" });
    expect(search.results[0].startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await t.call("GET", "/api/workflow/s_flow/correlated/corr-9")).json().map((w: any) => w.workflowId)).toEqual([id]);
    expect((await t.call("GET", "/api/workflow/running/s_flow")).json()).toContain(id);
  });

  it("restart/retry answer 204, rerun answers the id as text, terminate and pause answer empty 200", async () => {
    const id = (await t.call("POST", "/api/workflow", { name: "s_flow", input: { x: 7 } })).text;
    const pause = await t.call("PUT", `/api/workflow/${id}/pause`);
    expect([pause.status, pause.text]).toEqual([200, ""]);
    const resume = await t.call("PUT", `/api/workflow/${id}/resume`);
    expect([resume.status, resume.text]).toEqual([200, ""]);
    const terminate = await t.call("DELETE", `/api/workflow/${id}?reason=stop`);
    expect([terminate.status, terminate.text]).toEqual([200, ""]);
    expect((await t.call("POST", `/api/workflow/${id}/restart`)).status).toBe(204);
    await t.call("DELETE", `/api/workflow/${id}`);
    expect((await t.call("POST", `/api/workflow/${id}/retry`)).status).toBe(204);
    await t.call("DELETE", `/api/workflow/${id}`);
    const rerun = await t.call("POST", `/api/workflow/${id}/rerun`, { workflowInput: { x: 8 } });
    expect([rerun.status, rerun.text]).toEqual([200, id]);
    expect((await t.call("GET", `/api/workflow/${id}`)).json().input).toEqual({ x: 8 });
  });

  it("enforces idempotency keys (FAIL, RETURN_EXISTING, FAIL_ON_RUNNING)", async () => {
    const start = (key: string, strategy: string) =>
      t.call("POST", "/api/workflow", { name: "s_flow", idempotencyKey: key, idempotencyStrategy: strategy });
    const first = (await start("k1", "FAIL")).text;
    const again = await start("k1", "FAIL");
    expect(again.status).toBe(409);
    expect(again.json().message).toMatch(/idempotencyKey 'k1'/);
    expect((await start("k1", "RETURN_EXISTING")).text).toBe(first);
    expect((await start("k1", "FAIL_ON_RUNNING")).status).toBe(409);
    await t.call("DELETE", `/api/workflow/${first}`);
    const fresh = await start("k1", "FAIL_ON_RUNNING");
    expect(fresh.status).toBe(200);
    expect(fresh.text).not.toBe(first);
    expect((await t.call("GET", `/api/workflow/${fresh.text}`)).json().idempotencyKey).toBe("k1");
  });

  it("registers, overwrites, lists and deletes definitions", async () => {
    const def = { name: "m_flow", version: 2, tasks: [{ name: "s_task", taskReferenceName: "a" }] };
    expect((await t.call("POST", "/api/metadata/workflow", def)).status).toBe(200);
    expect((await t.call("POST", "/api/metadata/workflow", def)).status).toBe(409);
    expect((await t.call("POST", "/api/metadata/workflow?overwrite=true", { ...def, description: "new" })).status).toBe(200);
    expect((await t.call("GET", "/api/metadata/workflow/m_flow?version=2")).json().description).toBe("new");
    const bulk = await t.call("PUT", "/api/metadata/workflow", [{ ...def, version: 3 }]);
    expect(bulk.json().bulkSuccessfulResults).toEqual(["m_flow"]);
    expect((await t.call("GET", "/api/metadata/workflow/m_flow")).json().version).toBe(3);
    expect((await t.call("DELETE", "/api/metadata/workflow/m_flow/3")).status).toBe(200);
    expect((await t.call("GET", "/api/metadata/workflow/m_flow")).json().version).toBe(2);
    expect((await t.call("PUT", "/api/metadata/taskdefs", { name: "s_task", retryCount: 5 })).status).toBe(200);
    expect((await t.call("GET", "/api/metadata/taskdefs/s_task")).json().retryCount).toBe(5);
    expect((await t.call("PUT", "/api/metadata/taskdefs", { name: "never_registered" })).status).toBe(404);
    expect((await t.call("DELETE", "/api/metadata/taskdefs/s_task")).status).toBe(200);
    expect((await t.call("GET", "/api/metadata/taskdefs/s_task")).status).toBe(404);
    expect((await t.call("GET", "/health")).json().healthy).toBe(true);
  });
});
