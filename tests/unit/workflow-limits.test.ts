/**
 * Structural limits of the workflow decider (domain/workflow/limits.ts), as
 * given/when/then over the pure decider: each bound fails (or refuses) with a
 * reason naming the field and the setting, and a decision stops at its event
 * budget and goes on with ContinueWorkflow.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import type { WorkflowTask } from "../../src/domain/definitions/workflow-def.ts";
import { ValidationError } from "../../src/domain/errors.ts";
import type { WorkflowCommand } from "../../src/domain/workflow/commands.ts";
import { foldWorkflow } from "../../src/domain/workflow/evolve.ts";
import type { WorkflowLimits } from "../../src/domain/workflow/limits.ts";
import { workflowReactions } from "../../src/domain/workflow/reactions.ts";
import {
  given,
  scenario,
  simpleTask,
  type SpecContext,
  startWorkflow,
  systemTask,
  T0,
  workflowDef,
} from "../support/decider-spec.ts";

let evaluators: SpecContext["evaluators"];
beforeAll(async () => {
  evaluators = await loadEvaluators();
});

const withLimits = (limits: Partial<WorkflowLimits>): SpecContext => ({ evaluators, limits });
const CONTINUE: WorkflowCommand = { type: "ContinueWorkflow" };

const inline = (ref: string, expression = "1") =>
  systemTask("INLINE", ref, { inputParameters: { evaluatorType: "javascript", expression } });
const loop = (body: WorkflowTask[], fields: Partial<WorkflowTask> = {}) => systemTask("DO_WHILE", "loop", { loopOver: body, ...fields });

describe("DO_WHILE iterations (BATON_MAX_LOOP_ITERATIONS)", () => {
  it("fails the loop, and so the workflow, when loopCondition still holds after the last allowed iteration", () => {
    const s = scenario(workflowDef([loop([simpleTask("step")], { loopCondition: "true" })]), {}, withLimits({ maxLoopIterations: 2 }));
    s.complete("step__1");
    expect(s.task("step__2").status).toBe("SCHEDULED");
    s.complete("step__2");
    expect(s.find("step__3"), "no third iteration beyond the limit").toBeUndefined();
    const failed = s.task("loop");
    expect(failed.status).toBe("FAILED_WITH_TERMINAL_ERROR");
    expect(failed.reasonForIncompletion).toBe(
      "DO_WHILE loop: loopCondition still true after 2 iterations, the most a loop may run (BATON_MAX_LOOP_ITERATIONS=2)",
    );
    // What the iterations produced stays in the loop's output.
    expect(failed.outputData).toMatchObject({ iteration: 2, "1": { step: {} }, "2": { step: {} } });
    expect(s.state.status).toBe("FAILED");
    expect(s.state.reasonForIncompletion).toContain("BATON_MAX_LOOP_ITERATIONS=2");
  });

  it("lets a loop that ends within the limit complete (the bound is inclusive)", () => {
    const s = scenario(
      workflowDef([loop([simpleTask("step")], { loopCondition: "if ($.loop['iteration'] < 2) { true; } else { false; }" })]),
      {},
      withLimits({ maxLoopIterations: 2 }),
    );
    s.complete("step__1");
    s.complete("step__2");
    expect(s.task("loop").status).toBe("COMPLETED");
    expect(s.state.status).toBe("COMPLETED");
  });

  it("an INLINE body with loopCondition 'true' fails at the limit inside one start instead of running forever", () => {
    const s = scenario(workflowDef([loop([inline("body")], { loopCondition: "true" })]), {}, withLimits({ maxLoopIterations: 5 }));
    expect(s.state.status).toBe("FAILED");
    expect(s.task("loop").reasonForIncompletion).toMatch(/after 5 iterations.*BATON_MAX_LOOP_ITERATIONS=5/);
    expect(s.state.tasks.filter((t) => t.referenceTaskName.startsWith("body__"))).toHaveLength(5);
  });

  it("fails a loop over more items than the limit before running any iteration, naming items", () => {
    const s = scenario(workflowDef([loop([simpleTask("step")], { items: "${workflow.input.list}" })]), { list: [1, 2, 3, 4] }, withLimits({ maxLoopIterations: 3 }));
    expect(s.find("step__1")).toBeUndefined();
    expect(s.task("loop").status).toBe("FAILED_WITH_TERMINAL_ERROR");
    expect(s.task("loop").reasonForIncompletion).toBe(
      "DO_WHILE loop: items has 4 entries, more than the 3 iterations a loop may run (BATON_MAX_LOOP_ITERATIONS=3)",
    );
    expect(s.state.status).toBe("FAILED");
  });
});

describe("FORK_JOIN_DYNAMIC branches (BATON_MAX_DYNAMIC_FORK_BRANCHES)", () => {
  const simpleForm = [
    systemTask("FORK_JOIN_DYNAMIC", "fork", { inputParameters: { forkTaskName: "work", forkTaskInputs: "${workflow.input.items}" } }),
    systemTask("JOIN", "join"),
  ];

  it("fails the fork without starting a branch when forkTaskInputs lists more branches than allowed", () => {
    const s = scenario(workflowDef(simpleForm), { items: [{}, {}, {}, {}] }, withLimits({ maxDynamicForkBranches: 3 }));
    expect(s.state.tasks.map((t) => t.referenceTaskName)).toEqual(["fork"]);
    expect(s.task("fork").status).toBe("FAILED_WITH_TERMINAL_ERROR");
    expect(s.task("fork").reasonForIncompletion).toBe(
      "FORK_JOIN_DYNAMIC fork: forkTaskInputs lists 4 branches, more than the 3 a dynamic fork may start (BATON_MAX_DYNAMIC_FORK_BRANCHES=3)",
    );
    expect(s.state.status).toBe("FAILED");
  });

  it("starts every branch when the list is exactly at the limit", () => {
    const s = scenario(workflowDef(simpleForm), { items: [{}, {}, {}] }, withLimits({ maxDynamicForkBranches: 3 }));
    expect(s.state.tasks.map((t) => t.referenceTaskName)).toEqual(["fork", "_work_0", "_work_1", "_work_2", "join"]);
  });

  it("names dynamicForkTasksParam when the task-list form is too long", () => {
    const def = workflowDef([
      systemTask("FORK_JOIN_DYNAMIC", "fork", {
        dynamicForkTasksParam: "tasks",
        dynamicForkTasksInputParamName: "inputs",
        inputParameters: { tasks: "${workflow.input.tasks}", inputs: {} },
      }),
      systemTask("JOIN", "join"),
    ]);
    const tasks = ["a", "b", "c"].map((ref) => ({ name: "work", taskReferenceName: ref, type: "SIMPLE" }));
    const s = scenario(def, { tasks }, withLimits({ maxDynamicForkBranches: 2 }));
    expect(s.task("fork").reasonForIncompletion).toBe(
      "FORK_JOIN_DYNAMIC fork: dynamicForkTasksParam 'tasks' lists 3 branches, more than the 2 a dynamic fork may start (BATON_MAX_DYNAMIC_FORK_BRANCHES=2)",
    );
    expect(s.find("a")).toBeUndefined();
  });
});

describe("sub-workflow depth (BATON_MAX_SUBWORKFLOW_DEPTH)", () => {
  const def = workflowDef([simpleTask("step")]);

  it("records the depth a sub-workflow starts at", () => {
    const state = given([], withLimits({ maxSubWorkflowDepth: 2 }))
      .when(startWorkflow(def, {}, { parentWorkflowId: "parent", parentWorkflowTaskId: "t1", depth: 2 }))
      .state();
    expect(state.depth).toBe(2);
    expect(foldWorkflow([]).depth).toBe(0);
  });

  it("refuses a start deeper than the limit, naming subWorkflowParam and the setting", () => {
    given([], withLimits({ maxSubWorkflowDepth: 2 }))
      .when(startWorkflow(def, {}, { parentWorkflowId: "parent", parentWorkflowTaskId: "t1", depth: 3 }))
      .thenThrows(ValidationError, /^subWorkflowParam: sub-workflow orders would nest 3 levels deep, more than the 2 allowed \(BATON_MAX_SUBWORKFLOW_DEPTH=2\)$/);
  });
});

describe("one decision's work (BATON_MAX_DECISION_EVENTS)", () => {
  const chain = workflowDef(Array.from({ length: 12 }, (_, i) => inline(`step${i}`)));

  it("stops a long run of inline work at the budget with DecisionDeferred and asks to be continued", () => {
    const decision = given([], withLimits({ maxDecisionEvents: 10 })).when(startWorkflow(chain));
    const events = decision.events();
    // WorkflowStarted, then what advancing it emitted, then the deferral.
    expect(events[0]?.type).toBe("WorkflowStarted");
    const advanced = events.length - 2;
    expect(events.at(-1)).toEqual({ type: "DecisionDeferred", data: { events: advanced, time: T0 } });
    expect(advanced).toBeGreaterThanOrEqual(10);
    expect(advanced).toBeLessThan(15);
    const state = decision.state();
    expect(state.status).toBe("RUNNING");
    expect(workflowReactions(foldWorkflow([]), state)).toContainEqual({ kind: "ContinueDecision" });
  });

  it("ContinueWorkflow goes on part by part until the workflow ends as it would have in one decision", () => {
    const limited = scenario(chain, {}, withLimits({ maxDecisionEvents: 10 }));
    let parts = 1;
    while (limited.state.status === "RUNNING") {
      expect(limited.history.at(-1)?.type).toBe("DecisionDeferred");
      limited.run(CONTINUE);
      parts++;
      expect(parts, "the workflow should finish in a few parts").toBeLessThan(10);
    }
    const whole = scenario(chain, {}, withLimits({}));
    expect(parts).toBeGreaterThan(2);
    expect(limited.state.status).toBe("COMPLETED");
    expect(whole.state.status).toBe("COMPLETED");
    const summary = (tasks: typeof whole.state.tasks) => tasks.map((t) => [t.referenceTaskName, t.status, t.outputData]);
    expect(summary(limited.state.tasks)).toEqual(summary(whole.state.tasks));
  });

  it("a dynamic fork wider than the budget starts its branches in parts and completes with the last part", () => {
    const def = workflowDef([
      systemTask("FORK_JOIN_DYNAMIC", "fork", { inputParameters: { forkTaskName: "work", forkTaskInputs: "${workflow.input.items}" } }),
      systemTask("JOIN", "join"),
    ]);
    const items = Array.from({ length: 25 }, (_, i) => ({ i }));
    const limited = scenario(def, { items }, withLimits({ maxDecisionEvents: 10 }));
    const branches = () => limited.state.tasks.filter((t) => t.referenceTaskName.startsWith("_work_")).length;
    expect(limited.task("fork").status).toBe("IN_PROGRESS");
    expect(branches()).toBe(10);
    expect(limited.find("join")).toBeUndefined();
    expect(limited.history.at(-1)?.type).toBe("DecisionDeferred");
    limited.run(CONTINUE);
    expect(branches()).toBe(20);
    limited.run(CONTINUE);
    expect(branches()).toBe(25);
    expect(limited.task("fork").status).toBe("COMPLETED");
    expect(limited.task("join").status).toBe("IN_PROGRESS");
    const whole = scenario(def, { items }, withLimits({}));
    const summary = (tasks: typeof whole.state.tasks) => tasks.map((t) => [t.referenceTaskName, t.status, t.seq, t.inputData, t.outputData]);
    expect(summary(limited.state.tasks)).toEqual(summary(whole.state.tasks));
  });

  it("ContinueWorkflow changes nothing unless the last decision was deferred", () => {
    const s = scenario(workflowDef([simpleTask("step")]), {}, withLimits({ maxDecisionEvents: 10 }));
    given(s.history, withLimits({})).when(CONTINUE).thenNothing();
  });
});
