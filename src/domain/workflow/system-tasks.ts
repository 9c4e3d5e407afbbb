import type { WorkflowTask } from "../definitions/workflow-def.ts";
import type { Evaluation } from "../ports.ts";
import type { DecisionContext } from "./context.ts";
import type { WorkflowEvent } from "./events.ts";
import { childLists, nodeFor, refsWithin } from "./graph.ts";
import { latestAttempt, type TaskState, type WorkflowState } from "./state.ts";
import { isTaskSuccessful, isTaskTerminal } from "./status.ts";
import { parseDuration, parseUntil } from "./wait-time.ts";

/**
 * System tasks the decider runs itself, as soon as they are scheduled (or, for
 * JOIN, EXCLUSIVE_JOIN, DO_WHILE and WAIT, each time the workflow moves). Each
 * returns the events of what happened, or [] when nothing changes yet.
 */
export type SystemTaskStep = (state: WorkflowState, task: TaskState, workflowTask: WorkflowTask, ctx: DecisionContext) => WorkflowEvent[];

const completed = (task: TaskState, ctx: DecisionContext, outputData: Record<string, unknown>): WorkflowEvent => ({
  type: "TaskCompleted",
  data: { taskId: task.taskId, outputData, time: ctx.now },
});

/** FAILED_WITH_TERMINAL_ERROR by default; `terminal: false` gives plain FAILED (retried when a TaskDef allows). */
const failed = (
  task: TaskState,
  ctx: DecisionContext,
  reason: string,
  outputData: Record<string, unknown> = {},
  terminal = true,
): WorkflowEvent => ({
  type: "TaskFailed",
  data: { taskId: task.taskId, outputData, reason, terminal, time: ctx.now },
});

const started = (task: TaskState, ctx: DecisionContext, waitUntil?: number): WorkflowEvent => ({
  type: "TaskStarted",
  data: { taskId: task.taskId, time: ctx.now, waitUntil },
});

/** Evaluates user JavaScript with `$` bound to `input`, through the sandbox port. */
export function evaluateJavascript(ctx: DecisionContext, expression: string, input: unknown): Evaluation<unknown> {
  const evaluator = ctx.evaluators?.javascript;
  if (!evaluator) return { ok: false, error: "no JavaScript evaluator is configured" };
  return evaluator.evaluate(expression, { $: input });
}

/** SWITCH and DECISION: pick the case; the decider then schedules its first task. */
const runSwitch: SystemTaskStep = (_state, task, wt, ctx) => {
  let value: Evaluation<unknown>;
  const input = task.inputData;
  if (wt.type === "DECISION") {
    value = wt.caseExpression
      ? evaluateJavascript(ctx, wt.caseExpression, input)
      : { ok: true, value: input[wt.caseValueParam ?? ""] };
  } else if (wt.evaluatorType === "value-param") {
    value = { ok: true, value: input[wt.expression ?? ""] };
  } else {
    value = evaluateJavascript(ctx, wt.expression ?? "", input);
  }
  // Conductor creates the SWITCH FAILED (not FAILED_WITH_TERMINAL_ERROR); as a built-in task it is not retried.
  if (!value.ok) return [failed(task, ctx, `Evaluating ${wt.type} ${wt.taskReferenceName} failed: ${value.error}`, { error: value.error }, false)];
  const caseValue = value.value === null || value.value === undefined ? "null" : String(value.value);
  // selectedCase is the evaluated key even when no case matches (the decider then runs defaultCase).
  const output = wt.type === "DECISION" ? { caseOutput: [caseValue] } : { evaluationResult: [caseValue], selectedCase: caseValue };
  return [completed(task, ctx, output)];
};

/** INLINE: `$` is the whole task input; evaluatorType defaults to javascript (graaljs is the same engine). */
const runInline: SystemTaskStep = (_state, task, _wt, ctx) => {
  const input = task.inputData;
  const expression = String(input.expression ?? "");
  const type = String(input.evaluatorType ?? "javascript");
  let value: Evaluation<unknown>;
  if (type === "value-param") value = { ok: true, value: input[expression] ?? null };
  else if (type === "javascript" || type === "graaljs") value = evaluateJavascript(ctx, expression, input);
  else value = { ok: false, error: `Unknown evaluator '${type}' in INLINE task.` };
  if (!value.ok) return [failed(task, ctx, `INLINE evaluation failed: ${value.error}`, { error: value.error })];
  return [completed(task, ctx, { result: value.value ?? null })];
};

/**
 * JSON_JQ_TRANSFORM: the jq input is the whole task input (queryExpression
 * included). Conductor fails it plain FAILED, so a TaskDef's retries apply.
 */
const runJq: SystemTaskStep = (_state, task, _wt, ctx) => {
  const jq = ctx.evaluators?.jq;
  if (!jq) return [failed(task, ctx, "no jq evaluator is configured", { error: "no jq evaluator is configured" }, false)];
  const query = task.inputData.queryExpression;
  if (typeof query !== "string" || query.trim() === "") return [failed(task, ctx, "Missing 'queryExpression' in input parameters", {}, false)];
  const result = jq.evaluate(query, task.inputData);
  if (!result.ok) return [failed(task, ctx, result.error, { error: result.error }, false)];
  return [completed(task, ctx, { result: result.value[0] ?? null, resultList: result.value })];
};

