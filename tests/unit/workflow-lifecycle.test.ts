/**
 * Lifecycle operations on a workflow instance, against Conductor's
 * WorkflowExecutorOps: terminate, pause/resume, restart, retry, rerun,
 * skipTask and resetCallbacks.
 */
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "../../src/domain/errors.ts";
import type { WorkflowCommand } from "../../src/domain/workflow/commands.ts";
import type { WorkflowEvent } from "../../src/domain/workflow/events.ts";
import { isPollable } from "../../src/domain/workflow/state.ts";
import {
  at,
  completed,
  failed,
  given,
  poll,
  polled,
  rerun,
  scheduled,
  simpleTask,
  started,
  taskIn,
  taskResult,
  WORKFLOW_ID,
  workflowDef,
} from "../support/decider-spec.ts";

const fetchOrder = simpleTask("fetch_order", {
  taskReferenceName: "fetch",
  inputParameters: { orderId: "${workflow.input.orderId}" },
});
const chargeCard = simpleTask("charge_card", { taskReferenceName: "charge", inputParameters: { amount: "${fetch.output.total}" } }, { retryCount: 0 });
const shipOrder = simpleTask("ship_order", { taskReferenceName: "ship", inputParameters: { to: "${workflow.input.address}" } });
const orders = workflowDef([fetchOrder, chargeCard, shipOrder]);

const terminate = (reason?: string): WorkflowCommand => ({ type: "TerminateWorkflow", reason });
const pause: WorkflowCommand = { type: "PauseWorkflow" };
const resume: WorkflowCommand = { type: "ResumeWorkflow" };
const retry: WorkflowCommand = { type: "RetryWorkflow" };
const resetCallbacks: WorkflowCommand = { type: "ResetCallbacks" };
const skip = (ref: string, taskOutput?: Record<string, unknown>): WorkflowCommand => ({
  type: "SkipTask",
  taskReferenceName: ref,
  request: { taskOutput },
});

// Histories ------------------------------------------------------------------

const input = { orderId: 42, address: "Main St 1" };

/** fetch (t1) done; charge (t2) IN_PROGRESS. */
const running: WorkflowEvent[] = [
  started(orders, input),
  scheduled(fetchOrder, { taskId: "t1", seq: 1, inputData: { orderId: 42 } }),
  polled("t1"),
  completed("t1", { total: 10 }, at(1)),
  scheduled(chargeCard, { taskId: "t2", seq: 2, inputData: { amount: 10 }, time: at(1) }),
  polled("t2", at(2)),
];

/** charge (t2) failed with no retries: the workflow FAILED. */
const failedWorkflow: WorkflowEvent[] = [
  ...running,
  failed("t2", "card declined", at(3)),
  {
    type: "WorkflowFailed",
    data: { reason: "Task t2 failed with status: FAILED and reason: 'card declined'", failedTaskId: "t2", output: {}, time: at(3) },
  },
];

/** Every task done: the workflow COMPLETED. */
const completedWorkflow: WorkflowEvent[] = [
  ...running,
  completed("t2", { charged: true }, at(3)),
  scheduled(shipOrder, { taskId: "t3", seq: 3, inputData: { to: "Main St 1" }, time: at(3) }),
  polled("t3", at(4)),
  completed("t3", { shipped: true }, at(5)),
  { type: "WorkflowCompleted", data: { output: { shipped: true }, time: at(5) } },
];

const terminated: WorkflowEvent[] = [
  ...running,
  { type: "TaskCanceled", data: { taskId: "t2", reason: "stop", time: at(3) } },
  { type: "WorkflowTerminated", data: { reason: "stop", output: {}, time: at(3) } },
];

const paused: WorkflowEvent[] = [...running, { type: "WorkflowPaused", data: { time: at(3) } }];

