import type { WorkflowTask } from "../definitions/workflow-def.ts";
import type { Evaluation } from "../ports.ts";
import type { DecisionContext } from "../workflow/context.ts";
import type { TaskState } from "../workflow/state.ts";
import { unmet } from "./definition-check.ts";
import { evaluateJavascript } from "./evaluate-javascript.ts";
import { completed, failed } from "./outcomes.ts";
import type { Children, Opening, SystemTaskStep, TaskTypeSpec } from "./spec.ts";

/**
 * SWITCH and its older form DECISION, one family: both pick a case from their
 * input, complete at once, and the decider then schedules the first task of
 * that case (or goes on after them when the case is empty).
 */

const SWITCH_EVALUATORS = ["value-param", "javascript", "graaljs"];

/** Completes the task with the case key (or fails it, plain FAILED, when evaluating failed). */
function decideCase(
  task: TaskState,
  wt: WorkflowTask,
  ctx: DecisionContext,
  value: Evaluation<unknown>,
  output: (caseValue: string) => Record<string, unknown>,
): ReturnType<SystemTaskStep> {
  // Conductor creates the task FAILED (not FAILED_WITH_TERMINAL_ERROR); as a built-in task it is not retried.
  if (!value.ok) return [failed(task, ctx, `Evaluating ${wt.type} ${wt.taskReferenceName} failed: ${value.error}`, { error: value.error }, false)];
  const caseValue = value.value === null || value.value === undefined ? "null" : String(value.value);
  return [completed(task, ctx, output(caseValue))];
}

const runSwitch: SystemTaskStep = (_state, task, wt, ctx) => {
  const value: Evaluation<unknown> = wt.evaluatorType === "value-param"
    ? { ok: true, value: task.inputData[wt.expression ?? ""] }
    : evaluateJavascript(ctx, wt.expression ?? "", task.inputData);
  // selectedCase is the evaluated key even when no case matches (the decider then runs defaultCase).
  return decideCase(task, wt, ctx, value, (caseValue) => ({ evaluationResult: [caseValue], selectedCase: caseValue }));
};

const runDecision: SystemTaskStep = (_state, task, wt, ctx) => {
  const value: Evaluation<unknown> = wt.caseExpression
    ? evaluateJavascript(ctx, wt.caseExpression, task.inputData)
    : { ok: true, value: task.inputData[wt.caseValueParam ?? ""] };
  return decideCase(task, wt, ctx, value, (caseValue) => ({ caseOutput: [caseValue] }));
};

/**
 * The case a completed SWITCH or DECISION runs: the evaluated key when
 * decisionCases has it, else defaultCase. A DECISION also falls back to
 * defaultCase for an empty case list; a SWITCH runs the empty case (nothing).
 */
function caseOf(wt: WorkflowTask, result: unknown, emptyIsDefault: boolean): string {
  const value = Array.isArray(result) ? result[0] : undefined;
  const key = value === undefined ? "" : String(value);
  const cases = wt.decisionCases ?? {};
  if (!Object.hasOwn(cases, key)) return "defaultCase";
  return emptyIsDefault && (cases[key] ?? []).length === 0 ? "defaultCase" : key;
}

/** The first task of `selectedCase` ("defaultCase" for the default), if it has any. */
function firstTaskOfCase(wt: WorkflowTask, selectedCase: string): WorkflowTask | undefined {
  if (selectedCase === "defaultCase") return (wt.defaultCase ?? [])[0];
  return (wt.decisionCases?.[selectedCase] ?? [])[0];
}

/** The selected case's first task, alone: the rest of the case follows it, and what follows the switch comes after the case. */
function openCase(wt: WorkflowTask, selectedCase: string): Opening | undefined {
  const first = firstTaskOfCase(wt, selectedCase);
  return first ? { tasks: [first], andSuccessor: false } : undefined;
}

const cases = (wt: WorkflowTask): Children => ({ kind: "case", lists: [...Object.values(wt.decisionCases ?? {}), wt.defaultCase ?? []] });
const namedAfterType = { taskDefName: (wt: WorkflowTask) => wt.type };

/** SWITCH: `value-param` reads input[expression]; `javascript` (or graaljs) evaluates expression with `$` as the input. */
export const switchTask: TaskTypeSpec = {
  run: { kind: "decided", step: runSwitch },
  retry: "never",
  check: (task) =>
    unmet(
      [!!task.evaluatorType, "evaluatorType", "evaluatorType (value-param or javascript) is required"],
      [!task.evaluatorType || SWITCH_EVALUATORS.includes(task.evaluatorType), "evaluatorType",
        `evaluatorType must be value-param or javascript, got '${task.evaluatorType}'`],
      [!!task.expression, "expression", "expression is required"],
      [!!task.decisionCases, "decisionCases", "decisionCases is required"],
    ),
  names: namedAfterType,
  opens: (wt, task) => openCase(wt, caseOf(wt, task.outputData.evaluationResult, false)),
  children: cases,
};

/** DECISION: caseExpression (JavaScript) when given, else input[caseValueParam]. */
export const decisionTask: TaskTypeSpec = {
  run: { kind: "decided", step: runDecision },
  retry: "never",
  check: (task) =>
    unmet(
      [!!task.caseValueParam || !!task.caseExpression, "caseValueParam", "caseValueParam or caseExpression is required"],
      [!!task.decisionCases, "decisionCases", "decisionCases is required"],
    ),
  names: namedAfterType,
  opens: (wt, task) => openCase(wt, caseOf(wt, task.outputData.caseOutput, true)),
  children: cases,
};
