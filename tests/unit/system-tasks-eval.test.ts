/**
 * System tasks the decider evaluates or holds, against Conductor OSS (notes:
 * /tmp/notes/system-tasks.md §7–§9): INLINE, JSON_JQ_TRANSFORM, SET_VARIABLE,
 * TERMINATE, NOOP, WAIT and HUMAN, as given/when/then over the pure decider
 * with the real sandboxes (QuickJS and jq). Each case names the Conductor
 * behaviour it checks and its source file.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import type { WorkflowTask } from "../../src/domain/definitions/workflow-def.ts";
import { ValidationError } from "../../src/domain/errors.ts";
import { isPollable } from "../../src/domain/workflow/state.ts";
import type { WorkflowEvent } from "../../src/domain/workflow/events.ts";
import {
  at,
  began,
  canceled,
  checkTimeouts,
  completed,
  given,
  scenario,
  polled,
  type Scenario,
  scheduled,
  simpleTask,
  type SpecContext,
  started,
  startWorkflow,
  systemTask,
  T0,
  taskResult,
  workflowDef,
} from "../support/decider-spec.ts";

let evaluators: SpecContext["evaluators"];
beforeAll(async () => {
  evaluators = await loadEvaluators();
});

const run = (tasks: WorkflowTask[], input: Record<string, unknown> = {}, fields: Parameters<typeof workflowDef>[1] = {}): Scenario =>
  scenario(workflowDef(tasks, fields), input, { evaluators });

const after = simpleTask("after");

// ---- INLINE --------------------------------------------------------------------

describe("INLINE", () => {
  const inline = (inputParameters: Record<string, unknown>) => systemTask("INLINE", "calc", { inputParameters });

  it.each([
    {
      behaviour: "evaluatorType defaults to javascript; output {result}",
      inputParameters: { expression: "$.a + $.b", a: "${workflow.input.a}", b: 2 },
      result: 42,
    },
    {
      behaviour: "`$` is the entire task input, evaluatorType and expression included",
      inputParameters: { evaluatorType: "javascript", expression: "[$.evaluatorType, typeof $.expression, $.a]", a: "${workflow.input.a}" },
      result: ["javascript", "string", 40],
    },
    {
      behaviour: "the value of a script is its last expression statement",
      inputParameters: { evaluatorType: "javascript", expression: "var total = 0; for (var i = 0; i < $.xs.length; i++) total += $.xs[i]; total", xs: [1, 2, 3] },
      result: 6,
    },
    {
      behaviour: "objects and arrays come back as JSON",
      inputParameters: { evaluatorType: "javascript", expression: "({ doubled: $.xs.map(function (x) { return x * 2; }), none: null })", xs: [1, 2] },
      result: { doubled: [2, 4], none: null },
    },
    {
      behaviour: "undefined becomes null",
      inputParameters: { evaluatorType: "javascript", expression: "$.missing" },
      result: null,
    },
    {
      behaviour: "graaljs is the same engine as javascript",
      inputParameters: { evaluatorType: "graaljs", expression: "$.a * 2", a: 21 },
      result: 42,
    },
    {
      behaviour: "value-param returns input[expression]",
      inputParameters: { evaluatorType: "value-param", expression: "picked", picked: { id: 7 } },
      result: { id: 7 },
    },
  ])("$behaviour (Conductor: tasks/Inline.java)", ({ inputParameters, result }) => {
    const s = run([inline(inputParameters), after], { a: 40 });
    expect(s.task("calc")).toMatchObject({ status: "COMPLETED", taskType: "INLINE", outputData: { result } });
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it("runs in the same decision that schedules it: scheduled, then completed, then the next task (Conductor: INLINE is sync; tasks/Inline.java)", () => {
    const calc = inline({ expression: "$.n * 3", n: "${workflow.input.n}" });
    const def = workflowDef([calc, after]);
    given([], { evaluators })
      .when(startWorkflow(def, { n: 5 }))
      .then([
        started(def, { n: 5 }),
        scheduled(calc, { taskId: "id-1", seq: 1, inputData: { expression: "$.n * 3", n: 5 } }),
        { type: "TaskCompleted", data: { taskId: "id-1", outputData: { result: 15 }, time: T0 } },
        scheduled(after, { taskId: "id-2", seq: 2 }),
      ]);
  });

  it.each([
    { behaviour: "a syntax error", expression: "$.a +", error: /^SyntaxError: / },
    { behaviour: "an unknown variable", expression: "nope.field", error: /^ReferenceError: 'nope' is not defined/ },
    { behaviour: "a thrown error", expression: "throw new Error('bad amount ' + $.a)", error: /^Error: bad amount 40$/ },
    { behaviour: "a top-level return (the value is the completion value, not a function's)", expression: "return 1", error: /^SyntaxError: / },
  ])("a script with $behaviour fails the task FAILED_WITH_TERMINAL_ERROR with output.error and fails the workflow (Conductor: script errors are TerminateWorkflowException; tasks/Inline.java)", ({ expression, error }) => {
    const s = run([inline({ expression, a: "${workflow.input.a}" }), after], { a: 40 });
    const task = s.task("calc");
    expect(task.status).toBe("FAILED_WITH_TERMINAL_ERROR");
    expect(task.outputData.error).toMatch(error);
    expect(task.reasonForIncompletion).toContain(String(task.outputData.error));
    expect(s.state.status).toBe("FAILED");
    expect(s.state.reasonForIncompletion).toContain(String(task.outputData.error));
    expect(s.find("after")).toBeUndefined();
  });

  it("stops `while(true){}` at the sandbox's time limit: the task fails with a time-out reason and the workflow fails (Conductor: 'Script not evaluated within N seconds'; ScriptEvaluator.java, tasks/Inline.java)", () => {
    const s = run([inline({ expression: "while (true) {}" }), after]);
    const task = s.task("calc");
    expect(task.status).toMatch(/^FAILED/);
    expect(task.outputData.error).toMatch(/timed out after \d+ ms/);
    expect(task.reasonForIncompletion).toMatch(/timed out after \d+ ms/);
    expect(s.state.status).toBe("FAILED");
  });

  it("fails FAILED_WITH_TERMINAL_ERROR for an evaluatorType it has no evaluator for (Conductor: \"Unknown evaluator '<t>' in INLINE task.\"; tasks/Inline.java)", () => {
    const s = run([inline({ evaluatorType: "python", expression: "1 + 1" }), after]);
    expect(s.task("calc")).toMatchObject({ status: "FAILED_WITH_TERMINAL_ERROR", outputData: { error: "Unknown evaluator 'python' in INLINE task." } });
    expect(s.state.status).toBe("FAILED");
  });

  it("is rejected at registration without an expression, naming the field (Conductor: 'Empty expression'; tasks/Inline.java)", () => {
    expect(() => parseWorkflowDef({ name: "x", tasks: [{ name: "calc", taskReferenceName: "calc", type: "INLINE", inputParameters: { evaluatorType: "javascript" } }] })).toThrow(
      /tasks\[0\]\.inputParameters\.expression: /,
    );
  });
});

// ---- JSON_JQ_TRANSFORM -----------------------------------------------------------

describe("JSON_JQ_TRANSFORM", () => {
  const jq = (queryExpression: string, inputParameters: Record<string, unknown> = {}) =>
    systemTask("JSON_JQ_TRANSFORM", "shape", { inputParameters: { queryExpression, ...inputParameters } });
  const order = { id: 7, lines: [{ sku: "a", qty: 2 }, { sku: "b", qty: 1 }] };

  it.each([
    {
      behaviour: "output {result: first value, resultList: every value}",
      query: "{ id: .order.id, skus: [.order.lines[].sku] }",
      result: { id: 7, skus: ["a", "b"] },
      resultList: [{ id: 7, skus: ["a", "b"] }],
    },
    {
      behaviour: "a query emitting several values: result is the first, resultList all of them",
      query: ".order.lines[] | .qty",
      result: 2,
      resultList: [2, 1],
    },
    {
      behaviour: "a query emitting nothing gives result null",
      query: ".order.lines[] | select(.qty > 5)",
      result: null,
      resultList: [],
    },
    {
      behaviour: "the jq input is the whole task input, queryExpression included",
      query: "keys",
      result: ["order", "queryExpression"],
      resultList: [["order", "queryExpression"]],
    },
  ])("$behaviour (Conductor: json-jq-task JsonJqTransform.java)", ({ query, result, resultList }) => {
    const s = run([jq(query, { order: "${workflow.input.order}" }), after], { order });
    expect(s.task("shape")).toMatchObject({ status: "COMPLETED", taskType: "JSON_JQ_TRANSFORM", outputData: { result, resultList } });
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it.each([
    { behaviour: "a query that does not compile", query: ".order | {", error: /syntax error|compile error/i },
    { behaviour: "a query that fails at run time", query: ".order.id + \"x\"", error: /cannot be added/ },
  ])("$behaviour fails the task FAILED with reason = output.error and fails the workflow (Conductor: FAILED, reason = first cause message; JsonJqTransform.java)", ({ query, error }) => {
    const s = run([jq(query, { order: "${workflow.input.order}" }), after], { order });
    const task = s.task("shape");
    expect(task.status).toBe("FAILED");
    expect(task.outputData.error).toMatch(error);
    expect(task.reasonForIncompletion).toContain(String(task.outputData.error));
    expect(s.state.status).toBe("FAILED");
  });

  it("a jq error is retried when the task has a TaskDef with retries (Conductor: plain FAILED is retriable; JsonJqTransform.java, DeciderService.retry)", () => {
    const shape = systemTask("JSON_JQ_TRANSFORM", "shape", {
      inputParameters: { queryExpression: ".a + 1", a: "${workflow.input.a}" },
      taskDefinition: simpleTask("shape", {}, { retryCount: 1, retryDelaySeconds: 0 }).taskDefinition!,
    });
    const s = run([shape], { a: "text" });
    expect(s.state.tasks.map((t) => [t.status, t.retryCount])).toEqual([
      ["FAILED", 0],
      ["FAILED", 1],
    ]);
    expect(s.state.status).toBe("FAILED");
  });

  it("fails when queryExpression resolves to nothing (Conductor: \"Missing 'queryExpression' in input parameters\"; JsonJqTransform.java)", () => {
    const s = run([jq("${workflow.input.query}")]);
    expect(s.task("shape")).toMatchObject({ status: "FAILED", reasonForIncompletion: "Missing 'queryExpression' in input parameters" });
  });
});

// ---- SET_VARIABLE --------------------------------------------------------------

describe("SET_VARIABLE", () => {
  it("merges every input key into workflow.variables (shallow, per key), completes with no output, and later tasks read ${workflow.variables.k} (Conductor: tasks/SetVariable.java)", () => {
    const first = systemTask("SET_VARIABLE", "first", { inputParameters: { stage: "${workflow.input.stage}", nested: { a: 1, b: 2 } } });
    const second = systemTask("SET_VARIABLE", "second", { inputParameters: { nested: { a: 9 }, count: 3 } });
    const reader = simpleTask("reader", { inputParameters: { stage: "${workflow.variables.stage}", nested: "${workflow.variables.nested}", kept: "${workflow.variables.kept}" } });
    const s = run([first, second, reader], { stage: "packing" }, { variables: { kept: true, stage: "initial" } });
    expect(s.task("first")).toMatchObject({ status: "COMPLETED", outputData: {} });
    expect(s.state.variables).toEqual({ kept: true, stage: "packing", nested: { a: 9 }, count: 3 });
    expect(s.task("reader").inputData).toEqual({ stage: "packing", nested: { a: 9 }, kept: true });
  });

  it("records the change as a VariablesSet event naming the task (Conductor: the workflow is persisted with the new variables; tasks/SetVariable.java)", () => {
    const set = systemTask("SET_VARIABLE", "set", { inputParameters: { x: 1 } });
    const def = workflowDef([set]);
    given([], { evaluators })
      .when(startWorkflow(def))
      .then([
        started(def),
        scheduled(set, { taskId: "id-1", seq: 1, inputData: { x: 1 } }),
        { type: "VariablesSet", data: { variables: { x: 1 }, taskId: "id-1", time: T0 } },
        { type: "TaskCompleted", data: { taskId: "id-1", outputData: {}, time: T0 } },
        { type: "WorkflowCompleted", data: { output: {}, time: T0 } },
      ]);
  });

  it("fails FAILED_WITH_TERMINAL_ERROR and rolls back when the variables would exceed 256 KB (Conductor: maxWorkflowVariablesPayloadSizeThreshold; tasks/SetVariable.java)", () => {
    const big = systemTask("SET_VARIABLE", "big", { inputParameters: { blob: "${workflow.input.blob}" } });
    const s = run([big, after], { blob: "x".repeat(300 * 1024) }, { variables: { kept: 1 } });
    const task = s.task("big");
    expect(task.status).toBe("FAILED_WITH_TERMINAL_ERROR");
    expect(task.reasonForIncompletion).toMatch(/^The variables payload size: \d+ of workflow: wf-1 is greater than the permissible limit: 256 kilobytes$/);
    expect(s.state.variables).toEqual({ kept: 1 });
    expect(s.state.status).toBe("FAILED");
  });
});

// ---- TERMINATE -----------------------------------------------------------------

describe("TERMINATE", () => {
  const terminate = (inputParameters: Record<string, unknown>) => systemTask("TERMINATE", "stop", { inputParameters });

  it.each([
    {
      behaviour: "COMPLETED completes the workflow at once",
      status: "COMPLETED",
      workflowStatus: "COMPLETED",
      reason: undefined,
    },
    {
      behaviour: "FAILED fails the workflow with terminationReason",
      status: "FAILED",
      workflowStatus: "FAILED",
      reason: "card declined",
    },
    {
      behaviour: "TERMINATED terminates the workflow with terminationReason",
      status: "TERMINATED",
      workflowStatus: "TERMINATED",
      reason: "order withdrawn",
    },
  ])("$behaviour; the workflow output is workflowOutput (over outputParameters) and every other active task is canceled (Conductor: tasks/Terminate.java, WorkflowExecutorOps.endExecution)", ({ status, workflowStatus, reason }) => {
    const fork = systemTask("FORK_JOIN", "fork", { forkTasks: [[terminate({ terminationStatus: status, terminationReason: reason, workflowOutput: { result: "${workflow.input.r}" } })], [simpleTask("slow")]] });
    const join = systemTask("JOIN", "join", { joinOn: ["stop", "slow"] });
    const s = run([fork, join, after], { r: 5 }, { outputParameters: { ignored: "${workflow.input.r}" } });
    expect(s.task("stop")).toMatchObject({ status: "COMPLETED", outputData: { result: 5 } });
    expect(s.task("slow").status).toBe("CANCELED");
    expect(s.task("join").status).toBe("CANCELED");
    expect(s.find("after")).toBeUndefined();
    expect(s.state).toMatchObject({ status: workflowStatus, output: { result: 5 } });
    if (reason !== undefined) expect(s.state.reasonForIncompletion).toBe(reason);
  });

  it.each([
    ["FAILED", "FAILED"],
    ["TERMINATED", "TERMINATED"],
  ])("without terminationReason, %s uses Conductor's default reason 'Workflow is %s by TERMINATE task: <taskId>' (Conductor: tasks/Terminate.java)", (status) => {
    const s = run([terminate({ terminationStatus: status })]);
    expect(s.state.reasonForIncompletion).toBe(`Workflow is ${status} by TERMINATE task: ${s.task("stop").taskId}`);
  });

  it.each([
    { behaviour: "a map is the task output", workflowOutput: { a: 1 }, output: { a: 1 } },
    { behaviour: "any other value is {output: value}", workflowOutput: [1, 2], output: { output: [1, 2] } },
    { behaviour: "a scalar is {output: value}", workflowOutput: "done", output: { output: "done" } },
    { behaviour: "absent gives {}", workflowOutput: undefined, output: {} },
  ])("workflowOutput: $behaviour (Conductor: tasks/Terminate.java)", ({ workflowOutput, output }) => {
    const s = run([terminate({ terminationStatus: "COMPLETED", workflowOutput })]);
    expect(s.task("stop").outputData).toEqual(output);
    expect(s.state).toMatchObject({ status: "COMPLETED", output });
  });

  it("a terminationStatus that resolves to something else at run time fails the TERMINATE task (FAILED) and so the workflow (Conductor: 'given termination status is not valid'; tasks/Terminate.java)", () => {
    const s = run([terminate({ terminationStatus: "${workflow.input.status}" }), after], { status: "completed" });
    const task = s.task("stop");
    expect(task.status).toBe("FAILED");
    expect(task.reasonForIncompletion).toMatch(/termination status is not valid|terminationStatus must be one of/);
    expect(task.reasonForIncompletion).toContain("completed");
    expect(s.state.status).toBe("FAILED");
    expect(s.find("after")).toBeUndefined();
  });

  it.each([
    ["lower case", "completed"],
    ["an unknown status", "CANCELED"],
    ["no status", undefined],
  ])("rejects a definition whose terminationStatus is %s, naming the field (Conductor: WorkflowTaskTypeConstraint; tasks/Terminate.java)", (_what, terminationStatus) => {
    const raw = { name: "x", tasks: [{ name: "stop", taskReferenceName: "stop", type: "TERMINATE", inputParameters: { terminationStatus } }] };
    expect(() => parseWorkflowDef(raw)).toThrow(ValidationError);
    expect(() => parseWorkflowDef(raw)).toThrow(/tasks\[0\]\.inputParameters\.terminationStatus: terminationStatus must be one of COMPLETED, FAILED, TERMINATED/);
  });

  describe("FAILED in a workflow with a failureWorkflow", () => {
    const fetch = simpleTask("fetch_order", { taskReferenceName: "fetch" }, { retryCount: 0 });
    const slow = simpleTask("slow");
    const stop = terminate({ terminationStatus: "FAILED", terminationReason: "card declined", workflowOutput: { total: "${fetch.output.total}" } });
    const def = workflowDef(
      [systemTask("FORK_JOIN", "fork", { forkTasks: [[fetch, stop], [slow]] }), systemTask("JOIN", "join", { joinOn: ["stop", "slow"] })],
      { failureWorkflow: "orders_cleanup" },
    );
    const history = [
      started(def),
      scheduled(systemTask("FORK_JOIN", "fork"), { taskId: "t0", seq: 1, taskType: "FORK", taskDefName: "FORK" }),
      { type: "TaskCompleted" as const, data: { taskId: "t0", outputData: {}, time: T0 } },
      scheduled(fetch, { taskId: "t1", seq: 2 }),
      scheduled(slow, { taskId: "t2", seq: 3 }),
      scheduled(systemTask("JOIN", "join"), { taskId: "t3", seq: 4, taskDefName: "JOIN" }),
      began("t3"),
      polled("t1"),
    ];

    it("ends through the same path as a failed task (Conductor: WorkflowExecutorOps.endExecution -> terminate -> terminateWorkflow): the TERMINATE is the failed task, the failure workflow gets an id, the output names it as conductor.failure_workflow, and what still runs is canceled", () => {
      const state = given(history)
        .when(taskResult("t1", "COMPLETED", { workerId: "worker-1", outputData: { total: 5 } }), at(1))
        .then([
          completed("t1", { total: 5 }, at(1)),
          scheduled(stop, {
            taskId: "id-1",
            seq: 5,
            inputData: { terminationStatus: "FAILED", terminationReason: "card declined", workflowOutput: { total: 5 } },
            time: at(1),
          }),
          { type: "TaskCompleted", data: { taskId: "id-1", outputData: { total: 5 }, time: at(1) } },
          canceled("t2", "Workflow ended by a TERMINATE task", at(1)),
          canceled("t3", "Workflow ended by a TERMINATE task", at(1)),
          {
            type: "WorkflowFailed",
            data: {
              reason: "card declined",
              failedTaskId: "id-1",
              failureWorkflowId: "id-2",
              output: { total: 5, "conductor.failure_workflow": "id-2" },
              time: at(1),
            },
          },
        ]);
      expect(state).toMatchObject({ status: "FAILED", failedTaskId: "id-1", failureWorkflowId: "id-2", reasonForIncompletion: "card declined" });
      expect(state.output).toEqual({ total: 5, "conductor.failure_workflow": "id-2" });
    });

    it("asks for the failure workflow exactly as a task failure does: the same WorkflowFailed fields, its id in failureWorkflowId and in the output", () => {
      const failure = (events: WorkflowEvent[]) => events.find((e) => e.type === "WorkflowFailed") as Extract<WorkflowEvent, { type: "WorkflowFailed" }>;
      const byTerminate = failure(given(history).when(taskResult("t1", "COMPLETED", { workerId: "worker-1", outputData: { total: 5 } }), at(1)).events());
      const byTask = failure(given(history).when(taskResult("t1", "FAILED", { workerId: "worker-1", reasonForIncompletion: "boom" }), at(1)).events());
      for (const event of [byTerminate, byTask]) {
        expect(event.data.failureWorkflowId).toMatch(/^id-\d+$/);
        expect(event.data.output["conductor.failure_workflow"]).toBe(event.data.failureWorkflowId);
      }
      expect(Object.keys(byTerminate.data).sort()).toEqual(Object.keys(byTask.data).sort());
    });
  });
});

// ---- NOOP ----------------------------------------------------------------------

describe("NOOP", () => {
  it("completes in the pass that schedules it, with no output, and the workflow moves on (Conductor: tasks/Noop.java)", () => {
    const noop = systemTask("NOOP", "nothing", { inputParameters: { ignored: "${workflow.input.x}" } });
    const def = workflowDef([noop, after]);
    given([], { evaluators })
      .when(startWorkflow(def, { x: 1 }))
      .then([
        started(def, { x: 1 }),
        scheduled(noop, { taskId: "id-1", seq: 1, inputData: { ignored: 1 } }),
        { type: "TaskCompleted", data: { taskId: "id-1", outputData: {}, time: T0 } },
        scheduled(after, { taskId: "id-2", seq: 2 }),
      ]);
  });
});

// ---- WAIT ----------------------------------------------------------------------

describe("WAIT", () => {
  const wait = (inputParameters: Record<string, unknown>) => systemTask("WAIT", "hold", { inputParameters });

  it("with a duration, is IN_PROGRESS at once (never polled) and completes when the time comes, then the next task runs (Conductor: waitTimeout = now + duration; tasks/Wait.java)", () => {
    const hold = wait({ duration: "30s" });
    const def = workflowDef([hold, after]);
    const history = given([], { evaluators })
      .when(startWorkflow(def))
      .then([started(def), scheduled(hold, { taskId: "id-1", seq: 1, inputData: { duration: "30s" } }), began("id-1", T0, at(30))]);
    expect(history.tasks[0]).toMatchObject({ status: "IN_PROGRESS", waitUntil: at(30) });
    expect(isPollable(history.tasks[0]!, at(60))).toBe(false);
    const events = [started(def), scheduled(hold, { taskId: "t1", seq: 1, inputData: { duration: "30s" } }), began("t1", T0, at(30))];
    given(events).when(checkTimeouts, at(29)).then([]);
    given(events)
      .when(checkTimeouts, at(30))
      .then([
        { type: "TaskCompleted", data: { taskId: "t1", outputData: {}, time: at(30) } },
        scheduled(after, { taskId: "id-1", seq: 2, time: at(30) }),
      ]);
  });

  it.each([
    ["30s", 30],
    ["10m20s", 620],
    ["1 days 2h 5m", 93900],
    ["2 hours 30 minutes", 9000],
    ["1d", 86400],
    ["45 secs", 45],
  ])("parses the duration %j as %i seconds (Conductor: DateTimeUtils.parseDuration; tasks/Wait.java)", (duration, seconds) => {
    const s = run([wait({ duration })]);
    expect(s.task("hold")).toMatchObject({ status: "IN_PROGRESS", waitUntil: T0 + seconds * 1000 });
  });

  it.each([
    ["2026-01-01 00:10", at(600)],
    ["2026-01-01 02:10 GMT+02:00", at(600)],
    ["2026-01-02", at(86400)],
  ])("with until %j, waits until that instant (UTC when no zone is given) (Conductor: DateTimeUtils.parseDate; tasks/Wait.java)", (until, expected) => {
    const s = run([wait({ until })]);
    expect(s.task("hold")).toMatchObject({ status: "IN_PROGRESS", waitUntil: expected });
  });

  it("an until in the past completes at once (Conductor: a past time waits 0 s; tasks/Wait.java)", () => {
    const s = run([wait({ until: "2025-12-31 23:00" }), after]);
    expect(s.task("hold").status).toBe("COMPLETED");
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it("with neither duration nor until, waits for an external update, whose output it takes (Conductor: waits forever until a task update; tasks/Wait.java)", () => {
    const s = run([wait({}), after]);
    expect(s.task("hold")).toMatchObject({ status: "IN_PROGRESS", waitUntil: undefined });
    s.at(86400 * 365).run(checkTimeouts);
    expect(s.task("hold").status).toBe("IN_PROGRESS");
    s.run(taskResult(s.task("hold").taskId, "COMPLETED", { outputData: { approvedBy: "ops" } }));
    expect(s.task("hold")).toMatchObject({ status: "COMPLETED", outputData: { approvedBy: "ops" } });
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it("an external update can also fail it, failing the workflow (Conductor: WAIT completed or failed by API or event; tasks/Wait.java)", () => {
    const s = run([wait({ duration: "1h" }), after]);
    s.fail("hold", "rejected");
    expect(s.task("hold").status).toBe("FAILED");
    expect(s.state.status).toBe("FAILED");
  });

  it.each([
    { behaviour: "a duration with units out of order", inputParameters: { duration: "5m 1h" } },
    { behaviour: "a fractional duration", inputParameters: { duration: "1.5h" } },
    { behaviour: "an unknown unit", inputParameters: { duration: "10ms" } },
    { behaviour: "words", inputParameters: { duration: "soon" } },
    { behaviour: "an until that is not a date", inputParameters: { until: "next tuesday" } },
    { behaviour: "both duration and until", inputParameters: { duration: "5s", until: "2026-01-02" } },
  ])("$behaviour fails the task FAILED_WITH_TERMINAL_ERROR and the workflow (Conductor: 'Not valid duration' / 'Invalid/Unsupported Wait Until format' / 'Both duration and until'; tasks/Wait.java, DateTimeUtils.java)", ({ inputParameters }) => {
    const s = run([wait(inputParameters), after]);
    expect(s.task("hold").status).toBe("FAILED_WITH_TERMINAL_ERROR");
    expect(s.task("hold").reasonForIncompletion).toMatch(/duration|until|unit/i);
    expect(s.state.status).toBe("FAILED");
  });
});

// ---- HUMAN ---------------------------------------------------------------------

describe("HUMAN", () => {
  it("is IN_PROGRESS with its resolved input, is never polled and never completes by itself (Conductor: tasks/Human.java)", () => {
    const approve = systemTask("HUMAN", "approve", { inputParameters: { amount: "${workflow.input.amount}" } });
    const s = run([approve, after], { amount: 900 });
    expect(s.task("approve")).toMatchObject({ status: "IN_PROGRESS", taskType: "HUMAN", inputData: { amount: 900 } });
    expect(isPollable(s.task("approve"), at(1))).toBe(false);
    s.at(86400 * 30).run(checkTimeouts);
    expect(s.task("approve").status).toBe("IN_PROGRESS");
  });

  it.each([
    { behaviour: "COMPLETED with the reviewer's output moves on", status: "COMPLETED" as const, taskStatus: "COMPLETED", workflowStatus: "RUNNING" },
    { behaviour: "FAILED fails the workflow", status: "FAILED" as const, taskStatus: "FAILED", workflowStatus: "FAILED" },
  ])("a task update $behaviour (Conductor: a HUMAN task needs a task update; tasks/Human.java)", ({ status, taskStatus, workflowStatus }) => {
    const s = run([systemTask("HUMAN", "approve"), after]);
    s.run(taskResult(s.task("approve").taskId, status, { outputData: { by: "ann" }, reasonForIncompletion: "no" }));
    expect(s.task("approve")).toMatchObject({ status: taskStatus, outputData: { by: "ann" } });
    expect(s.state.status).toBe(workflowStatus);
  });

  it("is canceled when the workflow is terminated (Conductor: cancel -> CANCELED; tasks/Human.java)", () => {
    const s = run([systemTask("HUMAN", "approve"), after]);
    s.run({ type: "TerminateWorkflow", reason: "no longer needed" });
    expect(s.task("approve").status).toBe("CANCELED");
    expect(s.state.status).toBe("TERMINATED");
  });
});