describe("terminate", () => {
  it("cancels the active tasks and ends the workflow TERMINATED with the reason and computed output", () => {
    const state = given(running)
      .when(terminate("customer cancelled"), at(10))
      .then([
        { type: "TaskCanceled", data: { taskId: "t2", reason: "customer cancelled", time: at(10) } },
        // No outputParameters: the output of the last task in the list, charge (which has none yet).
        { type: "WorkflowTerminated", data: { reason: "customer cancelled", output: {}, time: at(10) } },
      ]);
    expect(state).toMatchObject({ status: "TERMINATED", reasonForIncompletion: "customer cancelled", endTime: at(10) });
    expect(taskIn(state, "t2").status).toBe("CANCELED");
  });

  it("refuses a COMPLETED workflow (409 Cannot terminate a COMPLETED workflow)", () => {
    given(completedWorkflow).when(terminate("late")).thenThrows(ConflictError, /COMPLETED/);
  });

  it("does nothing to a workflow already TERMINATED", () => {
    given(terminated).when(terminate("again"), at(20)).then([]);
  });

  it("turns a FAILED workflow into TERMINATED with the new reason", () => {
    const state = given(failedWorkflow)
      .when(terminate("cleanup"), at(20))
      .then([{ type: "WorkflowTerminated", data: { reason: "cleanup", output: {}, time: at(20) } }]);
    expect(state).toMatchObject({ status: "TERMINATED", reasonForIncompletion: "cleanup" });
  });

  it("terminates a PAUSED workflow too", () => {
    const events = given(paused).when(terminate(), at(20)).events();
    expect(events.map((e) => e.type)).toEqual(["TaskCanceled", "WorkflowTerminated"]);
  });
});

describe("pause and resume", () => {
  it("pauses a RUNNING workflow, and a second pause changes nothing", () => {
    const state = given(running).when(pause, at(3)).then([{ type: "WorkflowPaused", data: { time: at(3) } }]);
    expect(state.status).toBe("PAUSED");
    given(paused).when(pause, at(4)).then([]);
  });

  it("refuses to pause a workflow that has ended (409 … has ended, status cannot be updated)", () => {
    given(completedWorkflow).when(pause).thenThrows(ConflictError, /COMPLETED/);
  });

  it("refuses to resume a workflow that is not PAUSED (is not PAUSED so cannot resume)", () => {
    given(running).when(resume).thenThrows(ConflictError, /not PAUSED/);
  });

  it("lets workers finish queued tasks while paused, but schedules nothing until resume", () => {
    const afterCompletion = given(paused)
      .when(taskResult("t2", "COMPLETED", { workerId: "worker-1", outputData: { charged: true } }), at(5))
      .then([completed("t2", { charged: true }, at(5))]);
    expect(afterCompletion.status).toBe("PAUSED");
    expect(afterCompletion.tasks).toHaveLength(2);

    const state = given([...paused, completed("t2", { charged: true }, at(5))])
      .when(resume, at(9))
      .then([
        { type: "WorkflowResumed", data: { time: at(9) } },
        scheduled(shipOrder, { taskId: "id-1", seq: 3, inputData: { to: "Main St 1" }, time: at(9) }),
      ]);
    expect(state).toMatchObject({ status: "RUNNING", lastRetriedTime: at(9) });
  });

  it("lets a paused workflow's task still be polled (already queued tasks stay pollable)", () => {
    const history = [...running.slice(0, 5), { type: "WorkflowPaused" as const, data: { time: at(2) } }];
    given(history).when(poll("t2"), at(3)).then([polled("t2", at(3))]);
  });
});