/** Conductor's default conductor.app.maxWorkflowVariablesPayloadSizeThreshold. */
const MAX_VARIABLES_KB = 256;

const runSetVariable: SystemTaskStep = (state, task, _wt, ctx) => {
  const size = new TextEncoder().encode(JSON.stringify({ ...state.variables, ...task.inputData })).length;
  if (size > MAX_VARIABLES_KB * 1024) {
    const reason = `The variables payload size: ${size} of workflow: ${state.workflowId} is greater than the permissible limit: ${MAX_VARIABLES_KB} kilobytes`;
    return [failed(task, ctx, reason)];
  }
  return [
    { type: "VariablesSet", data: { variables: task.inputData, taskId: task.taskId, time: ctx.now } },
    completed(task, ctx, {}),
  ];
};

const TERMINATION_STATUSES = ["COMPLETED", "FAILED", "TERMINATED"];

const runTerminate: SystemTaskStep = (state, task, _wt, ctx) => {
  const status = task.inputData.terminationStatus;
  if (typeof status !== "string" || !TERMINATION_STATUSES.includes(status)) {
    // Conductor: plain FAILED ("given termination status is not valid"), which then fails the workflow.
    return [failed(task, ctx, `terminationStatus must be one of ${TERMINATION_STATUSES.join(", ")}, got '${String(status)}'`, {}, false)];
  }
  const given = task.inputData.terminationReason;
  const reason = typeof given === "string" && given !== "" ? given : `Workflow is ${status} by TERMINATE task: ${task.taskId}`;
  // Conductor: a map workflowOutput is the output; any other value becomes {output: value}.
  const workflowOutput = task.inputData.workflowOutput;
  const output: Record<string, unknown> =
    workflowOutput === undefined || workflowOutput === null
      ? {}
      : typeof workflowOutput === "object" && !Array.isArray(workflowOutput)
        ? (workflowOutput as Record<string, unknown>)
        : { output: workflowOutput };
  const cancels: WorkflowEvent[] = state.tasks
    .filter((t) => t.taskId !== task.taskId && !isTaskTerminal(t.status))
    .map((t) => ({ type: "TaskCanceled", data: { taskId: t.taskId, reason: "Workflow ended by a TERMINATE task", time: ctx.now } }));
  const done = completed(task, ctx, output);
  if (status === "COMPLETED") return [done, ...cancels, { type: "WorkflowCompleted", data: { output, time: ctx.now } }];
  if (status === "TERMINATED") return [done, ...cancels, { type: "WorkflowTerminated", data: { reason, output, time: ctx.now } }];
  return [
    done,
    ...cancels,
    {
      type: "WorkflowFailed",
      data: {
        reason,
        failedTaskId: task.taskId,
        output,
        failureWorkflowId: state.definition.failureWorkflow ? ctx.newId() : undefined,
        time: ctx.now,
      },
    },
  ];
};

/**
 * The refs a JOIN waits for: right after a FORK_JOIN_DYNAMIC, the tasks that
 * fork started (its own joinOn is ignored, as in Conductor); else its joinOn;
 * else the last task of each branch of the FORK_JOIN before it.
 */
export function joinRefs(state: WorkflowState, join: TaskState, wt: WorkflowTask): string[] {
  const suffix = join.iteration > 0 ? `__${join.iteration}` : "";
  const node = nodeFor(state.definition, join.definitionRef ?? join.referenceTaskName);
  const fork = node ? node.list[node.index - 1] : undefined;
  // Conductor ignores a dynamic fork's JOIN's own joinOn: it joins on the generated tasks.
  if (fork?.type === "FORK_JOIN_DYNAMIC") {
    const forked = latestAttempt(state, `${fork.taskReferenceName}${suffix}`)?.outputData.forkedTasks;
    return Array.isArray(forked) ? forked.map(String) : [];
  }
  if ((wt.joinOn ?? []).length > 0) return wt.joinOn!.map((ref) => `${ref}${suffix}`);
  if (fork?.type === "FORK_JOIN") {
    return (fork.forkTasks ?? []).flatMap((branch) => {
      const last = branch?.[branch.length - 1];
      return last ? [`${last.taskReferenceName}${suffix}`] : [];
    });
  }
  return [];
}

const FAILED_STATUSES = new Set(["FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT", "CANCELED"]);

