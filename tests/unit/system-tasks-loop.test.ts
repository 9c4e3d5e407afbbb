/**
 * DO_WHILE against Conductor OSS (notes: /tmp/notes/system-tasks.md §4 and §0),
 * as given/when/then over the pure decider with the real JavaScript sandbox.
 * Each case names the Conductor behaviour it checks and its source file
 * (tasks/DoWhile.java, mapper/DoWhileTaskMapper.java, …).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import type { WorkflowTask } from "../../src/domain/definitions/workflow-def.ts";
import {
  began,
  given,
  scenario,
  type Scenario,
  scheduled,
  simpleTask,
  type SpecContext,
  started,
  startWorkflow,
  systemTask,
  T0,
  workflowDef,
} from "../support/decider-spec.ts";

let evaluators: SpecContext["evaluators"];
beforeAll(async () => {
  evaluators = await loadEvaluators();
});

const run = (tasks: WorkflowTask[], input: Record<string, unknown> = {}): Scenario => scenario(workflowDef(tasks), input, { evaluators });

/** A DO_WHILE with ref `loop` over `body`. */
const loop = (body: WorkflowTask[], fields: Partial<WorkflowTask> = {}) => systemTask("DO_WHILE", "loop", { loopOver: body, ...fields });

/** An INLINE body task: runs inside the decider, so a whole loop of them needs no worker. */
const inline = (ref: string, expression: string, inputParameters: Record<string, unknown> = {}) =>
  systemTask("INLINE", ref, { inputParameters: { evaluatorType: "javascript", expression, ...inputParameters } });

/** Refs in schedule order. */
const refs = (s: Scenario) => [...s.state.tasks].sort((a, b) => a.seq - b.seq).map((t) => t.referenceTaskName);

const step = simpleTask("step", { inputParameters: { at: "${loop.output.iteration}" } });
const after = simpleTask("after", { inputParameters: { last: "${step.output.n}" } });

describe("DO_WHILE iterations", () => {
  it("starts IN_PROGRESS at iteration 1 and schedules only the first loopOver task, as `<ref>__1` (Conductor: first execute() sets iteration=1 and schedules the first body task; tasks/DoWhile.java)", () => {
    const doWhile = loop([step, simpleTask("second")], { loopCondition: "false" });
    const def = workflowDef([doWhile, after]);
    const state = given([], { evaluators })
      .when(startWorkflow(def))
      .then([
        started(def),
        scheduled(doWhile, { taskId: "id-1", seq: 1 }),
        began("id-1"),
        { type: "LoopIterated", data: { taskId: "id-1", iteration: 1, outputData: { iteration: 1 }, time: T0 } },
        scheduled(step, { taskId: "id-2", seq: 2, referenceTaskName: "step__1", iteration: 1, definitionRef: "step", inputData: { at: 1 } }),
      ]);
    expect(state.tasks.map((t) => [t.referenceTaskName, t.status, t.iteration])).toEqual([
      ["loop", "IN_PROGRESS", 1],
      ["step__1", "SCHEDULED", 1],
    ]);
  });

  it("runs the body at least once even when loopCondition is false, then completes with {iteration, \"1\": {ref: output}} (Conductor: body always runs once; tasks/DoWhile.java)", () => {
    const s = run([loop([step], { loopCondition: "false" }), after]);
    s.complete("step__1", { n: 7 });
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED", outputData: { iteration: 1, "1": { step: { n: 7 } } } });
    expect(s.task("after").inputData).toEqual({ last: 7 });
  });

  it("names every body task `<ref>__<N>` with its iteration, walks the body in order, and records each iteration under its number (Conductor: refs `__N`, output {iteration, \"N\": {...}}; tasks/DoWhile.java, filterNextLoopOverTasks)", () => {
    const second = simpleTask("second", { inputParameters: { fromStep: "${step.output.n}" } });
    const s = run([loop([step, second], { loopCondition: "$.loop.iteration < 3" }), after]);
    for (let n = 1; n <= 3; n++) {
      expect(s.task(`step__${n}`)).toMatchObject({ iteration: n, inputData: { at: n } });
      s.complete(`step__${n}`, { n: n * 10 });
      expect(s.task(`second__${n}`).inputData).toEqual({ fromStep: n * 10 });
      s.complete(`second__${n}`, { m: n });
    }
    expect(refs(s)).toEqual(["loop", "step__1", "second__1", "step__2", "second__2", "step__3", "second__3", "after"]);
    expect(s.task("loop")).toMatchObject({
      status: "COMPLETED",
      iteration: 3,
      outputData: {
        iteration: 3,
        "1": { step: { n: 10 }, second: { m: 1 } },
        "2": { step: { n: 20 }, second: { m: 2 } },
        "3": { step: { n: 30 }, second: { m: 3 } },
      },
    });
  });

  it("resolves `${innerRef...}` to the latest iteration, inside the body and after the loop, and exposes `${innerRef.iteration}` (Conductor: loop tasks keyed by the ref without `__N`, latest iteration wins; ParametersUtils.java)", () => {
    const echo = inline("echo", "$.value", { value: "${step.output.n}", round: "${step.iteration}" });
    const tail = simpleTask("after", { inputParameters: { last: "${step.output.n}", echoed: "${echo.output.result}", round: "${step.iteration}" } });
    const s = run([loop([step, echo], { loopCondition: "$.loop.iteration < 2" }), tail]);
    s.complete("step__1", { n: "first" });
    expect(s.task("echo__1")).toMatchObject({ status: "COMPLETED", inputData: { value: "first", round: 1 }, outputData: { result: "first" } });
    s.complete("step__2", { n: "second" });
    expect(s.task("echo__2").outputData).toEqual({ result: "second" });
    expect(s.task("after").inputData).toEqual({ last: "second", echoed: "second", round: 2 });
  });

  it("keeps only the last keepLastN iterations in its output (Conductor: keepLastN removes older output keys; tasks/DoWhile.java)", () => {
    const counter = inline("count", "$.i", { i: "${loop.output.iteration}" });
    const s = run([loop([counter], { loopCondition: "$.loop.iteration < 4", inputParameters: { keepLastN: 2 } })]);
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED", outputData: { iteration: 4, "3": { count: { result: 3 } }, "4": { count: { result: 4 } } } });
    expect(Object.keys(s.task("loop").outputData).sort()).toEqual(["3", "4", "iteration"]);
  });
});

