/**
 * Control-flow system tasks against Conductor OSS (notes: /tmp/notes/system-tasks.md
 * §1–§3, §7): SWITCH, DECISION, FORK_JOIN + JOIN, FORK_JOIN_DYNAMIC, DYNAMIC and
 * EXCLUSIVE_JOIN, as given/when/then over the pure decider with the real
 * JavaScript sandbox. Each case names the Conductor behaviour it checks and the
 * Conductor source file that behaviour comes from.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { ValidationError } from "../../src/domain/errors.ts";
import type { WorkflowTask } from "../../src/domain/definitions/workflow-def.ts";
import type { WorkflowState } from "../../src/domain/workflow/state.ts";
import {
  began,
  completed,
  given,
  scenario,
  type Scenario,
  scheduled,
  simpleTask,
  type SpecContext,
  started,
  startWorkflow,
  systemTask,
  workflowDef,
} from "../support/decider-spec.ts";

let evaluators: SpecContext["evaluators"];
beforeAll(async () => {
  evaluators = await loadEvaluators();
});

/** Starts `tasks` as a workflow with the real sandboxes. */
const run = (tasks: WorkflowTask[], input: Record<string, unknown> = {}, context: SpecContext = {}): Scenario =>
  scenario(workflowDef(tasks), input, { evaluators, ...context });

/** `ref -> status` of the latest attempt of every task, in schedule order. */
function statuses(state: WorkflowState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const task of [...state.tasks].sort((a, b) => a.seq - b.seq)) out[task.referenceTaskName] = task.status;
  return out;
}

// ---- SWITCH ------------------------------------------------------------------