const runJoin: SystemTaskStep = (state, task, wt, ctx) => {
  const events: WorkflowEvent[] = task.status === "SCHEDULED" ? [started(task, ctx)] : [];
  const refs = joinRefs(state, task, wt);
  const attempts = refs.map((ref) => latestAttempt(state, ref));
  if (attempts.some((attempt) => attempt === undefined || !isTaskTerminal(attempt.status))) return events;
  // Conductor's JOIN output: each joined task's output under its ref, empty outputs left out.
  const output: Record<string, unknown> = {};
  refs.forEach((ref, index) => {
    const outputData = attempts[index]!.outputData;
    if (Object.keys(outputData).length > 0) output[ref] = outputData;
  });
  const failures = attempts.filter((attempt) => FAILED_STATUSES.has(attempt!.status));
  if (failures.length > 0) {
    // Conductor: the reasons of the unsuccessful tasks, space-separated; CANCELED only if nothing else failed.
    const reason = failures.map((f) => f!.reasonForIncompletion).filter((r) => r !== undefined && r !== null).join(" ");
    if (failures.every((f) => f!.status === "CANCELED")) {
      return [...events, { type: "TaskCanceled", data: { taskId: task.taskId, reason, time: ctx.now } }];
    }
    return [...events, { type: "TaskFailed", data: { taskId: task.taskId, outputData: output, reason, terminal: false, time: ctx.now } }];
  }
  events.push(completed(task, ctx, output));
  if (attempts.some((attempt) => attempt!.status === "COMPLETED_WITH_ERRORS")) {
    events.push({ type: "TaskCompletedWithErrors", data: { taskId: task.taskId, time: ctx.now } });
  }
  return events;
};

/**
 * EXCLUSIVE_JOIN, as Conductor walks it: the first joinOn ref (in order) whose
 * task exists and was not skipped decides; only when that one is not terminal
 * yet, or none exists, are the defaultExclusiveJoinTask refs tried the same way.
 */
const runExclusiveJoin: SystemTaskStep = (state, task, wt, ctx) => {
  const events: WorkflowEvent[] = task.status === "SCHEDULED" ? [started(task, ctx)] : [];
  const suffix = task.iteration > 0 ? `__${task.iteration}` : "";
  const firstRan = (refs: readonly string[]) =>
    refs.map((ref) => latestAttempt(state, `${ref}${suffix}`)).find((t): t is TaskState => t !== undefined && t.status !== "SKIPPED");
  let ran = firstRan(wt.joinOn ?? []);
  if (!ran || !isTaskTerminal(ran.status)) ran = firstRan(wt.defaultExclusiveJoinTask ?? []);
  if (!ran || !isTaskTerminal(ran.status)) return events;
  if (!isTaskSuccessful(ran.status)) {
    return [...events, { type: "TaskFailed", data: { taskId: task.taskId, outputData: ran.outputData, reason: `Task ${ran.referenceTaskName} ended ${ran.status}`, terminal: false, time: ctx.now } }];
  }
  return [...events, completed(task, ctx, ran.outputData)];
};

const runWait: SystemTaskStep = (_state, task, _wt, ctx) => {
  if (task.status === "IN_PROGRESS") {
    return task.waitUntil !== undefined && task.waitUntil <= ctx.now ? [completed(task, ctx, task.outputData)] : [];
  }
  const { duration, until } = task.inputData;
  const given = (value: unknown) => value !== undefined && value !== null && value !== "";
  if (given(duration) && given(until)) {
    return [failed(task, ctx, "Both 'duration' and 'until' specified. Please provide only one input")];
  }
  if (duration !== undefined && duration !== null && duration !== "") {
    const parsed = parseDuration(String(duration));
    if ("error" in parsed) return [failed(task, ctx, parsed.error)];
    return [started(task, ctx, ctx.now + parsed.seconds * 1000)];
  }
  if (until !== undefined && until !== null && until !== "") {
    const parsed = parseUntil(String(until));
    if ("error" in parsed) return [failed(task, ctx, parsed.error)];
    return [started(task, ctx, parsed.at)];
  }
  return [started(task, ctx)];
};

const runHuman: SystemTaskStep = (_state, task, _wt, ctx) => (task.status === "SCHEDULED" ? [started(task, ctx)] : []);
const runNoop: SystemTaskStep = (_state, task, _wt, ctx) => [completed(task, ctx, {})];
const runFork: SystemTaskStep = (_state, task, _wt, ctx) => [completed(task, ctx, {})];

/** Steps by task type; types not listed are run by workers or reactors. */
export const SYSTEM_TASK_STEPS: Record<string, SystemTaskStep> = {
  SWITCH: runSwitch,
  DECISION: runSwitch,
  INLINE: runInline,
  JSON_JQ_TRANSFORM: runJq,
  SET_VARIABLE: runSetVariable,
  TERMINATE: runTerminate,
  JOIN: runJoin,
  EXCLUSIVE_JOIN: runExclusiveJoin,
  WAIT: runWait,
  HUMAN: runHuman,
  NOOP: runNoop,
  FORK_JOIN: runFork,
};

/** Whether a composite task's case/branch list is empty, for SWITCH successors. */
export function firstTaskOfCase(wt: WorkflowTask, selectedCase: string): WorkflowTask | undefined {
  if (selectedCase === "defaultCase") return (wt.defaultCase ?? [])[0];
  return (wt.decisionCases?.[selectedCase] ?? [])[0];
}

export { childLists, refsWithin };
