/**
 * Timeouts, as Conductor's DeciderService checks them on every decide
 * (checkWorkflowTimeout, checkTotalTimeout, checkTaskTimeout,
 * checkTaskPollTimeout, isResponseTimedOut), driven by the CheckTimeouts
 * command the sweeper sends at `nextTimeoutAt`.
 */
import { describe, expect, it } from "vitest";
import type { WorkflowCommand } from "../../src/domain/workflow/commands.ts";
import type { WorkflowEvent } from "../../src/domain/workflow/events.ts";
import { nextTimeoutAt } from "../../src/domain/workflow/timeouts.ts";
import {
  at,
  completed,
  failed,
  given,
  polled,
  scheduled,
  simpleTask,
  started,
  T0,
  taskIn,
  taskResult,
  workflowDef,
} from "../support/decider-spec.ts";

const checkTimeouts: WorkflowCommand = { type: "CheckTimeouts" };

/** A one-task workflow with `taskDef` settings, its task polled at T0. */
function polledTask(taskDef: Parameters<typeof simpleTask>[2], defFields: Parameters<typeof workflowDef>[1] = {}) {
  const task = simpleTask("fetch_order", { taskReferenceName: "fetch" }, taskDef);
  const def = workflowDef([task], defFields);
  const history: WorkflowEvent[] = [started(def), scheduled(task, { taskId: "t1", seq: 1 }), polled("t1")];
  return { task, def, history };
}

const inProgressUpdate = (taskId: string, time: number): WorkflowEvent => ({
  type: "TaskUpdated",
  data: { taskId, workerId: "worker-1", outputData: {}, callbackAfterSeconds: 0, time },
});