describe("SWITCH", () => {
  const ship = simpleTask("ship");
  const backorder = simpleTask("backorder");
  const notify = simpleTask("notify");
  const after = simpleTask("after");

  it("evaluates value-param as input[expression], completes at once with {evaluationResult, selectedCase} and schedules the first task of that case (Conductor: SWITCH IN_PROGRESS then COMPLETED in the same pass; mapper/SwitchTaskMapper.java)", () => {
    const route = systemTask("SWITCH", "route", {
      evaluatorType: "value-param",
      expression: "kind",
      inputParameters: { kind: "${workflow.input.kind}" },
      decisionCases: { express: [ship, notify], slow: [backorder] },
    });
    const def = workflowDef([route, after]);
    given([], { evaluators })
      .when(startWorkflow(def, { kind: "express" }))
      .then([
        started(def, { kind: "express" }),
        scheduled(route, { taskId: "id-1", seq: 1, inputData: { kind: "express" }, taskDefName: "SWITCH" }),
        withoutWorker(completed("id-1", { evaluationResult: ["express"], selectedCase: "express" })),
        scheduled(ship, { taskId: "id-2", seq: 2 }),
      ]);
  });

  type SwitchRow = {
    behaviour: string;
    source: string;
    switchTask: Partial<WorkflowTask>;
    input: Record<string, unknown>;
    /** Output of the SWITCH task. */
    output: Record<string, unknown>;
    /** Refs scheduled right after the SWITCH, in order. */
    next: string[];
  };
  const cases = { big: [ship], small: [backorder], "1": [notify], true: [notify], null: [notify] };
  const rows: SwitchRow[] = [
    {
      behaviour: "javascript binds the resolved inputs as `$` and the case key is the script's value",
      source: "mapper/SwitchTaskMapper.java, ScriptEvaluator.java",
      switchTask: { evaluatorType: "javascript", expression: "$.amount > 100 ? 'big' : 'small'", inputParameters: { amount: "${workflow.input.amount}" } },
      input: { amount: 250 },
      output: { evaluationResult: ["big"], selectedCase: "big" },
      next: ["ship"],
    },
    {
      behaviour: "graaljs is the same engine as javascript",
      source: "core/.../execution/evaluators/",
      switchTask: { evaluatorType: "graaljs", expression: "$.amount > 100 ? 'big' : 'small'", inputParameters: { amount: "${workflow.input.amount}" } },
      input: { amount: 5 },
      output: { evaluationResult: ["small"], selectedCase: "small" },
      next: ["backorder"],
    },
    {
      behaviour: "a JS integer result becomes the key \"1\" (key = \"\" + result)",
      source: "mapper/SwitchTaskMapper.java",
      switchTask: { evaluatorType: "javascript", expression: "$.n + 1", inputParameters: { n: "${workflow.input.n}" } },
      input: { n: 0 },
      output: { evaluationResult: ["1"], selectedCase: "1" },
      next: ["notify"],
    },
    {
      behaviour: "a boolean result becomes the key \"true\"",
      source: "mapper/SwitchTaskMapper.java",
      switchTask: { evaluatorType: "value-param", expression: "ok", inputParameters: { ok: "${workflow.input.ok}" } },
      input: { ok: true },
      output: { evaluationResult: ["true"], selectedCase: "true" },
      next: ["notify"],
    },
    {
      behaviour: "a missing value-param key is null, which becomes the key \"null\"",
      source: "mapper/SwitchTaskMapper.java",
      switchTask: { evaluatorType: "value-param", expression: "absent", inputParameters: {} },
      input: {},
      output: { evaluationResult: ["null"], selectedCase: "null" },
      next: ["notify"],
    },
    {
      behaviour: "defaultCase runs only when no decisionCases key matches, and selectedCase still reports the evaluated key",
      source: "mapper/SwitchTaskMapper.java",
      switchTask: { evaluatorType: "value-param", expression: "kind", inputParameters: { kind: "${workflow.input.kind}" }, defaultCase: [simpleTask("fallback")] },
      input: { kind: "unheard-of" },
      output: { evaluationResult: ["unheard-of"], selectedCase: "unheard-of" },
      next: ["fallback"],
    },
    {
      behaviour: "no matching key and no defaultCase: nothing is scheduled inside, the SWITCH moves on to its next sibling",
      source: "mapper/SwitchTaskMapper.java, WorkflowDef.getNextTask",
      switchTask: { evaluatorType: "value-param", expression: "kind", inputParameters: { kind: "${workflow.input.kind}" } },
      input: { kind: "unheard-of" },
      output: { evaluationResult: ["unheard-of"], selectedCase: "unheard-of" },
      next: ["after"],
    },
  ];

  it.each(rows)("$behaviour ($source)", ({ switchTask, input, output, next }) => {
    const route = systemTask("SWITCH", "route", { decisionCases: cases, ...switchTask });
    const s = run([route, after], input);
    expect(s.task("route")).toMatchObject({ status: "COMPLETED", taskType: "SWITCH", outputData: output });
    expect(s.state.tasks.slice(1).map((t) => t.referenceTaskName)).toEqual(next);
  });

  it("an explicitly empty matching case schedules nothing, not even the defaultCase, and continues after the SWITCH (Conductor: defaultCase only when the key is absent; mapper/SwitchTaskMapper.java)", () => {
    const route = systemTask("SWITCH", "route", {
      evaluatorType: "value-param",
      expression: "kind",
      inputParameters: { kind: "${workflow.input.kind}" },
      decisionCases: { skip: [], big: [ship] },
      defaultCase: [backorder],
    });
    const s = run([route, after], { kind: "skip" });
    expect(statuses(s.state)).toEqual({ route: "COMPLETED", after: "SCHEDULED" });
    expect(s.task("route").outputData).toEqual({ evaluationResult: ["skip"], selectedCase: "skip" });
  });

  it("after the last task of the chosen case, the sibling after the SWITCH runs, fed by the case's outputs (Conductor: next-task walk climbs out of the case; WorkflowDef.getNextTask)", () => {
    const route = systemTask("SWITCH", "route", {
      evaluatorType: "value-param",
      expression: "kind",
      inputParameters: { kind: "${workflow.input.kind}" },
      decisionCases: { express: [ship, notify] },
    });
    const tail = simpleTask("after", { inputParameters: { tracking: "${ship.output.tracking}", skipped: "${backorder.output.x}" } });
    const s = run([route, tail], { kind: "express" });
    s.complete("ship", { tracking: "T-1" });
    expect(s.find("after")).toBeUndefined();
    s.complete("notify");
    expect(s.task("after")).toMatchObject({ status: "SCHEDULED", inputData: { tracking: "T-1", skipped: null } });
    s.complete("after");
    expect(s.state.status).toBe("COMPLETED");
  });

  it("a SWITCH at the head of a case is mapped recursively: its own case head is scheduled in the same pass (Conductor: getTasksToBeScheduled recursion; mapper/SwitchTaskMapper.java)", () => {
    const inner = systemTask("SWITCH", "inner", {
      evaluatorType: "javascript",
      expression: "$.n % 2 == 0 ? 'even' : 'odd'",
      inputParameters: { n: "${workflow.input.n}" },
      decisionCases: { even: [ship], odd: [backorder] },
    });
    const outer = systemTask("SWITCH", "outer", {
      evaluatorType: "value-param",
      expression: "go",
      inputParameters: { go: "${workflow.input.go}" },
      decisionCases: { yes: [inner] },
    });
    const s = run([outer, after], { go: "yes", n: 3 });
    expect(statuses(s.state)).toEqual({ outer: "COMPLETED", inner: "COMPLETED", backorder: "SCHEDULED" });
    s.complete("backorder");
    expect(statuses(s.state)).toMatchObject({ after: "SCHEDULED" });
  });

  it.each([
    ["a syntax error", "$.amount >", /SyntaxError/],
    ["an unknown variable", "missing.field", /ReferenceError: 'missing' is not defined/],
    ["a thrown error", "throw new Error('no route for ' + $.amount)", /Error: no route for 7/],
  ])("a javascript expression with %s fails the SWITCH (FAILED, reason and output.error) and, as a built-in task, the workflow; no case runs (Conductor: SWITCH created FAILED with the exception message; mapper/SwitchTaskMapper.java, TaskType.BUILT_IN_TASKS)", (_what, expression, error) => {
    const route = systemTask("SWITCH", "route", {
      evaluatorType: "javascript",
      expression,
      inputParameters: { amount: "${workflow.input.amount}" },
      decisionCases: { big: [ship] },
      defaultCase: [backorder],
    });
    const s = run([route, after], { amount: 7 });
    const task = s.task("route");
    expect(task.status).toBe("FAILED");
    expect(task.outputData.error).toMatch(error);
    expect(task.reasonForIncompletion).toMatch(error);
    expect(s.state.tasks).toHaveLength(1);
    expect(s.state).toMatchObject({ status: "FAILED", failedTaskId: task.taskId });
    expect(s.state.reasonForIncompletion).toMatch(/failed with status: FAILED/);
  });

  it.each([
    ["an evaluatorType with no evaluator", { evaluatorType: "python", expression: "x" }, /tasks\[0\]\.evaluatorType: evaluatorType must be value-param or javascript, got 'python'/],
    ["no evaluatorType", { expression: "x" }, /tasks\[0\]\.evaluatorType: /],
    ["no expression", { evaluatorType: "value-param" }, /tasks\[0\]\.expression: /],
  ])("rejects at registration a SWITCH with %s, naming the field (Conductor: 'No evaluator registered for type' terminates the workflow; mapper/SwitchTaskMapper.java, WorkflowTaskTypeConstraint)", (_what, fields, message) => {
    const raw = { name: "x", tasks: [{ name: "route", taskReferenceName: "route", type: "SWITCH", decisionCases: {}, ...fields }] };
    expect(() => parseWorkflowDef(raw)).toThrow(message);
  });

  it("is never retried, even with a retryCount on the workflow task (Conductor: built-in tasks are not retried; DeciderService.retry, TaskType.BUILT_IN_TASKS)", () => {
    const route = systemTask("SWITCH", "route", { evaluatorType: "javascript", expression: "(", retryCount: 3, decisionCases: { a: [ship] } });
    const s = run([route]);
    expect(s.state.tasks).toHaveLength(1);
    expect(s.state.status).toBe("FAILED");
  });
});