describe("DO_WHILE loopCondition", () => {
  const counter = inline("count", "$.i * 10", { i: "${loop.output.iteration}" });

  it.each([
    {
      behaviour: "the loop's own inputParameters are bound at the top of `$`",
      condition: "$.limit > $.loop.iteration",
      inputParameters: { limit: "${workflow.input.limit}" },
      iterations: 3,
    },
    {
      behaviour: "the loop's output is bound under its ref (`$.loop.iteration`, `$.loop['1']`)",
      condition: "$.loop['1'].count.result == 10 && $.loop.iteration < 2",
      inputParameters: {},
      iterations: 2,
    },
    {
      behaviour: "each body task's OUTPUT map (not {output: ...}) is bound under its bare ref",
      condition: "$.count.result < 30",
      inputParameters: {},
      iterations: 3,
    },
    {
      behaviour: "workflow input is not bound directly (only through inputParameters)",
      condition: "typeof workflow === 'undefined' && $.workflow === undefined && $.loop.iteration < 2",
      inputParameters: {},
      iterations: 2,
    },
    {
      behaviour: "a number > 0 counts as true (toBoolean)",
      condition: "$.loop.iteration < 2 ? 1 : 0",
      inputParameters: {},
      iterations: 2,
    },
    {
      behaviour: "the string \"true\" counts as false (toBoolean: Boolean as-is, Number > 0, anything else false)",
      condition: "'true'",
      inputParameters: {},
      iterations: 1,
    },
    {
      behaviour: "null counts as false",
      condition: "null",
      inputParameters: {},
      iterations: 1,
    },
  ])("$behaviour (Conductor: DoWhile.evaluateCondition, ScriptEvaluator.evalBool; tasks/DoWhile.java)", ({ condition, inputParameters, iterations }) => {
    const s = run([loop([counter], { loopCondition: condition, inputParameters })], { limit: 3 });
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED", iteration: iterations });
    expect(s.task("loop").outputData.iteration).toBe(iterations);
    expect(s.state.status).toBe("COMPLETED");
  });

  it("re-resolves the loop's inputParameters for every evaluation, so `${workflow.variables.x}` set in the body is seen (Conductor: condition input = getTaskInputV2 of inputParameters, now; tasks/DoWhile.java)", () => {
    const bump = systemTask("SET_VARIABLE", "bump", { inputParameters: { count: "${loop.output.iteration}" } });
    const s = run([loop([bump], { loopCondition: "$.count < 3", inputParameters: { count: "${workflow.variables.count}" } })]);
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED", iteration: 3 });
    expect(s.state.variables).toEqual({ count: 3 });
  });

  it.each([
    ["a syntax error", "$.loop.iteration <", /SyntaxError/],
    ["a runtime error", "$.nothing.here > 1", /TypeError/],
  ])("a loopCondition with %s makes the DO_WHILE FAILED_WITH_TERMINAL_ERROR ('Unable to evaluate condition') and fails the workflow (Conductor: tasks/DoWhile.java)", (_what, condition, error) => {
    const s = run([loop([counter], { loopCondition: condition }), after]);
    const doWhile = s.task("loop");
    expect(doWhile.status).toBe("FAILED_WITH_TERMINAL_ERROR");
    expect(doWhile.reasonForIncompletion).toMatch(new RegExp(`^Unable to evaluate condition ${condition.replace(/[.$()[\]?*+<>]/g, "\\$&")}, exception `));
    expect(doWhile.reasonForIncompletion).toMatch(error);
    expect(s.state.status).toBe("FAILED");
    expect(s.find("after")).toBeUndefined();
  });

  it("a body task that fails (retries used up) fails the workflow; no further iteration runs (Conductor: an unsuccessful body task fails the loop, a built-in task; tasks/DoWhile.java)", () => {
    const flaky = simpleTask("flaky", {}, { retryCount: 0 });
    const s = run([loop([flaky], { loopCondition: "true" }), after]);
    s.fail("flaky__1", "broken");
    expect(s.state.status).toBe("FAILED");
    expect(s.find("flaky__2")).toBeUndefined();
    expect(s.task("loop").status).not.toBe("COMPLETED");
  });
});

