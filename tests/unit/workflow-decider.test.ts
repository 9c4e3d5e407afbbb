/**
 * The workflow decider against Conductor OSS behaviour (DeciderService,
 * WorkflowExecutorOps.updateTask, ExecutionService.poll), as given/when/then.
 */
import { describe, expect, it } from "vitest";
import { ConflictError, IllegalStateError, NotFoundError } from "../../src/domain/errors.ts";
import { retryDelaySeconds } from "../../src/domain/workflow/retry.ts";
import { isPollable } from "../../src/domain/workflow/state.ts";
import {
  at,
  completed,
  failed,
  given,
  poll,
  polled,
  scheduled,
  simpleTask,
  started,
  startWorkflow,
  taskIn,
  taskResult,
  T0,
  workflowDef,
} from "../support/decider-spec.ts";

const fetchOrder = simpleTask("fetch_order", {
  taskReferenceName: "fetch",
  inputParameters: { orderId: "${workflow.input.orderId}" },
});
const chargeCard = simpleTask("charge_card", {
  taskReferenceName: "charge",
  inputParameters: { amount: "${fetch.output.total}", currency: "${fetch.output.currency}" },
});
const orders = workflowDef([fetchOrder, chargeCard], {
  outputParameters: { receipt: "${charge.output.receipt}", orderId: "${workflow.input.orderId}" },
});

/** Started, first task polled by worker-1 at T0. */
const fetchInProgress = [
  started(orders, { orderId: 42 }),
  scheduled(fetchOrder, { taskId: "t1", seq: 1, inputData: { orderId: 42 } }),
  polled("t1"),
];

describe("starting a workflow", () => {
  it("schedules the first task with inputs resolved from ${workflow.input.x} (a new workflow gets the first def task)", () => {
    given([])
      .when(startWorkflow(orders, { orderId: 42 }))
      .then([
        started(orders, { orderId: 42 }),
        scheduled(fetchOrder, { taskId: "id-1", seq: 1, inputData: { orderId: 42 } }),
      ]);
  });

  it("gives a SIMPLE task its name as taskType, as Conductor's Task.taskType does", () => {
    const state = given([]).when(startWorkflow(orders, { orderId: 1 })).state();
    expect(state.tasks).toHaveLength(1);
    expect(state.tasks[0]).toMatchObject({
      taskId: "id-1",
      taskType: "fetch_order",
      taskDefName: "fetch_order",
      referenceTaskName: "fetch",
      status: "SCHEDULED",
      scheduledTime: T0,
      pollCount: 0,
    });
    expect(isPollable(state.tasks[0]!, T0)).toBe(true);
  });

  it("refuses to start the same workflow id twice", () => {
    given([started(orders)]).when(startWorkflow(orders)).thenThrows(ConflictError, /already exists/);
  });

  it("adds WorkflowDef.inputTemplate keys missing from the input, without substitution (Conductor: start input template)", () => {
    const def = workflowDef([fetchOrder], { inputTemplate: { region: "eu", note: "${workflow.input.orderId}" } });
    const events = given([]).when(startWorkflow(def, { orderId: 7, region: "us" })).events();
    expect(events[0]).toEqual(started(def, { orderId: 7, region: "us", note: "${workflow.input.orderId}" }));
  });

  it("fills TaskDef.inputTemplate defaults: missing keys are added and substituted; keys resolving to null fall back to the template (ParametersUtils.getTaskInputV2)", () => {
    const quote = simpleTask(
      "quote",
      { inputParameters: { currency: "${workflow.input.currency}", amount: "${workflow.input.amount}" } },
      { inputTemplate: { currency: "EUR", priority: "normal", requester: "${workflow.input.user}" } },
    );
    const def = workflowDef([quote]);
    given([])
      .when(startWorkflow(def, { user: "ann", amount: 10 }))
      .then([
        started(def, { user: "ann", amount: 10 }),
        scheduled(quote, {
          taskId: "id-1",
          seq: 1,
          inputData: { currency: "EUR", amount: 10, priority: "normal", requester: "ann" },
        }),
      ]);
  });

  it("puts every task in the `*` domain of taskToDomain (Conductor: taskToDomain `*`)", () => {
    given([])
      .when(startWorkflow(orders, { orderId: 1 }, { taskToDomain: { "*": "blue" } }))
      .then([
        started(orders, { orderId: 1 }, T0, { taskToDomain: { "*": "blue" } }),
        scheduled(fetchOrder, { taskId: "id-1", seq: 1, inputData: { orderId: 1 }, domain: "blue" }),
      ]);
  });

  it("prefers a task name's own domain over `*`, and leaves unmapped tasks without a domain (taskToDomain by name)", () => {
    const byName = given([])
      .when(startWorkflow(orders, { orderId: 1 }, { taskToDomain: { "*": "blue", fetch_order: "green" } }))
      .state();
    expect(byName.tasks[0]!.domain).toBe("green");

    const onlyCharge = { charge_card: "green" };
    const history = [
      started(orders, { orderId: 1 }, T0, { taskToDomain: onlyCharge }),
      scheduled(fetchOrder, { taskId: "t1", seq: 1, inputData: { orderId: 1 } }),
      polled("t1"),
    ];
    expect(given(history).state.tasks[0]!.domain).toBeUndefined();
    const events = given(history)
      .when(taskResult("t1", "COMPLETED", { workerId: "worker-1", outputData: { total: 5, currency: "EUR" } }))
      .events();
    expect(events[1]).toEqual(
      scheduled(chargeCard, { taskId: "id-1", seq: 2, inputData: { amount: 5, currency: "EUR" }, domain: "green" }),
    );
  });
});