/** The helper's `completed` carries a worker; system tasks complete without one. */
function withoutWorker<E extends { type: string; data: object }>(event: E): E {
  if (event.type !== "TaskCompleted") return event;
  const { workerId: _drop, ...data } = event.data as { workerId?: string };
  return { ...event, data } as E;
}

// ---- DECISION ----------------------------------------------------------------

describe("DECISION (deprecated)", () => {
  const yes = simpleTask("yes_task", { taskReferenceName: "yes" });
  const no = simpleTask("no_task", { taskReferenceName: "no" });
  const after = simpleTask("after");

  it.each([
    {
      behaviour: "caseValueParam picks the case named by that input; output {caseOutput: [key]}",
      source: "mapper/DecisionTaskMapper.java",
      decision: { caseValueParam: "answer", inputParameters: { answer: "${workflow.input.answer}" }, decisionCases: { y: [yes], n: [no] } },
      input: { answer: "y" },
      output: { caseOutput: ["y"] },
      next: ["yes"],
    },
    {
      behaviour: "caseExpression is JavaScript with `$` bound to the inputs",
      source: "mapper/DecisionTaskMapper.java, ScriptEvaluator.java",
      decision: { caseExpression: "$.score >= 50 ? 'y' : 'n'", inputParameters: { score: "${workflow.input.score}" }, decisionCases: { y: [yes], n: [no] } },
      input: { score: 10 },
      output: { caseOutput: ["n"] },
      next: ["no"],
    },
    {
      behaviour: "a key with no case falls back to defaultCase",
      source: "mapper/DecisionTaskMapper.java",
      decision: { caseValueParam: "answer", inputParameters: { answer: "${workflow.input.answer}" }, decisionCases: { y: [yes] }, defaultCase: [no] },
      input: { answer: "maybe" },
      output: { caseOutput: ["maybe"] },
      next: ["no"],
    },
    {
      behaviour: "unlike SWITCH, an empty case list also falls back to defaultCase",
      source: "mapper/DecisionTaskMapper.java",
      decision: { caseValueParam: "answer", inputParameters: { answer: "${workflow.input.answer}" }, decisionCases: { y: [], n: [no] }, defaultCase: [yes] },
      input: { answer: "y" },
      output: { caseOutput: ["y"] },
      next: ["yes"],
    },
    {
      behaviour: "no case and no defaultCase: it moves straight on to the next sibling",
      source: "mapper/DecisionTaskMapper.java, WorkflowDef.getNextTask",
      decision: { caseValueParam: "answer", inputParameters: {}, decisionCases: { y: [yes] } },
      input: {},
      output: { caseOutput: ["null"] },
      next: ["after"],
    },
  ])("$behaviour ($source)", ({ decision, input, output, next }) => {
    const s = run([systemTask("DECISION", "decide", decision), after], input);
    expect(s.task("decide")).toMatchObject({ status: "COMPLETED", taskType: "DECISION", outputData: output });
    expect(s.state.tasks.slice(1).map((t) => t.referenceTaskName)).toEqual(next);
  });

  it("a caseExpression that throws fails the workflow (Conductor: 'Error while evaluating script' terminates the workflow; mapper/DecisionTaskMapper.java)", () => {
    const s = run([systemTask("DECISION", "decide", { caseExpression: "$.a.b.c", decisionCases: { y: [yes] } }), after]);
    expect(s.task("decide").status).toMatch(/^FAILED/);
    expect(s.task("decide").outputData.error).toMatch(/TypeError/);
    expect(s.state.status).toBe("FAILED");
    expect(s.find("after")).toBeUndefined();
  });
});