describe("DO_WHILE over items", () => {
  const item = simpleTask("item", { inputParameters: { value: "${loop.output.loopItem}", index: "${loop.output.loopIndex}" } });

  it("runs once per item of the `items` expression, writing loopIndex and loopItem into its output before each iteration (Conductor: list iteration, injectLoopVariables; tasks/DoWhile.java)", () => {
    const s = run([loop([item], { items: "${workflow.input.letters}" }), after], { letters: ["a", "b", "c"] });
    expect(s.task("loop").outputData).toEqual({ iteration: 1, loopIndex: 0, loopItem: "a" });
    ["a", "b", "c"].forEach((letter, index) => {
      expect(s.task(`item__${index + 1}`).inputData).toEqual({ value: letter, index });
      s.complete(`item__${index + 1}`, { upper: letter.toUpperCase() });
    });
    expect(refs(s)).toEqual(["loop", "item__1", "item__2", "item__3", "after"]);
    expect(s.task("loop")).toMatchObject({
      status: "COMPLETED",
      outputData: { iteration: 3, loopIndex: 2, loopItem: "c", "1": { item: { upper: "A" } }, "2": { item: { upper: "B" } }, "3": { item: { upper: "C" } } },
    });
  });

  it("accepts `_items` in inputParameters (Conductor: Orkes compatibility; tasks/DoWhile.java isListIteration)", () => {
    const echo = inline("echo", "$.v", { v: "${loop.output.loopItem}" });
    const s = run([loop([echo], { inputParameters: { _items: "${workflow.input.values}" } })], { values: [1, 2] });
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED", outputData: { iteration: 2, "1": { echo: { result: 1 } }, "2": { echo: { result: 2 } } } });
  });

  it.each([
    { behaviour: "an empty list completes the loop at once with iteration 0 and runs no body", values: [], iterations: 0 },
    { behaviour: "a null list is empty", values: null, iterations: 0 },
    { behaviour: "a scalar is wrapped in a one-item list", values: "solo", iterations: 1 },
  ])("$behaviour (Conductor: evaluateItemsList; tasks/DoWhile.java)", ({ values, iterations }) => {
    const echo = inline("echo", "$.v", { v: "${loop.output.loopItem}" });
    const s = run([loop([echo], { items: "${workflow.input.values}" }), after], { values });
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED" });
    expect(s.task("loop").outputData.iteration).toBe(iterations);
    expect(s.state.tasks.filter((t) => t.referenceTaskName.startsWith("echo__"))).toHaveLength(iterations);
    expect(s.task("after").status).toBe("SCHEDULED");
  });

  it("ANDs a loopCondition with 'more items left', and the condition sees $.loopIndex and $.loopItem (Conductor: list iteration with a condition; tasks/DoWhile.java)", () => {
    const echo = inline("echo", "$.v", { v: "${loop.output.loopItem}" });
    const s = run([loop([echo], { items: "${workflow.input.values}", loopCondition: "$.loopItem != 'stop' && $.loopIndex < 5" })], { values: ["go", "stop", "never"] });
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED", outputData: { iteration: 2, loopIndex: 1, loopItem: "stop" } });
  });
});