describe("polling", () => {
  it("makes the task IN_PROGRESS with the worker, a poll count and a start time (ExecutionService.poll)", () => {
    const state = given(fetchInProgress.slice(0, 2))
      .when(poll("t1", "worker-7"), at(3))
      .then([polled("t1", at(3), "worker-7")]);
    expect(taskIn(state, "t1")).toMatchObject({
      status: "IN_PROGRESS",
      workerId: "worker-7",
      pollCount: 1,
      startTime: at(3),
      updateTime: at(3),
    });
  });

  it("rejects a second poll of a task already IN_PROGRESS (it left its queue)", () => {
    given(fetchInProgress).when(poll("t1"), at(1)).thenThrows(IllegalStateError, /IN_PROGRESS/);
  });

  it("answers not found for a task the workflow does not have", () => {
    given(fetchInProgress).when(poll("nope")).thenThrows(NotFoundError, /nope/);
  });
});

describe("worker updates", () => {
  const reportedProgress = {
    type: "TaskUpdated" as const,
    data: { taskId: "t1", workerId: "worker-1", outputData: { progress: 50 }, callbackAfterSeconds: 30, time: at(10) },
  };

  it("stores IN_PROGRESS with callbackAfterSeconds as SCHEDULED, pollable only once the delay has passed (updateTask postpones the queue message)", () => {
    const state = given(fetchInProgress)
      .when(taskResult("t1", "IN_PROGRESS", { workerId: "worker-1", callbackAfterSeconds: 30, outputData: { progress: 50 } }), at(10))
      .then([reportedProgress]);
    const task = taskIn(state, "t1");
    expect(task).toMatchObject({ status: "SCHEDULED", callbackAfterSeconds: 30, outputData: { progress: 50 } });
    expect(isPollable(task, at(39))).toBe(false);
    expect(isPollable(task, at(40))).toBe(true);
  });

  it("refuses a poll before the callback delay and, after it, keeps startTime and counts the poll (poll resets callbackAfterSeconds)", () => {
    const history = [...fetchInProgress, reportedProgress];
    given(history).when(poll("t1"), at(20)).thenThrows(IllegalStateError);
    const state = given(history).when(poll("t1"), at(40)).then([polled("t1", at(40))]);
    expect(taskIn(state, "t1")).toMatchObject({ status: "IN_PROGRESS", pollCount: 2, startTime: T0, callbackAfterSeconds: 0 });
  });

  it("schedules the next task on completion, wiring ${ref.output.x} into its input", () => {
    given(fetchInProgress)
      .when(taskResult("t1", "COMPLETED", { workerId: "worker-1", outputData: { total: 99.5, currency: "EUR" } }), at(5))
      .then([
        completed("t1", { total: 99.5, currency: "EUR" }, at(5)),
        scheduled(chargeCard, { taskId: "id-1", seq: 2, inputData: { amount: 99.5, currency: "EUR" }, time: at(5) }),
      ]);
  });

  it("completes the workflow with its evaluated outputParameters when the last task completes (updateWorkflowOutput)", () => {
    const history = [
      ...fetchInProgress,
      completed("t1", { total: 10, currency: "EUR" }, at(1)),
      scheduled(chargeCard, { taskId: "t2", seq: 2, inputData: { amount: 10, currency: "EUR" }, time: at(1) }),
      polled("t2", at(2)),
    ];
    const state = given(history)
      .when(taskResult("t2", "COMPLETED", { workerId: "worker-1", outputData: { receipt: "r-1" } }), at(3))
      .then([
        completed("t2", { receipt: "r-1" }, at(3)),
        { type: "WorkflowCompleted", data: { output: { receipt: "r-1", orderId: 42 }, time: at(3) } },
      ]);
    expect(state).toMatchObject({ status: "COMPLETED", endTime: at(3), output: { receipt: "r-1", orderId: 42 } });
  });

  it("completes the workflow with the last task's output when there are no outputParameters", () => {
    const def = workflowDef([fetchOrder]);
    given([started(def, { orderId: 1 }), scheduled(fetchOrder, { taskId: "t1", seq: 1, inputData: { orderId: 1 } }), polled("t1")])
      .when(taskResult("t1", "COMPLETED", { workerId: "worker-1", outputData: { total: 3 } }), at(1))
      .then([
        completed("t1", { total: 3 }, at(1)),
        { type: "WorkflowCompleted", data: { output: { total: 3 }, time: at(1) } },
      ]);
  });

  it("ignores a duplicate completion of a task that already finished (updateTask drops updates to terminal tasks)", () => {
    const history = [
      ...fetchInProgress,
      completed("t1", { total: 1, currency: "EUR" }, at(1)),
      scheduled(chargeCard, { taskId: "t2", seq: 2, inputData: { amount: 1, currency: "EUR" }, time: at(1) }),
    ];
    given(history).when(taskResult("t1", "COMPLETED", { outputData: { total: 2 } }), at(2)).then([]);
    given(history).when(taskResult("t1", "FAILED", { reasonForIncompletion: "late" }), at(2)).then([]);
  });

  it("keeps the worker's log lines with the update", () => {
    given(fetchInProgress)
      .when(taskResult("t1", "IN_PROGRESS", { workerId: "worker-1", logs: [{ log: "halfway", createdTime: at(4) }] }), at(5))
      .then([
        { type: "TaskLogAdded", data: { taskId: "t1", logs: [{ log: "halfway", taskId: "t1", createdTime: at(4) }] } },
        {
          type: "TaskUpdated",
          data: { taskId: "t1", workerId: "worker-1", outputData: {}, callbackAfterSeconds: 0, time: at(5) },
        },
      ]);
  });
});