// ---- FORK_JOIN and JOIN --------------------------------------------------------

describe("FORK_JOIN and JOIN", () => {
  const a1 = simpleTask("a1");
  const a2 = simpleTask("a2", { inputParameters: { fromA1: "${a1.output.v}" } });
  const b1 = simpleTask("b1");
  const after = simpleTask("after", { inputParameters: { joined: "${join.output}" } });
  const fork = (branches: WorkflowTask[][], fields: Partial<WorkflowTask> = {}) => systemTask("FORK_JOIN", "fork", { forkTasks: branches, ...fields });
  const join = (joinOn: string[]) => systemTask("JOIN", "join", { joinOn });

  it("schedules, in one pass, the FORK (COMPLETED, taskType FORK), the first task of every branch, and the JOIN (IN_PROGRESS) (Conductor: FORK completes at once; mapper/ForkJoinTaskMapper.java, mapper/JoinTaskMapper.java)", () => {
    const forkTask = fork([[a1, a2], [b1]]);
    const def = workflowDef([forkTask, join(["a2", "b1"]), after]);
    const state = given([], { evaluators })
      .when(startWorkflow(def))
      .then([
        started(def),
        scheduled(forkTask, { taskId: "id-1", seq: 1, taskType: "FORK", taskDefName: "FORK" }),
        withoutWorker(completed("id-1")),
        scheduled(a1, { taskId: "id-2", seq: 2 }),
        scheduled(b1, { taskId: "id-3", seq: 3 }),
        scheduled(join(["a2", "b1"]), { taskId: "id-4", seq: 4, taskDefName: "JOIN" }),
        began("id-4"),
      ]);
    expect(statuses(state)).toEqual({ fork: "COMPLETED", a1: "SCHEDULED", b1: "SCHEDULED", join: "IN_PROGRESS" });
  });

  it("runs the rest of a branch by the ordinary next-task walk; the end of a branch schedules nothing, and the JOIN completes only once every joinOn ref is terminal, with output keyed by ref and empty outputs left out (Conductor: JOIN output[ref] = task.output when non-empty; tasks/Join.java)", () => {
    const s = run([fork([[a1, a2], [b1]]), join(["a2", "b1"]), after]);
    s.complete("b1");
    expect(statuses(s.state)).toEqual({ fork: "COMPLETED", a1: "SCHEDULED", b1: "COMPLETED", join: "IN_PROGRESS" });
    s.complete("a1", { v: 1 });
    expect(s.task("a2").inputData).toEqual({ fromA1: 1 });
    expect(s.task("join").status).toBe("IN_PROGRESS");
    s.complete("a2", { done: true });
    expect(s.task("join")).toMatchObject({ status: "COMPLETED", outputData: { a2: { done: true } } });
    expect(s.task("after").inputData).toEqual({ joined: { a2: { done: true } } });
  });

  it("waits only for the refs in joinOn: a branch left out of joinOn does not hold the JOIN (Conductor: joinOn refs used exactly as given; tasks/Join.java)", () => {
    const s = run([fork([[a1], [b1]]), join(["a1"]), after]);
    s.complete("a1", { v: 1 });
    expect(statuses(s.state)).toEqual({ fork: "COMPLETED", a1: "COMPLETED", b1: "SCHEDULED", join: "COMPLETED", after: "SCHEDULED" });
  });

  it("a failed non-optional branch task (retries used up) ends the workflow FAILED with its reason; the JOIN and the other branch are canceled (Conductor: non-optional failure terminates through DeciderService.retry before the JOIN; tasks/Join.java)", () => {
    const flaky = simpleTask("flaky", {}, { retryCount: 0 });
    const s = run([fork([[flaky], [b1]]), join(["flaky", "b1"]), after]);
    s.fail("flaky", "disk full");
    expect(statuses(s.state)).toEqual({ fork: "COMPLETED", flaky: "FAILED", b1: "CANCELED", join: "CANCELED" });
    expect(s.state.status).toBe("FAILED");
    expect(s.state.reasonForIncompletion).toBe(`Task ${s.task("flaky").taskId} failed with status: FAILED and reason: 'disk full'`);
  });

  it("an optional branch task that failed becomes COMPLETED_WITH_ERRORS, and the JOIN ends COMPLETED_WITH_ERRORS; the workflow goes on (Conductor: optional failures rewritten, JOIN COMPLETED_WITH_ERRORS; DeciderService.java, tasks/Join.java)", () => {
    const maybe = simpleTask("maybe", { optional: true }, { retryCount: 0 });
    const s = run([fork([[maybe], [b1]]), join(["maybe", "b1"]), after]);
    s.complete("b1", { ok: 1 });
    s.fail("maybe", "not today");
    expect(statuses(s.state)).toEqual({ fork: "COMPLETED", maybe: "COMPLETED_WITH_ERRORS", b1: "COMPLETED", join: "COMPLETED_WITH_ERRORS", after: "SCHEDULED" });
    expect(s.task("join").outputData).toEqual({ b1: { ok: 1 } });
    expect(s.state.status).toBe("RUNNING");
  });

  it("a permissive branch task that failed lets the JOIN decide: it waits for the other refs, then fails with the task's reason, and the workflow fails (Conductor: permissive refs delay the failure until all are terminal; tasks/Join.java)", () => {
    const lenient = simpleTask("lenient", { permissive: true }, { retryCount: 0 });
    const s = run([fork([[lenient], [b1]]), join(["lenient", "b1"]), after]);
    s.fail("lenient", "quota exceeded");
    expect(statuses(s.state)).toEqual({ fork: "COMPLETED", lenient: "FAILED", b1: "SCHEDULED", join: "IN_PROGRESS" });
    expect(s.state.status).toBe("RUNNING");
    s.complete("b1", { ok: 1 });
    expect(s.task("join")).toMatchObject({ status: "FAILED", reasonForIncompletion: "quota exceeded" });
    expect(s.state.status).toBe("FAILED");
    expect(s.find("after")).toBeUndefined();
  });

  it("a branch that starts with a SWITCH is mapped recursively, and the JOIN waits for the case's task (Conductor: branch heads mapped recursively; mapper/ForkJoinTaskMapper.java)", () => {
    const route = systemTask("SWITCH", "route", {
      evaluatorType: "value-param",
      expression: "k",
      inputParameters: { k: "${workflow.input.k}" },
      decisionCases: { x: [a1] },
    });
    const s = run([fork([[route], [b1]]), join(["a1", "b1"]), after], { k: "x" });
    expect(statuses(s.state)).toEqual({ fork: "COMPLETED", route: "COMPLETED", a1: "SCHEDULED", b1: "SCHEDULED", join: "IN_PROGRESS" });
    s.complete("a1", { v: 2 });
    s.complete("b1", { w: 3 });
    expect(s.task("join").outputData).toEqual({ a1: { v: 2 }, b1: { w: 3 } });
  });

  it("registers a FORK_JOIN not followed by a JOIN, and fails the workflow when it is reached, scheduling no branch (Conductor: 'Fork task definition is not followed by a join task'; mapper/ForkJoinTaskMapper.java)", () => {
    const raw = {
      name: "no_join",
      tasks: [
        { name: "fork", taskReferenceName: "fork", type: "FORK_JOIN", forkTasks: [[{ name: "a", taskReferenceName: "a" }]] },
        { name: "after", taskReferenceName: "after" },
      ],
    };
    expect(() => parseWorkflowDef(raw)).not.toThrow();
    const s = run([fork([[a1], [b1]]), after]);
    expect(s.task("fork")).toMatchObject({ status: "FAILED_WITH_TERMINAL_ERROR", reasonForIncompletion: expect.stringMatching(/^Fork task definition is not followed by a join task/) });
    expect(s.state.tasks).toHaveLength(1);
    expect(s.state.status).toBe("FAILED");
    // Inside a loop body a fork without its JOIN fails the same way, even as the body's last task.
    const looped = run([systemTask("DO_WHILE", "loop", { loopCondition: "false", loopOver: [fork([[a1]])] })]);
    expect(looped.task("fork__1").status).toBe("FAILED_WITH_TERMINAL_ERROR");
    expect(looped.state.status).toBe("FAILED");
  });

  it("runs a FORK_JOIN that ends the workflow without a JOIN: the branches run and the workflow completes after all of them (the Python SDK writes these; Conductor fails them)", () => {
    const s = run([after, fork([[a1], [b1]])]);
    s.complete("after", {});
    expect(statuses(s.state)).toEqual({ after: "COMPLETED", fork: "COMPLETED", a1: "SCHEDULED", b1: "SCHEDULED" });
    s.complete("a1", { v: 1 });
    expect(s.state.status).toBe("RUNNING");
    s.complete("b1", { w: 2 });
    expect(s.state.status).toBe("COMPLETED");
  });

  it("rejects a FORK_JOIN with no branches, naming forkTasks (Conductor: an empty branch list cannot be mapped; mapper/ForkJoinTaskMapper.java)", () => {
    const raw = { name: "empty_fork", tasks: [{ name: "fork", taskReferenceName: "fork", type: "FORK_JOIN", forkTasks: [] }, { name: "j", taskReferenceName: "j", type: "JOIN" }] };
    expect(() => parseWorkflowDef(raw)).toThrow(/tasks\[0\]\.forkTasks: /);
  });
});