describe("restart", () => {
  it("reruns a terminal workflow from scratch under the same id: tasks cleared, the first task scheduled again", () => {
    const state = given(completedWorkflow)
      .when({ type: "RestartWorkflow" }, at(100))
      .then([
        { type: "WorkflowRestarted", data: { time: at(100) } },
        scheduled(fetchOrder, { taskId: "id-1", seq: 1, inputData: { orderId: 42 }, time: at(100) }),
      ]);
    expect(state).toMatchObject({
      workflowId: WORKFLOW_ID,
      status: "RUNNING",
      input,
      output: {},
      createTime: at(100),
      endTime: 0,
      lastRetriedTime: 0,
    });
    expect(state.tasks.map((t) => t.taskId)).toEqual(["id-1"]);
    expect(state.reasonForIncompletion).toBeUndefined();
  });

  it("clears the failure of a FAILED workflow", () => {
    const state = given(failedWorkflow).when({ type: "RestartWorkflow" }, at(100)).state();
    expect(state).toMatchObject({ status: "RUNNING", reasonForIncompletion: undefined, failedTaskId: undefined });
  });

  it("runs with the latest definition when one is given (useLatestDefinitions)", () => {
    const audit = simpleTask("audit");
    const v2 = workflowDef([audit, fetchOrder], { version: 2 });
    const state = given(failedWorkflow)
      .when({ type: "RestartWorkflow", latestDefinition: v2 }, at(100))
      .then([
        { type: "WorkflowRestarted", data: { time: at(100), definition: v2 } },
        scheduled(audit, { taskId: "id-1", seq: 1, time: at(100) }),
      ]);
    expect(state.definition.version).toBe(2);
  });

  it("refuses a workflow that has not ended (not in terminal state, unable to restart)", () => {
    given(running).when({ type: "RestartWorkflow" }).thenThrows(ConflictError, /terminal/);
    given(paused).when({ type: "RestartWorkflow" }).thenThrows(ConflictError, /terminal/);
  });

  it("refuses a COMPLETED workflow whose definition is not restartable, but restarts it when FAILED", () => {
    const fixed = workflowDef([fetchOrder], { restartable: false });
    const history = [
      started(fixed, input),
      scheduled(fetchOrder, { taskId: "t1", seq: 1, inputData: { orderId: 42 } }),
      completed("t1", {}, at(1)),
    ];
    given([...history, { type: "WorkflowCompleted", data: { output: {}, time: at(1) } }])
      .when({ type: "RestartWorkflow" })
      .thenThrows(ConflictError, /not restartable/);
    const events = given([...history, { type: "WorkflowTerminated", data: { output: {}, time: at(1) } }])
      .when({ type: "RestartWorkflow" }, at(5))
      .events();
    expect(events.map((e) => e.type)).toEqual(["WorkflowRestarted", "TaskScheduled"]);
  });
});

describe("retry", () => {
  it("reschedules the last failed attempt as a new attempt, at once, and sets the workflow RUNNING (WorkflowExecutorOps.retry)", () => {
    const state = given(failedWorkflow)
      .when(retry, at(100))
      .then([
        { type: "WorkflowRetried", data: { time: at(100) } },
        // A manual retry is queued without the TaskDef's back-off (callbackAfterSeconds 0).
        scheduled(chargeCard, { taskId: "id-1", seq: 3, inputData: { amount: 10 }, retryCount: 1, retriedTaskId: "t2", time: at(100) }),
      ]);
    expect(state).toMatchObject({ status: "RUNNING", lastRetriedTime: at(100), reasonForIncompletion: undefined, endTime: 0 });
    expect(taskIn(state, "t2")).toMatchObject({ status: "FAILED", retried: true });
    expect(isPollable(taskIn(state, "id-1"), at(100))).toBe(true);
  });

  it("retries a task that failed with a terminal error, and a task canceled by terminate", () => {
    const terminal: WorkflowEvent[] = [
      ...running,
      failed("t2", "fatal", at(3), { terminal: true }),
      { type: "WorkflowFailed", data: { reason: "x", failedTaskId: "t2", output: {}, time: at(3) } },
    ];
    expect(given(terminal).when(retry, at(10)).events()[1]).toMatchObject({ data: { retriedTaskId: "t2", retryCount: 1 } });
    expect(given(terminated).when(retry, at(10)).events()[1]).toMatchObject({ data: { retriedTaskId: "t2", retryCount: 1 } });
  });

  it("continues the workflow after the retried task completes", () => {
    const retried = [
      ...failedWorkflow,
      { type: "WorkflowRetried" as const, data: { time: at(100) } },
      scheduled(chargeCard, { taskId: "t4", seq: 3, inputData: { amount: 10 }, retryCount: 1, retriedTaskId: "t2", time: at(100) }),
      polled("t4", at(101)),
    ];
    const events = given(retried).when(taskResult("t4", "COMPLETED", { workerId: "worker-1" }), at(102)).events();
    expect(events[1]).toEqual(scheduled(shipOrder, { taskId: "id-1", seq: 4, inputData: { to: "Main St 1" }, time: at(102) }));
  });

  it("refuses a workflow that has not ended", () => {
    given(running).when(retry).thenThrows(ConflictError, /RUNNING/);
  });

  it("refuses a COMPLETED workflow (There are no retryable tasks)", () => {
    given(completedWorkflow).when(retry).thenThrows(ConflictError, /COMPLETED/);
  });
});

