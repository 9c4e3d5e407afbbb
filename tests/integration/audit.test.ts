/** Baton's audit endpoints: a workflow's event timeline and its state at a past revision or time. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessApp } from "../support/app.ts";
import { eventually } from "../support/baton.ts";

describe("audit REST endpoints", () => {
  let t: Awaited<ReturnType<typeof inProcessApp>>;
  let done: string;
  let timedOut: string;

  beforeAll(async () => {
    t = await inProcessApp();
    await t.call("POST", "/api/metadata/taskdefs", [
      { name: "audit_task", retryCount: 0 },
      { name: "audit_slow", retryCount: 0, responseTimeoutSeconds: 1, timeoutSeconds: 60 },
    ]);
    await t.call("POST", "/api/metadata/workflow", {
      name: "audit_flow",
      tasks: [{ name: "audit_task", taskReferenceName: "first", inputParameters: { x: "${workflow.input.x}" } }],
      outputParameters: { y: "${first.output.y}" },
    });
    await t.call("POST", "/api/metadata/workflow", {
      name: "audit_slow_flow",
      tasks: [{ name: "audit_slow", taskReferenceName: "slow" }],
    });

    done = (await t.call("POST", "/api/workflow", { name: "audit_flow", input: { x: 1 } })).text;
    const [task] = (await t.call("GET", "/api/tasks/poll/batch/audit_task?workerid=worker-a&count=1&timeout=0")).json();
    await t.call("POST", "/api/tasks", {
      workflowInstanceId: done,
      taskId: task.taskId,
      status: "COMPLETED",
      outputData: { y: 2 },
      workerId: "worker-a",
    });

    timedOut = (await t.call("POST", "/api/workflow", { name: "audit_slow_flow", input: {} })).text;
    await t.call("GET", "/api/tasks/poll/batch/audit_slow?workerid=worker-b&count=1&timeout=0");
    await eventually(async () => ((await t.call("GET", `/api/workflow/${timedOut}`)).json().status === "TIMED_OUT" ? true : undefined), 10_000);
  });
  afterAll(() => t.close());

  it("lists every event of a workflow with its task, status and source", async () => {
    const response = await t.call("GET", `/api/workflow/${done}/timeline`);
    expect(response.status).toBe(200);
    const timeline = response.json();
    expect(timeline.map((e: any) => [e.revision, e.type, e.taskRef ?? null, e.status])).toEqual([
      [0, "WorkflowStarted", null, "RUNNING"],
      [1, "TaskScheduled", "first", "SCHEDULED"],
      [2, "TaskStarted", "first", "IN_PROGRESS"],
      [3, "TaskCompleted", "first", "COMPLETED"],
      [4, "WorkflowCompleted", null, "COMPLETED"],
    ]);
    expect(timeline[0].source).toEqual({ kind: "rest", detail: "POST /api/workflow" });
    expect(timeline[2].source).toEqual({ kind: "worker", detail: "worker-a" });
    expect(timeline[3].source).toEqual({ kind: "worker", detail: "worker-a" });
    expect(timeline[4].source).toEqual({ kind: "worker", detail: "worker-a" });
    for (const entry of timeline) {
      expect(new Date(entry.time).getTime()).toBe(entry.timeMs);
      expect(entry.position).toBeGreaterThanOrEqual(0);
    }
    expect(timeline[1].taskId).toEqual(expect.any(String));
  });

  it("attributes a timeout to the timer", async () => {
    const timeline = (await t.call("GET", `/api/workflow/${timedOut}/timeline`)).json();
    const timeout = timeline.find((e: any) => e.type === "TaskTimedOut");
    expect(timeout).toMatchObject({ taskRef: "slow", status: "TIMED_OUT", source: { kind: "timer" } });
    expect(timeline.at(-1)).toMatchObject({ type: "WorkflowTimedOut", status: "TIMED_OUT", source: { kind: "timer" } });
    expect(timeline.find((e: any) => e.type === "TaskStarted").source).toEqual({ kind: "worker", detail: "worker-b" });
  });

  it("shows the workflow as it was after a revision", async () => {
    const early = await t.call("GET", `/api/workflow/${done}/at?revision=2`);
    expect(early.status).toBe(200);
    const json = early.json();
    expect(json).toMatchObject({ workflowId: done, status: "RUNNING", output: {} });
    expect(json.tasks.map((task: any) => [task.referenceTaskName, task.status, task.workerId])).toEqual([["first", "IN_PROGRESS", "worker-a"]]);
    const last = (await t.call("GET", `/api/workflow/${done}/at?revision=4`)).json();
    expect(last).toEqual((await t.call("GET", `/api/workflow/${done}`)).json());
  });

  it("shows the workflow as it was at a time, as ISO 8601 or epoch ms", async () => {
    const timeline = (await t.call("GET", `/api/workflow/${done}/timeline`)).json();
    const started = timeline[0];
    const atStart = (await t.call("GET", `/api/workflow/${done}/at?time=${encodeURIComponent(started.time)}`)).json();
    expect(atStart.status).toBe("RUNNING");
    // Events recorded in the same millisecond as the start are part of the state at that time.
    const sameMs = timeline.filter((e: any) => e.timeMs === started.timeMs).length;
    expect(atStart.tasks).toHaveLength(sameMs > 1 ? 1 : 0);
    const byEpoch = (await t.call("GET", `/api/workflow/${done}/at?time=${timeline.at(-1).timeMs}`)).json();
    expect(byEpoch.status).toBe("COMPLETED");
  });

  it("answers 404 for an unknown workflow", async () => {
    for (const path of ["/api/workflow/nope/timeline", "/api/workflow/nope/at?revision=0"]) {
      const response = await t.call("GET", path);
      expect(response.status).toBe(404);
      expect(response.json().message).toContain("nope");
    }
  });

  it("answers 400 naming the parameter for bad points in time", async () => {
    const bad = async (query: string) => {
      const response = await t.call("GET", `/api/workflow/${done}/at${query}`);
      expect(response.status, query).toBe(400);
      return response.json().message as string;
    };
    expect(await bad("")).toMatch(/^revision: .*required/);
    expect(await bad("?revision=1&time=0")).toMatch(/^revision, time: give one/);
    expect(await bad("?revision=5")).toMatch(/^revision: expected a whole number from 0 to 4/);
    expect(await bad("?revision=two")).toMatch(/^revision: expected a whole number/);
    expect(await bad("?time=yesterday")).toMatch(/^time: expected an ISO 8601/);
    expect(await bad("?time=2000-01-01T00:00:00Z")).toMatch(/^time: .* is before the workflow started/);
    const body = (await t.call("GET", `/api/workflow/${done}/at?time=nope`)).json();
    expect(body.validationErrors[0]).toMatchObject({ path: "time", invalidValue: "nope" });
  });
});