describe("DO_WHILE with nested system tasks", () => {
  it("a SWITCH in the body: case tasks get `__N` and the iteration ends after the case's last task (Conductor: relevant tasks include nested ones; tasks/DoWhile.java)", () => {
    const route = systemTask("SWITCH", "route", {
      evaluatorType: "javascript",
      expression: "$.i % 2 == 0 ? 'even' : 'odd'",
      inputParameters: { i: "${loop.output.iteration}" },
      decisionCases: { even: [simpleTask("even")], odd: [simpleTask("odd")] },
    });
    const s = run([loop([route], { loopCondition: "$.loop.iteration < 2" }), after]);
    expect(refs(s)).toEqual(["loop", "route__1", "odd__1"]);
    s.complete("odd__1", { n: 1 });
    expect(refs(s)).toEqual(["loop", "route__1", "odd__1", "route__2", "even__2"]);
    s.complete("even__2", { n: 2 });
    expect(s.task("loop")).toMatchObject({
      status: "COMPLETED",
      outputData: { iteration: 2, "1": { route: { evaluationResult: ["odd"], selectedCase: "odd" }, odd: { n: 1 } }, "2": { route: { evaluationResult: ["even"], selectedCase: "even" }, even: { n: 2 } } },
    });
  });

  it("a FORK_JOIN in the body: branch tasks get `__N` and the JOIN joins on the refs of its iteration (Conductor: JOIN inside a loop appends `__iteration` to joinOn; tasks/Join.java)", () => {
    const fork = systemTask("FORK_JOIN", "fork", { forkTasks: [[simpleTask("a")], [simpleTask("b")]] });
    const join = systemTask("JOIN", "join", { joinOn: ["a", "b"] });
    const s = run([loop([fork, join], { loopCondition: "$.loop.iteration < 2" })]);
    expect(refs(s)).toEqual(["loop", "fork__1", "a__1", "b__1", "join__1"]);
    s.complete("a__1", { v: 1 });
    s.complete("b__1", { v: 2 });
    expect(s.task("join__1")).toMatchObject({ status: "COMPLETED", outputData: { a__1: { v: 1 }, b__1: { v: 2 } } });
    expect(refs(s).slice(5)).toEqual(["fork__2", "a__2", "b__2", "join__2"]);
    s.complete("b__2", { v: 4 });
    expect(s.task("join__2").status).toBe("IN_PROGRESS");
    s.complete("a__2", { v: 3 });
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED", iteration: 2 });
    expect(s.state.status).toBe("COMPLETED");
  });

  it("a FORK_JOIN_DYNAMIC in the body forks again in every iteration and its JOIN waits for that iteration's branches (Conductor: dynamic fork refs in a loop; mapper/ForkJoinDynamicTaskMapper.java, tasks/Join.java)", () => {
    const dyn = systemTask("FORK_JOIN_DYNAMIC", "fanout", { inputParameters: { forkTaskName: "work", forkTaskInputs: ["x", "y"] } });
    const join = systemTask("JOIN", "join");
    const s = run([loop([dyn, join], { loopCondition: "$.loop.iteration < 2" }), simpleTask("after")]);
    const branches = (n: number) => s.state.tasks.filter((t) => t.iteration === n && t.referenceTaskName.startsWith("_work_")).map((t) => t.referenceTaskName);
    expect(branches(1)).toHaveLength(2);
    for (const ref of branches(1)) s.complete(ref, { ref });
    expect(s.task("join__1").status).toBe("COMPLETED");
    expect(branches(2)).toHaveLength(2);
    for (const ref of branches(2)) s.complete(ref, { ref });
    expect(s.task("join__2").status).toBe("COMPLETED");
    expect(s.task("loop")).toMatchObject({ status: "COMPLETED", iteration: 2 });
    expect(s.task("after").status).toBe("SCHEDULED");
  });
});
