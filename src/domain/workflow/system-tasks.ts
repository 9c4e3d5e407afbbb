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

const failed = (task: TaskState, ctx: DecisionContext, reason: string, outputData: Record<string, unknown> = {}): WorkflowEvent => ({
  type: "TaskFailed",
  data: { taskId: task.taskId, outputData, reason, terminal: true, time: ctx.now },
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
  if (!value.ok) return [failed(task, ctx, `Evaluating ${wt.type} ${wt.taskReferenceName} failed: ${value.error}`, { error: value.error })];
  const caseValue = value.value === null || value.value === undefined ? "null" : String(value.value);
  const matched = Object.hasOwn(wt.decisionCases ?? {}, caseValue);
  const selectedCase = matched ? caseValue : "defaultCase";
  const output = wt.type === "DECISION" ? { caseOutput: [caseValue] } : { evaluationResult: [caseValue], selectedCase };
  return [completed(task, ctx, output)];
};

const runInline: SystemTaskStep = (_state, task, _wt, ctx) => {
  const input = task.inputData;
  const expression = String(input.expression ?? "");
  const type = String(input.evaluatorType ?? "javascript");
  const value: Evaluation<unknown> =
    type === "value-param" ? { ok: true, value: input[expression] ?? null } : evaluateJavascript(ctx, expression, input);
  if (!value.ok) return [failed(task, ctx, `INLINE evaluation failed: ${value.error}`, { error: value.error })];
  return [completed(task, ctx, { result: value.value ?? null })];
};

const runJq: SystemTaskStep = (_state, task, _wt, ctx) => {
  const jq = ctx.evaluators?.jq;
  if (!jq) return [failed(task, ctx, "no jq evaluator is configured", { error: "no jq evaluator is configured" })];
  const { queryExpression, ...input } = task.inputData;
  const result = jq.evaluate(String(queryExpression ?? "."), input);
  if (!result.ok) return [failed(task, ctx, `jq failed: ${result.error}`, { error: result.error })];
  return [completed(task, ctx, { result: result.value[0] ?? null, resultList: result.value })];
};

const runSetVariable: SystemTaskStep = (_state, task, _wt, ctx) => [
  { type: "VariablesSet", data: { variables: task.inputData, taskId: task.taskId, time: ctx.now } },
  completed(task, ctx, {}),
];

const TERMINATION_STATUSES = ["COMPLETED", "FAILED", "TERMINATED"];

const runTerminate: SystemTaskStep = (state, task, _wt, ctx) => {
  const status = task.inputData.terminationStatus;
  if (typeof status !== "string" || !TERMINATION_STATUSES.includes(status)) {
    return [failed(task, ctx, `terminationStatus must be one of ${TERMINATION_STATUSES.join(", ")}, got '${String(status)}'`)];
  }
  const reason = typeof task.inputData.terminationReason === "string" ? task.inputData.terminationReason : undefined;
  const workflowOutput = task.inputData.workflowOutput;
  const output = workflowOutput && typeof workflowOutput === "object" ? (workflowOutput as Record<string, unknown>) : {};
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
        reason: reason ?? `Workflow failed by TERMINATE task ${task.referenceTaskName}`,
        failedTaskId: task.taskId,
        output,
        failureWorkflowId: state.definition.failureWorkflow ? ctx.newId() : undefined,
        time: ctx.now,
      },
    },
  ];
};

/**
 * The refs a JOIN waits for: its joinOn; else, for a JOIN right after a
 * FORK_JOIN_DYNAMIC, the tasks that fork started; else the last task of each
 * branch of the FORK_JOIN before it.
 */
export function joinRefs(state: WorkflowState, join: TaskState, wt: WorkflowTask): string[] {
  const suffix = join.iteration > 0 ? `__${join.iteration}` : "";
  if ((wt.joinOn ?? []).length > 0) return wt.joinOn!.map((ref) => `${ref}${suffix}`);
  const node = nodeFor(state.definition, join.definitionRef ?? join.referenceTaskName);
  const fork = node ? node.list[node.index - 1] : undefined;
  if (fork?.type === "FORK_JOIN_DYNAMIC") {
    const forked = latestAttempt(state, `${fork.taskReferenceName}${suffix}`)?.outputData.forkedTasks;
    return Array.isArray(forked) ? forked.map(String) : [];
  }
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
  const output: Record<string, unknown> = {};
  refs.forEach((ref, index) => (output[ref] = attempts[index]!.outputData));
  const failures = attempts.filter((attempt) => FAILED_STATUSES.has(attempt!.status));
  if (failures.length > 0) {
    const names = failures.map((f) => f!.referenceTaskName).join(", ");
    return [...events, { type: "TaskFailed", data: { taskId: task.taskId, outputData: output, reason: `Joined tasks failed: ${names}`, terminal: false, time: ctx.now } }];
  }
  events.push(completed(task, ctx, output));
  if (attempts.some((attempt) => attempt!.status === "COMPLETED_WITH_ERRORS")) {
    events.push({ type: "TaskCompletedWithErrors", data: { taskId: task.taskId, time: ctx.now } });
  }
  return events;
};

/** EXCLUSIVE_JOIN: done when whichever of its joinOn tasks ran has finished. */
const runExclusiveJoin: SystemTaskStep = (state, task, wt, ctx) => {
  const events: WorkflowEvent[] = task.status === "SCHEDULED" ? [started(task, ctx)] : [];
  const suffix = task.iteration > 0 ? `__${task.iteration}` : "";
  const candidates = [...(wt.joinOn ?? []), ...(wt.defaultExclusiveJoinTask ?? [])].map((ref) => latestAttempt(state, `${ref}${suffix}`));
  const ran = candidates.filter((t): t is TaskState => t !== undefined).sort((a, b) => b.seq - a.seq)[0];
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