describe("rerun", () => {
  it("refuses a workflow that has not ended (not in terminal state, unable to rerun)", () => {
    given(running).when(rerun({})).thenThrows(ConflictError, /terminal/);
  });

  it("without a task id, starts over from the first task with the new input (every task deleted)", () => {
    const state = given(failedWorkflow)
      .when(rerun({ workflowInput: { orderId: 7, address: "Elm St 2" }, correlationId: "corr-2" }), at(100))
      .then([
        { type: "WorkflowRerun", data: { time: at(100), workflowInput: { orderId: 7, address: "Elm St 2" }, correlationId: "corr-2" } },
        scheduled(fetchOrder, { taskId: "id-1", seq: 1, inputData: { orderId: 7 }, time: at(100) }),
      ]);
    expect(state).toMatchObject({ status: "RUNNING", input: { orderId: 7 }, correlationId: "corr-2", workflowId: WORKFLOW_ID });
    expect(state.tasks.map((t) => t.taskId)).toEqual(["id-1"]);
    expect(state.reasonForIncompletion).toBeUndefined();
  });

  it("keeps the input when none is given", () => {
    const state = given(completedWorkflow).when(rerun({}), at(100)).state();
    expect(state.input).toEqual(input);
    expect(state.tasks[0]!.inputData).toEqual({ orderId: 42 });
  });

  it("from a task id: removes later tasks and resets that task in place, same id, with the given taskInput", () => {
    const state = given(completedWorkflow)
      .when(rerun({ reRunFromTaskId: "t2", taskInput: { amount: 99 } }), at(100))
      .then([{ type: "WorkflowRerun", data: { time: at(100), fromTaskId: "t2", taskInput: { amount: 99 } } }]);
    expect(state.status).toBe("RUNNING");
    expect(state.tasks.map((t) => t.taskId)).toEqual(["t1", "t2"]);
    expect(taskIn(state, "t1").status).toBe("COMPLETED");
    expect(taskIn(state, "t2")).toMatchObject({
      status: "SCHEDULED",
      inputData: { amount: 99 },
      outputData: {},
      retryCount: 0,
      pollCount: 0,
      scheduledTime: at(100),
      startTime: 0,
      endTime: 0,
      retried: false,
    });
    expect(isPollable(taskIn(state, "t2"), at(100))).toBe(true);
  });

  it("from a task id: goes on from that task when it completes", () => {
    const rerunFromCharge = [...completedWorkflow, { type: "WorkflowRerun" as const, data: { time: at(100), fromTaskId: "t2" } }];
    const events = given(rerunFromCharge).when(poll("t2"), at(101)).events();
    expect(events).toEqual([polled("t2", at(101))]);
    const next = given([...rerunFromCharge, ...events])
      .when(taskResult("t2", "COMPLETED", { workerId: "worker-1" }), at(102))
      .events();
    expect(next[1]).toEqual(scheduled(shipOrder, { taskId: "id-1", seq: 3, inputData: { to: "Main St 1" }, time: at(102) }));
  });

  it("rejects a task id the workflow does not have (400 Task … not found)", () => {
    given(failedWorkflow).when(rerun({ reRunFromTaskId: "nope" })).thenThrows(ValidationError, /reRunFromTaskId/);
  });
});