// ---- FORK_JOIN_DYNAMIC ---------------------------------------------------------

describe("FORK_JOIN_DYNAMIC", () => {
  const after = simpleTask("after", { inputParameters: { joined: "${join.output}" } });
  const join = (joinOn: string[] = []) => systemTask("JOIN", "join", { joinOn });
  const registry = (name: string) => (name === "resize" ? simpleTask("resize", {}, { retryCount: 1 }).taskDefinition! : undefined);

  it("with dynamicForkTasksParam, forks one branch per listed task, each getting inputs[ref]; the JOIN waits for exactly those refs (Conductor: FORK + branches + JOIN, joinOn = generated refs; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", {
      dynamicForkTasksParam: "tasks",
      dynamicForkTasksInputParamName: "inputs",
      inputParameters: { tasks: "${workflow.input.tasks}", inputs: "${workflow.input.inputs}" },
    });
    const s = run([dyn, join(["ignored_ref"]), after], {
      tasks: [
        { name: "resize", taskReferenceName: "small" },
        { name: "resize", taskReferenceName: "large", type: "SIMPLE" },
      ],
      inputs: { small: { width: 100 }, large: { width: 900 } },
    }, { taskDef: registry });
    expect(statuses(s.state)).toEqual({ fanout: "COMPLETED", small: "SCHEDULED", large: "SCHEDULED", join: "IN_PROGRESS" });
    expect(s.task("fanout").taskType).toBe("FORK");
    expect(s.task("small")).toMatchObject({ taskType: "resize", inputData: { width: 100 } });
    expect(s.task("large").inputData).toEqual({ width: 900 });
    s.complete("small", { url: "s.png" });
    expect(s.task("join").status).toBe("IN_PROGRESS");
    s.complete("large", { url: "l.png" });
    expect(s.task("join")).toMatchObject({ status: "COMPLETED", outputData: { small: { url: "s.png" }, large: { url: "l.png" } } });
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it("uses the registered TaskDef of a generated task, so its retries apply (Conductor: TaskDef looked up by name; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", {
      dynamicForkTasksParam: "tasks",
      dynamicForkTasksInputParamName: "inputs",
      inputParameters: { tasks: [{ name: "resize", taskReferenceName: "small" }], inputs: {} },
    });
    const s = run([dyn, join(), after], {}, { taskDef: registry });
    s.fail("small", "busy");
    expect(s.task("small")).toMatchObject({ status: "SCHEDULED", retryCount: 1 });
    expect(s.state.status).toBe("RUNNING");
  });

  it("with forkTaskName and forkTaskInputs, forks `_<name>_<i>` refs whose input is the item plus `__index`; a non-map item becomes {input: item} (Conductor: simple form; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", {
      inputParameters: { forkTaskName: "resize", forkTaskInputs: "${workflow.input.items}" },
    });
    const s = run([dyn, join(), after], { items: [{ width: 1 }, "raw"] });
    expect(statuses(s.state)).toEqual({ fanout: "COMPLETED", _resize_0: "SCHEDULED", _resize_1: "SCHEDULED", join: "IN_PROGRESS" });
    expect(s.task("_resize_0")).toMatchObject({ taskType: "resize", taskDefName: "resize", inputData: { width: 1, __index: 0 } });
    expect(s.task("_resize_1").inputData).toEqual({ input: "raw", __index: 1 });
    s.complete("_resize_1", { n: 1 });
    s.complete("_resize_0", { n: 0 });
    expect(s.task("join")).toMatchObject({ status: "COMPLETED", outputData: { _resize_0: { n: 0 }, _resize_1: { n: 1 } } });
  });

  it("with a system forkTaskType and no forkTaskName, names the branches after the type, and they run as that type (Conductor: forkTaskName defaults to a system forkTaskType; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", {
      inputParameters: {
        forkTaskType: "INLINE",
        forkTaskInputs: [
          { evaluatorType: "javascript", expression: "$.__index * 10" },
          { evaluatorType: "javascript", expression: "$.__index * 10" },
        ],
      },
    });
    const s = run([dyn, join(), after]);
    expect(statuses(s.state)).toEqual({ fanout: "COMPLETED", _INLINE_0: "COMPLETED", _INLINE_1: "COMPLETED", join: "COMPLETED", after: "SCHEDULED" });
    expect(s.task("join").outputData).toEqual({ _INLINE_0: { result: 0 }, _INLINE_1: { result: 10 } });
  });

  it("with neither forkTaskName nor a system forkTaskType, names the branches after the fork's own reference (Conductor: forkTaskName falls back to the fork's taskReferenceName; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", { inputParameters: { forkTaskType: "SIMPLE", forkTaskInputs: [{ a: 1 }] } });
    const s = run([dyn, join(), after]);
    expect(s.task("_fanout_0")).toMatchObject({ taskType: "fanout", inputData: { a: 1, __index: 0 } });
  });

  it("with forkTaskWorkflow, each branch is a SUB_WORKFLOW of that workflow and version (Conductor: generateSubWorkflowWorkflowTask; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", {
      inputParameters: { forkTaskName: "child", forkTaskWorkflow: "resize_flow", forkTaskWorkflowVersion: "2", forkTaskInputs: [{ img: "a" }] },
    });
    const s = run([dyn, join(), after]);
    const branch = s.task("_child_0");
    expect(branch).toMatchObject({ status: "SCHEDULED", taskType: "SUB_WORKFLOW", inputData: { img: "a", __index: 0 } });
    expect(branch.workflowTask).toMatchObject({ type: "SUB_WORKFLOW", subWorkflowParam: { name: "resize_flow", version: 2 } });
  });

  it("copies the fork's optional flag to every branch, so a failed branch ends COMPLETED_WITH_ERRORS (Conductor: workflowTask.isOptional copied; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", { optional: true, inputParameters: { forkTaskName: "resize", forkTaskInputs: [{}, {}] } });
    const s = run([dyn, join(), after]);
    s.fail("_resize_0", "too big", "FAILED_WITH_TERMINAL_ERROR");
    s.complete("_resize_1", { ok: true });
    expect(s.task("_resize_0").status).toBe("COMPLETED_WITH_ERRORS");
    expect(s.task("join").status).toBe("COMPLETED_WITH_ERRORS");
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it("an empty list gives the FORK and a JOIN that completes at once with an empty output (Conductor: empty list -> joinOn []; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", { inputParameters: { forkTaskName: "resize", forkTaskInputs: [] } });
    const s = run([dyn, join(), after]);
    expect(statuses(s.state)).toEqual({ fanout: "COMPLETED", join: "COMPLETED", after: "SCHEDULED" });
    expect(s.task("join").outputData).toEqual({});
  });

  it.each([
    {
      behaviour: "dynamicForkTasksParam that is not a list",
      source: "mapper/ForkJoinDynamicTaskMapper.java ('Cannot deserialize a list of Workflow Tasks')",
      fields: { dynamicForkTasksParam: "tasks", dynamicForkTasksInputParamName: "inputs", inputParameters: { tasks: "resize", inputs: {} } },
      reason: /tasks/,
    },
    {
      behaviour: "a listed task without a taskReferenceName",
      source: "mapper/ForkJoinDynamicTaskMapper.java ('Input ... is invalid')",
      fields: { dynamicForkTasksParam: "tasks", dynamicForkTasksInputParamName: "inputs", inputParameters: { tasks: [{ name: "resize" }], inputs: {} } },
      reason: /taskReferenceName/,
    },
    {
      behaviour: "dynamicForkTasksInputParamName that is not a map",
      source: "mapper/ForkJoinDynamicTaskMapper.java ('Input to the dynamically forked tasks is not a map')",
      fields: { dynamicForkTasksParam: "tasks", dynamicForkTasksInputParamName: "inputs", inputParameters: { tasks: [{ name: "resize", taskReferenceName: "r" }], inputs: ["r"] } },
      reason: /inputs.*map/,
    },
    {
      behaviour: "forkTaskInputs that is not a list",
      source: "mapper/ForkJoinDynamicTaskMapper.java (simple form needs a List)",
      fields: { inputParameters: { forkTaskName: "resize", forkTaskInputs: "${workflow.input.nothing}" } },
      reason: /forkTaskInputs/,
    },
  ])("fails the workflow, scheduling no branch, for $behaviour ($source)", ({ fields, reason }) => {
    const s = run([systemTask("FORK_JOIN_DYNAMIC", "fanout", fields), join(), after]);
    expect(s.task("fanout").status).toMatch(/^FAILED/);
    expect(s.task("fanout").reasonForIncompletion).toMatch(reason);
    expect(s.state.tasks).toHaveLength(1);
    expect(s.state.status).toBe("FAILED");
  });

  it("fails the workflow at a FORK_JOIN_DYNAMIC followed by something other than a JOIN (Conductor: 'Dynamic join definition is not followed by a join task'; mapper/ForkJoinDynamicTaskMapper.java)", () => {
    const raw = {
      name: "no_join",
      tasks: [{ name: "f", taskReferenceName: "f", type: "FORK_JOIN_DYNAMIC", inputParameters: { forkTaskName: "x", forkTaskInputs: [] } }],
    };
    expect(() => parseWorkflowDef(raw)).not.toThrow();
    const s = run([systemTask("FORK_JOIN_DYNAMIC", "fanout", { inputParameters: { forkTaskName: "resize", forkTaskInputs: [1, 2] } }), after]);
    expect(s.task("fanout")).toMatchObject({ status: "FAILED_WITH_TERMINAL_ERROR", reasonForIncompletion: expect.stringMatching(/not followed by a join task/) });
    expect(s.state.tasks).toHaveLength(1);
    expect(s.state.status).toBe("FAILED");
  });
});