describe("responseTimeoutSeconds", () => {
  it("times out an IN_PROGRESS task the worker stopped updating and retries it, even under TIME_OUT_WF (isResponseTimedOut ignores the policy)", () => {
    const { task, history } = polledTask({ responseTimeoutSeconds: 30, retryCount: 1, retryDelaySeconds: 0, timeoutPolicy: "TIME_OUT_WF" });
    expect(nextTimeoutAt(given(history).state)).toBe(at(30));
    given(history).when(checkTimeouts, at(29)).then([]);
    const state = given(history)
      .when(checkTimeouts, at(30))
      .then([
        {
          type: "TaskTimedOut",
          data: { taskId: "t1", reason: expect.stringMatching(/^responseTimeout: 30 exceeded for the taskId: t1/), time: at(30) },
        },
        scheduled(task, { taskId: "id-1", seq: 2, retryCount: 1, retriedTaskId: "t1", time: at(30) }),
      ]);
    expect(state.status).toBe("RUNNING");
    expect(taskIn(state, "t1")).toMatchObject({ status: "TIMED_OUT", retried: true });
  });

  it("applies under ALERT_ONLY too", () => {
    const { history } = polledTask({ responseTimeoutSeconds: 30, retryCount: 1, retryDelaySeconds: 0, timeoutPolicy: "ALERT_ONLY" });
    const events = given(history).when(checkTimeouts, at(30)).events();
    expect(events.map((e) => e.type)).toEqual(["TaskTimedOut", "TaskScheduled"]);
  });

  it("counts from the worker's last update, not from the first poll", () => {
    const { history } = polledTask({ responseTimeoutSeconds: 30 });
    const repolled = [...history, inProgressUpdate("t1", at(20)), polled("t1", at(25))];
    expect(nextTimeoutAt(given(repolled).state)).toBe(at(55));
  });

  it("times the workflow out, not fails it, once retries are exhausted: a TIMED_OUT task ends the workflow TIMED_OUT (DeciderService.retry)", () => {
    const { history } = polledTask({ responseTimeoutSeconds: 30, retryCount: 0, timeoutPolicy: "RETRY" });
    const state = given(history)
      .when(checkTimeouts, at(30))
      .then([
        { type: "TaskTimedOut", data: { taskId: "t1", reason: expect.stringMatching(/^responseTimeout: 30/), time: at(30) } },
        {
          type: "WorkflowTimedOut",
          data: {
            reason: expect.stringMatching(/^Task t1 failed with status: TIMED_OUT and reason: 'responseTimeout: 30/),
            failedTaskId: "t1",
            output: {},
            time: at(30),
          },
        },
      ]);
    expect(state).toMatchObject({ status: "TIMED_OUT", failedTaskId: "t1" });
  });
});

describe("timeoutSeconds", () => {
  it("times out a running task and retries it under RETRY (task timeout is checked before the response timeout)", () => {
    const { task, history } = polledTask({ timeoutSeconds: 60, responseTimeoutSeconds: 60, timeoutPolicy: "RETRY", retryCount: 1, retryDelaySeconds: 0 });
    expect(nextTimeoutAt(given(history).state)).toBe(at(60));
    given(history)
      .when(checkTimeouts, at(60))
      .then([
        { type: "TaskTimedOut", data: { taskId: "t1", reason: expect.stringMatching(/^Task timed out after 60 seconds/), time: at(60) } },
        scheduled(task, { taskId: "id-1", seq: 2, retryCount: 1, retriedTaskId: "t1", time: at(60) }),
      ]);
  });

  it("keeps running while the task is SCHEDULED again after an IN_PROGRESS update (startTime stays set)", () => {
    const { history } = polledTask({ timeoutSeconds: 60, responseTimeoutSeconds: 20, timeoutPolicy: "RETRY", retryCount: 1 });
    const waiting = [...history, inProgressUpdate("t1", at(15))];
    expect(nextTimeoutAt(given(waiting).state)).toBe(at(60));
    const events = given(waiting).when(checkTimeouts, at(60)).events();
    expect(events[0]).toMatchObject({ type: "TaskTimedOut", data: { taskId: "t1" } });
  });

  it("times the workflow out at once, without retry, under TIME_OUT_WF", () => {
    const { history } = polledTask({ timeoutSeconds: 60, responseTimeoutSeconds: 60, timeoutPolicy: "TIME_OUT_WF", retryCount: 3 });
    const state = given(history)
      .when(checkTimeouts, at(61))
      .then([
        { type: "TaskTimedOut", data: { taskId: "t1", reason: expect.stringMatching(/^Task timed out after 61 seconds/), time: at(61) } },
        {
          type: "WorkflowTimedOut",
          data: { reason: expect.stringMatching(/Task timed out after 61 seconds/), failedTaskId: "t1", output: {}, time: at(61) },
        },
      ]);
    expect(state.status).toBe("TIMED_OUT");
    expect(state.tasks).toHaveLength(1);
  });

  it("cancels the workflow's other active tasks when a task times it out", () => {
    const a = simpleTask("a", {}, { timeoutSeconds: 10, responseTimeoutSeconds: 10 });
    const b = simpleTask("b");
    const def = workflowDef([a, b]);
    // `b` cannot run alongside `a` in a sequential definition, so schedule it by hand:
    // the point is that whatever still runs is canceled.
    const history = [started(def), scheduled(a, { taskId: "t1", seq: 1 }), polled("t1"), scheduled(b, { taskId: "t2", seq: 2 })];
    const events = given(history).when(checkTimeouts, at(10)).events();
    expect(events.map((e) => e.type)).toEqual(["TaskTimedOut", "TaskCanceled", "WorkflowTimedOut"]);
    expect(events[1]).toMatchObject({ data: { taskId: "t2" } });
  });
});

describe("pollTimeoutSeconds", () => {
  it("times out a task no worker polled in time and retries it under RETRY", () => {
    const task = simpleTask("fetch_order", { taskReferenceName: "fetch" }, { pollTimeoutSeconds: 30, timeoutPolicy: "RETRY", retryCount: 1, retryDelaySeconds: 0 });
    const def = workflowDef([task]);
    const history = [started(def), scheduled(task, { taskId: "t1", seq: 1 })];
    expect(nextTimeoutAt(given(history).state)).toBe(at(30));
    given(history).when(checkTimeouts, at(29)).then([]);
    given(history)
      .when(checkTimeouts, at(30))
      .then([
        { type: "TaskTimedOut", data: { taskId: "t1", reason: expect.stringMatching(/^Task poll timed out after 30 seconds/), time: at(30) } },
        scheduled(task, { taskId: "id-1", seq: 2, retryCount: 1, retriedTaskId: "t1", time: at(30) }),
      ]);
  });

  it("does not apply once the task is polled", () => {
    const { history } = polledTask({ pollTimeoutSeconds: 5, responseTimeoutSeconds: 100 });
    expect(nextTimeoutAt(given(history).state)).toBe(at(100));
    given(history).when(checkTimeouts, at(50)).then([]);
  });
});

describe("ALERT_ONLY", () => {
  it("leaves a task past its timeoutSeconds and pollTimeoutSeconds alone (timeoutTaskWithTimeoutPolicy only logs)", () => {
    const { history } = polledTask({ timeoutSeconds: 60, responseTimeoutSeconds: 60, pollTimeoutSeconds: 10, timeoutPolicy: "ALERT_ONLY" });
    const waiting = [...history, inProgressUpdate("t1", at(1))];
    expect(nextTimeoutAt(given(waiting).state)).toBeUndefined();
    given(waiting).when(checkTimeouts, at(500)).then([]);
  });

  it("leaves a task past its totalTimeoutSeconds alone (checkTotalTimeout follows the policy)", () => {
    const { history } = polledTask({ totalTimeoutSeconds: 100, responseTimeoutSeconds: 3600, timeoutPolicy: "ALERT_ONLY" });
    expect(nextTimeoutAt(given(history).state)).toBe(at(3600));
    given(history).when(checkTimeouts, at(200)).then([]);
  });
});

describe("totalTimeoutSeconds", () => {
  const task = simpleTask(
    "fetch_order",
    { taskReferenceName: "fetch" },
    { totalTimeoutSeconds: 100, retryCount: 5, retryDelaySeconds: 0, timeoutPolicy: "RETRY" },
  );
  const def = workflowDef([task]);
  const secondAttempt = [
    started(def),
    scheduled(task, { taskId: "t1", seq: 1 }),
    failed("t1", "boom", at(50)),
    scheduled(task, { taskId: "t2", seq: 2, retryCount: 1, retriedTaskId: "t1", time: at(50) }),
    polled("t2", at(60)),
  ];

  it("is counted from the first attempt's scheduling", () => {
    expect(taskIn(given(secondAttempt).state, "t2").firstScheduledTime).toBe(T0);
    expect(nextTimeoutAt(given(secondAttempt).state)).toBe(at(100));
  });

  it("stops retries once the budget is spent, though retries are left (retry() guard)", () => {
    given(secondAttempt)
      .when(taskResult("t2", "FAILED", { workerId: "worker-1", reasonForIncompletion: "boom" }), at(100))
      .then([
        failed("t2", "boom", at(100)),
        {
          type: "WorkflowFailed",
          data: { reason: expect.stringContaining("Task t2 failed with status: FAILED"), failedTaskId: "t2", output: {}, time: at(100) },
        },
      ]);
  });

  it("times out a running attempt when the budget runs out, and the workflow with it", () => {
    const events = given(secondAttempt).when(checkTimeouts, at(100)).events();
    expect(events.map((e) => e.type)).toEqual(["TaskTimedOut", "WorkflowTimedOut"]);
    expect(events[1]).toMatchObject({ data: { failedTaskId: "t2" } });
  });
});

describe("workflow timeoutSeconds", () => {
  const fetch = simpleTask("fetch_order", { taskReferenceName: "fetch" });
  const history = (timeoutPolicy: "TIME_OUT_WF" | "ALERT_ONLY", extra: Parameters<typeof workflowDef>[1] = {}) => {
    const def = workflowDef([fetch], { timeoutSeconds: 300, timeoutPolicy, ...extra });
    return [started(def, { orderId: 42 }), scheduled(fetch, { taskId: "t1", seq: 1 }), polled("t1", at(10))];
  };

  it("times the workflow out under TIME_OUT_WF and cancels its active tasks (checkWorkflowTimeout)", () => {
    const running = history("TIME_OUT_WF");
    expect(nextTimeoutAt(given(running).state)).toBe(at(300));
    given(running).when(checkTimeouts, at(299)).then([]);
    const state = given(running)
      .when(checkTimeouts, at(300))
      .then([
        { type: "TaskCanceled", data: { taskId: "t1", reason: expect.any(String), time: at(300) } },
        {
          type: "WorkflowTimedOut",
          data: { reason: expect.stringMatching(/^Workflow timed out after 300 seconds/), output: {}, time: at(300) },
        },
      ]);
    expect(state.status).toBe("TIMED_OUT");
    expect(taskIn(state, "t1").status).toBe("CANCELED");
  });

  it("computes the workflow's output when it times out (updateWorkflowOutput on termination)", () => {
    const running = history("TIME_OUT_WF", { outputParameters: { orderId: "${workflow.input.orderId}" } });
    const state = given(running).when(checkTimeouts, at(300)).state();
    expect(state.output).toEqual({ orderId: 42 });
  });

  it("gives a timed-out workflow with a failureWorkflow its failureWorkflowId", () => {
    const running = history("TIME_OUT_WF", { failureWorkflow: "orders_cleanup" });
    const state = given(running).when(checkTimeouts, at(300)).state();
    expect(state.failureWorkflowId).toBe("id-1");
    expect(state.output).toEqual({ "conductor.failure_workflow": "id-1" });
  });

  it("only alerts under ALERT_ONLY", () => {
    const running = history("ALERT_ONLY");
    expect(nextTimeoutAt(given(running).state)).toBe(at(10 + 3600));
    given(running).when(checkTimeouts, at(1000)).then([]);
  });

  it("still runs while the workflow is PAUSED, but task timeouts wait", () => {
    const paused = [...history("TIME_OUT_WF"), { type: "WorkflowPaused" as const, data: { time: at(20) } }];
    expect(nextTimeoutAt(given(paused).state)).toBe(at(300));
    const events = given(paused).when(checkTimeouts, at(300)).events();
    expect(events.map((e) => e.type)).toEqual(["TaskCanceled", "WorkflowTimedOut"]);

    const pausedLong = [...history("ALERT_ONLY"), { type: "WorkflowPaused" as const, data: { time: at(20) } }];
    given(pausedLong).when(checkTimeouts, at(10_000)).then([]);
  });

  it("restarts its clock on resume (lastRetriedTime)", () => {
    const resumed = [
      ...history("TIME_OUT_WF"),
      { type: "WorkflowPaused" as const, data: { time: at(20) } },
      { type: "WorkflowResumed" as const, data: { time: at(200) } },
    ];
    expect(nextTimeoutAt(given(resumed).state)).toBe(at(500));
    given(resumed).when(checkTimeouts, at(300)).then([]);
  });
});

describe("nextTimeoutAt", () => {
  it("returns the earliest deadline of the workflow and its tasks", () => {
    const { history } = polledTask({ responseTimeoutSeconds: 30 }, { timeoutSeconds: 300, timeoutPolicy: "TIME_OUT_WF" });
    expect(nextTimeoutAt(given(history).state)).toBe(at(30));
  });

  it("returns undefined for a workflow that has finished", () => {
    const { history } = polledTask({ responseTimeoutSeconds: 30 }, { timeoutSeconds: 300, timeoutPolicy: "TIME_OUT_WF" });
    const done = [...history, completed("t1", {}, at(5)), { type: "WorkflowCompleted" as const, data: { output: {}, time: at(5) } }];
    expect(nextTimeoutAt(given(done).state)).toBeUndefined();
    given(done).when(checkTimeouts, at(1000)).then([]);
  });

  it("returns undefined for a workflow that does not exist", () => {
    expect(nextTimeoutAt(given([]).state)).toBeUndefined();
  });
});