describe("failures and retries", () => {
  /** A one-task workflow whose task has `taskDef` settings, polled at T0. */
  function oneTask(taskDef: Parameters<typeof simpleTask>[2], fields: Parameters<typeof simpleTask>[1] = {}) {
    const task = simpleTask("fetch_order", { taskReferenceName: "fetch", ...fields }, taskDef);
    const def = workflowDef([task]);
    return { task, def, history: [started(def), scheduled(task, { taskId: "t1", seq: 1 }), polled("t1")] };
  }

  it("retries a FAILED task with retries left: new id, retryCount+1, retriedTaskId, old attempt retried (FIXED waits retryDelaySeconds)", () => {
    const { task, history } = oneTask({ retryCount: 2, retryDelaySeconds: 5, retryLogic: "FIXED" });
    const state = given(history)
      .when(taskResult("t1", "FAILED", { workerId: "worker-1", reasonForIncompletion: "db down" }), at(10))
      .then([
        failed("t1", "db down", at(10)),
        scheduled(task, { taskId: "id-1", seq: 2, retryCount: 1, retriedTaskId: "t1", startDelayInSeconds: 5, time: at(10) }),
      ]);
    expect(taskIn(state, "t1")).toMatchObject({ status: "FAILED", retried: true, reasonForIncompletion: "db down" });
    const retry = taskIn(state, "id-1");
    expect(retry).toMatchObject({ status: "SCHEDULED", retried: false, pollCount: 0, firstScheduledTime: T0 });
    expect(isPollable(retry, at(14))).toBe(false);
    expect(isPollable(retry, at(15))).toBe(true);
    expect(state.status).toBe("RUNNING");
  });

  it("re-evaluates the input of a retry from the workflow task's inputParameters", () => {
    const task = simpleTask("fetch_order", { taskReferenceName: "fetch", inputParameters: { id: "${workflow.input.orderId}" } });
    const def = workflowDef([task]);
    const history = [started(def, { orderId: 5 }), scheduled(task, { taskId: "t1", seq: 1, inputData: { id: 5 } }), polled("t1")];
    const events = given(history).when(taskResult("t1", "FAILED"), at(1)).events();
    expect(events[1]).toMatchObject({ type: "TaskScheduled", data: { inputData: { id: 5 }, retriedTaskId: "t1" } });
  });

  it("waits retryDelaySeconds × backoffScaleFactor × (retryCount+1) under LINEAR_BACKOFF", () => {
    const { task, def } = oneTask({ retryCount: 3, retryDelaySeconds: 10, backoffScaleFactor: 2, retryLogic: "LINEAR_BACKOFF" });
    const history = [
      started(def),
      scheduled(task, { taskId: "t1", seq: 1 }),
      failed("t1", "boom", at(1)),
      scheduled(task, { taskId: "t2", seq: 2, retryCount: 1, retriedTaskId: "t1", startDelayInSeconds: 20, time: at(1) }),
      polled("t2", at(21)),
    ];
    given(history)
      .when(taskResult("t2", "FAILED", { workerId: "worker-1", reasonForIncompletion: "boom" }), at(30))
      .then([
        failed("t2", "boom", at(30)),
        scheduled(task, { taskId: "id-1", seq: 3, retryCount: 2, retriedTaskId: "t2", startDelayInSeconds: 40, time: at(30) }),
      ]);
  });

  it("waits retryDelaySeconds × 2^retryCount under EXPONENTIAL_BACKOFF", () => {
    const { task, def } = oneTask({ retryCount: 5, retryDelaySeconds: 10, retryLogic: "EXPONENTIAL_BACKOFF" });
    const history = [
      started(def),
      scheduled(task, { taskId: "t1", seq: 1 }),
      failed("t1", "boom", at(1)),
      scheduled(task, { taskId: "t2", seq: 2, retryCount: 1, retriedTaskId: "t1", startDelayInSeconds: 10, time: at(1) }),
      failed("t2", "boom", at(20)),
      scheduled(task, { taskId: "t3", seq: 3, retryCount: 2, retriedTaskId: "t2", startDelayInSeconds: 20, time: at(20) }),
      polled("t3", at(40)),
    ];
    const events = given(history).when(taskResult("t3", "FAILED", { reasonForIncompletion: "boom" }), at(50)).events();
    expect(events[1]).toMatchObject({ type: "TaskScheduled", data: { retryCount: 3, retriedTaskId: "t3", startDelayInSeconds: 40 } });
  });

  it("caps the back-off at maxRetryDelaySeconds", () => {
    const { task, def } = oneTask({ retryCount: 5, retryDelaySeconds: 10, retryLogic: "EXPONENTIAL_BACKOFF", maxRetryDelaySeconds: 30 });
    const history = [
      started(def),
      scheduled(task, { taskId: "t1", seq: 1, retryCount: 3 }),
      polled("t1"),
    ];
    const events = given(history).when(taskResult("t1", "FAILED"), at(1)).events();
    expect(events[1]).toMatchObject({ type: "TaskScheduled", data: { retryCount: 4, startDelayInSeconds: 30 } });
  });

  it.each([
    ["FIXED", 0, 60],
    ["FIXED", 4, 60],
    ["LINEAR_BACKOFF", 0, 60],
    ["LINEAR_BACKOFF", 2, 180],
    ["EXPONENTIAL_BACKOFF", 0, 60],
    ["EXPONENTIAL_BACKOFF", 3, 480],
  ] as const)("computes the %s delay after failed attempt %i as %i s (DeciderService.retry)", (retryLogic, retryCount, delay) => {
    const def = simpleTask("t", {}, { retryLogic }).taskDefinition!;
    expect(retryDelaySeconds(def, retryCount)).toBe(delay);
  });

  it("fails the workflow without retry on FAILED_WITH_TERMINAL_ERROR (not retriable)", () => {
    const { history } = oneTask({ retryCount: 3 });
    const state = given(history)
      .when(taskResult("t1", "FAILED_WITH_TERMINAL_ERROR", { workerId: "worker-1", reasonForIncompletion: "bad input" }), at(2))
      .then([
        failed("t1", "bad input", at(2), { terminal: true }),
        {
          type: "WorkflowFailed",
          data: {
            reason: "Task t1 failed with status: FAILED and reason: 'bad input'",
            failedTaskId: "t1",
            output: {},
            time: at(2),
          },
        },
      ]);
    expect(state).toMatchObject({ status: "FAILED", failedTaskId: "t1", endTime: at(2) });
    expect(taskIn(state, "t1").status).toBe("FAILED_WITH_TERMINAL_ERROR");
  });

  it("fails the workflow once retries are exhausted, naming the task in reasonForIncompletion and failedTaskId", () => {
    const { task, def } = oneTask({ retryCount: 1, retryDelaySeconds: 0 });
    const history = [
      started(def),
      scheduled(task, { taskId: "t1", seq: 1 }),
      failed("t1", "boom", at(1)),
      scheduled(task, { taskId: "t2", seq: 2, retryCount: 1, retriedTaskId: "t1", time: at(1) }),
      polled("t2", at(2)),
    ];
    const state = given(history)
      .when(taskResult("t2", "FAILED", { workerId: "worker-1", reasonForIncompletion: "still down", outputData: { code: 503 } }), at(3))
      .then([
        failed("t2", "still down", at(3), { outputData: { code: 503 } }),
        {
          type: "WorkflowFailed",
          data: {
            reason: "Task t2 failed with status: FAILED and reason: 'still down'",
            failedTaskId: "t2",
            // No outputParameters: the output is the failing task's (updateWorkflowOutput(workflow, task)).
            output: { code: 503 },
            time: at(3),
          },
        },
      ]);
    expect(state.reasonForIncompletion).toContain("t2");
  });

  it("lets the workflow task's retryCount override the TaskDef's (retry(): workflowTask.retryCount wins)", () => {
    const { history } = oneTask({ retryCount: 3 }, { retryCount: 0 });
    const events = given(history).when(taskResult("t1", "FAILED", { reasonForIncompletion: "x" }), at(1)).events();
    expect(events.map((e) => e.type)).toEqual(["TaskFailed", "WorkflowFailed"]);
  });

  it("ends an optional task COMPLETED_WITH_ERRORS when it cannot be retried, and the workflow continues", () => {
    const optionalFetch = simpleTask("fetch_order", { taskReferenceName: "fetch", optional: true }, { retryCount: 0 });
    const def = workflowDef([optionalFetch, chargeCard]);
    const state = given([started(def), scheduled(optionalFetch, { taskId: "t1", seq: 1 }), polled("t1")])
      .when(taskResult("t1", "FAILED", { workerId: "worker-1", reasonForIncompletion: "flaky" }), at(1))
      .then([
        failed("t1", "flaky", at(1)),
        { type: "TaskCompletedWithErrors", data: { taskId: "t1", time: at(1) } },
        scheduled(chargeCard, { taskId: "id-1", seq: 2, inputData: { amount: null, currency: null }, time: at(1) }),
      ]);
    expect(state.status).toBe("RUNNING");
    expect(taskIn(state, "t1").status).toBe("COMPLETED_WITH_ERRORS");
  });

  it("ends an optional task COMPLETED_WITH_ERRORS on FAILED_WITH_TERMINAL_ERROR too", () => {
    const optionalFetch = simpleTask("fetch_order", { taskReferenceName: "fetch", optional: true });
    const def = workflowDef([optionalFetch]);
    given([started(def), scheduled(optionalFetch, { taskId: "t1", seq: 1 }), polled("t1")])
      .when(taskResult("t1", "FAILED_WITH_TERMINAL_ERROR", { workerId: "worker-1", outputData: { partial: true } }), at(1))
      .then([
        failed("t1", "", at(1), { terminal: true, outputData: { partial: true } }),
        { type: "TaskCompletedWithErrors", data: { taskId: "t1", time: at(1) } },
        { type: "WorkflowCompleted", data: { output: { partial: true }, time: at(1) } },
      ]);
  });

  it("gives a workflow with a failureWorkflow a failureWorkflowId when it fails, recorded in its output", () => {
    const task = simpleTask("fetch_order", { taskReferenceName: "fetch" }, { retryCount: 0 });
    const def = workflowDef([task], { failureWorkflow: "orders_cleanup" });
    const state = given([started(def), scheduled(task, { taskId: "t1", seq: 1 }), polled("t1")])
      .when(taskResult("t1", "FAILED", { workerId: "worker-1", reasonForIncompletion: "boom" }), at(1))
      .then([
        failed("t1", "boom", at(1)),
        {
          type: "WorkflowFailed",
          data: {
            reason: "Task t1 failed with status: FAILED and reason: 'boom'",
            failedTaskId: "t1",
            failureWorkflowId: "id-1",
            output: { "conductor.failure_workflow": "id-1" },
            time: at(1),
          },
        },
      ]);
    expect(state.failureWorkflowId).toBe("id-1");
  });
});