// ---- DYNAMIC -------------------------------------------------------------------

describe("DYNAMIC", () => {
  const registry = (name: string) => (name === "ship_fedex" ? simpleTask("ship_fedex", {}, { retryCount: 2, retryDelaySeconds: 0 }).taskDefinition! : undefined);
  const dynamic = systemTask("DYNAMIC", "shipper", {
    dynamicTaskNameParam: "taskToRun",
    inputParameters: { taskToRun: "${workflow.input.carrier}", weight: "${workflow.input.weight}" },
  });
  const after = simpleTask("after", { inputParameters: { label: "${shipper.output.label}" } });

  it("schedules the task named by input[dynamicTaskNameParam] under the DYNAMIC task's ref, with taskType = taskDefName = that name and the registered TaskDef (Conductor: mapper/DynamicTaskMapper.java)", () => {
    const s = run([dynamic, after], { carrier: "ship_fedex", weight: 3 }, { taskDef: registry });
    expect(s.task("shipper")).toMatchObject({
      status: "SCHEDULED",
      taskType: "ship_fedex",
      taskDefName: "ship_fedex",
      inputData: { taskToRun: "ship_fedex", weight: 3 },
    });
    s.fail("shipper", "label printer jammed");
    expect(s.task("shipper")).toMatchObject({ status: "SCHEDULED", retryCount: 1, taskType: "ship_fedex" });
    s.complete("shipper", { label: "L-1" });
    expect(s.task("after").inputData).toEqual({ label: "L-1" });
  });

  it.each([
    ["a missing value", {}],
    ["an empty name", { carrier: "" }],
    ["a value that is not a name", { carrier: { name: "ship_fedex" } }],
  ])("fails the workflow when the parameter names nothing: %s (Conductor: 'Cannot map a dynamic task based on the parameter and input'; mapper/DynamicTaskMapper.java)", (_what, input) => {
    const s = run([dynamic, after], input, { taskDef: registry });
    expect(s.state.status).toBe("FAILED");
    expect(s.state.reasonForIncompletion).toMatch(/taskToRun/);
    expect(s.find("after")).toBeUndefined();
  });
});