describe("skip task", () => {
  it("records a future task SKIPPED with the given output, its taskType being the workflow task's name (skipTaskFromWorkflow)", () => {
    const state = given(running)
      .when(skip("ship", { shipped: "never" }), at(3))
      .then([
        {
          type: "TaskSkipped",
          data: {
            taskId: "id-1",
            referenceTaskName: "ship",
            taskType: "ship_order",
            taskDefName: "ship_order",
            seq: 3,
            inputData: {},
            outputData: { shipped: "never" },
            time: at(3),
          },
        },
      ]);
    expect(taskIn(state, "id-1")).toMatchObject({ status: "SKIPPED", endTime: at(3) });
  });

  it("makes the decider pass over the skipped task", () => {
    const history: WorkflowEvent[] = [
      started(orders, input),
      scheduled(fetchOrder, { taskId: "t1", seq: 1, inputData: { orderId: 42 } }),
      polled("t1"),
      {
        type: "TaskSkipped",
        data: { taskId: "t9", referenceTaskName: "charge", taskType: "charge_card", taskDefName: "charge_card", seq: 2, inputData: {}, outputData: {}, time: at(1) },
      },
    ];
    given(history)
      .when(taskResult("t1", "COMPLETED", { workerId: "worker-1", outputData: { total: 3 } }), at(2))
      .then([
        completed("t1", { total: 3 }, at(2)),
        scheduled(shipOrder, { taskId: "id-1", seq: 3, inputData: { to: "Main St 1" }, time: at(2) }),
      ]);
  });

  it("completes the workflow when the skipped task was the last one left", () => {
    const twoTasks = workflowDef([fetchOrder, chargeCard]);
    const history: WorkflowEvent[] = [
      started(twoTasks, input),
      scheduled(fetchOrder, { taskId: "t1", seq: 1, inputData: { orderId: 42 } }),
      polled("t1"),
    ];
    const skipped = given(history).when(skip("charge", { charged: false }), at(1)).events();
    expect(skipped.map((e) => e.type)).toEqual(["TaskSkipped"]);
    given([...history, ...skipped])
      .when(taskResult("t1", "COMPLETED", { workerId: "worker-1", outputData: { total: 3 } }), at(2))
      .then([
        completed("t1", { total: 3 }, at(2)),
        // No outputParameters: the output of the last task by seq, the skipped one.
        { type: "WorkflowCompleted", data: { output: { charged: false }, time: at(2) } },
      ]);
  });

  it("refuses a reference the definition does not have", () => {
    given(running).when(skip("nope")).thenThrows(NotFoundError, /nope/);
  });

  it("refuses a task that has already been scheduled", () => {
    given(running).when(skip("charge")).thenThrows(ConflictError, /already been scheduled/);
  });

  it("refuses unless the workflow is RUNNING", () => {
    given(paused).when(skip("ship")).thenThrows(ConflictError, /PAUSED/);
    given(completedWorkflow).when(skip("ship")).thenThrows(ConflictError, /COMPLETED/);
  });
});

describe("reset callbacks", () => {
  const delayed: WorkflowEvent[] = [
    ...running,
    {
      type: "TaskUpdated",
      data: { taskId: "t2", workerId: "worker-1", outputData: {}, callbackAfterSeconds: 600, time: at(3) },
    },
  ];

  it("makes a task waiting out its callbackAfterSeconds pollable now", () => {
    expect(isPollable(taskIn(given(delayed).state, "t2"), at(4))).toBe(false);
    const state = given(delayed).when(resetCallbacks, at(4)).then([{ type: "CallbacksReset", data: { taskIds: ["t2"], time: at(4) } }]);
    expect(taskIn(state, "t2")).toMatchObject({ callbackAfterSeconds: 0 });
    expect(isPollable(taskIn(state, "t2"), at(4))).toBe(true);
  });

  it("does nothing when no task is waiting", () => {
    given(running).when(resetCallbacks, at(4)).then([]);
  });

  it("refuses a workflow in a terminal state", () => {
    given(completedWorkflow).when(resetCallbacks).thenThrows(ConflictError, /terminal/);
  });
});

describe("any command", () => {
  it("needs the workflow to exist", () => {
    given([]).when(pause).thenThrows(NotFoundError);
  });
});