// ---- EXCLUSIVE_JOIN ------------------------------------------------------------

describe("EXCLUSIVE_JOIN", () => {
  const fedex = simpleTask("fedex");
  const ups = simpleTask("ups");
  const pickup = simpleTask("pickup");
  const route = systemTask("SWITCH", "route", {
    evaluatorType: "value-param",
    expression: "carrier",
    inputParameters: { carrier: "${workflow.input.carrier}" },
    decisionCases: { fedex: [fedex], ups: [ups] },
    defaultCase: [pickup],
  });
  const exclusive = systemTask("EXCLUSIVE_JOIN", "merge", { joinOn: ["fedex", "ups"], defaultExclusiveJoinTask: ["pickup"] });
  const after = simpleTask("after", { inputParameters: { tracking: "${merge.output.tracking}" } });

  it.each([
    { behaviour: "completes with the whole output of the joinOn task that ran (not keyed by ref)", carrier: "ups", ran: "ups" },
    { behaviour: "falls back to defaultExclusiveJoinTask when no joinOn task ran", carrier: "drone", ran: "pickup" },
  ])("$behaviour (Conductor: first existing ref decides; tasks/ExclusiveJoin.java)", ({ carrier, ran }) => {
    const s = run([route, exclusive, after], { carrier });
    expect(s.find("merge")).toBeUndefined();
    s.complete(ran, { tracking: `T-${ran}` });
    expect(s.task("merge")).toMatchObject({ status: "COMPLETED", outputData: { tracking: `T-${ran}` } });
    expect(s.task("after").inputData).toEqual({ tracking: `T-${ran}` });
  });

  it("takes the first ref in joinOn order that exists, not the most recent one (Conductor: walks joinOn in order; tasks/ExclusiveJoin.java)", () => {
    const first = simpleTask("first");
    const second = simpleTask("second");
    const merge = systemTask("EXCLUSIVE_JOIN", "merge", { joinOn: ["first", "second"] });
    const s = run([first, second, merge]);
    s.complete("first", { from: "first" });
    s.complete("second", { from: "second" });
    expect(s.task("merge")).toMatchObject({ status: "COMPLETED", outputData: { from: "first" } });
  });

  it("an optional case task that failed (COMPLETED_WITH_ERRORS) counts as successful (Conductor: isSuccessful; tasks/ExclusiveJoin.java)", () => {
    const flaky = simpleTask("ups", { optional: true }, { retryCount: 0 });
    const sw = systemTask("SWITCH", "route", { ...route, decisionCases: { ups: [flaky] } });
    const s = run([sw, exclusive, after], { carrier: "ups" });
    s.fail("ups", "strike");
    expect(s.task("merge").status).toBe("COMPLETED");
    expect(s.task("after").status).toBe("SCHEDULED");
  });
});
