import type { WorkflowTask } from "../definitions/workflow-def.ts";
import { resolveParameters, resolveValue } from "../expressions.ts";
import type { DecisionContext } from "./context.ts";
import { expressionDocument } from "./document.ts";
import type { WorkflowEvent } from "./events.ts";
import { evolve } from "./evolve.ts";
import { baseRef, refsWithin } from "./graph.ts";
import { latestAttempt, type TaskState, type WorkflowState } from "./state.ts";
import { evaluateJavascript } from "../tasks/evaluate-javascript.ts";
import { scheduleNode } from "./advance.ts";
import { LIMIT_SETTINGS, limitOf } from "./limits.ts";

/**
 * DO_WHILE: the body runs at least once (once per item with `items`); each
 * body task's ref gets `__<iteration>`. After each iteration the loop's output
 * gains `"<iteration>": {ref: output}` (the last `keepLastN` kept) and
 * `loopCondition` decides whether another iteration runs.
 */

/**
 * The list a DO_WHILE iterates over, or undefined in counter mode. Conductor
 * reads the workflow task's `items` expression, else `_items` in its
 * inputParameters (Orkes), re-resolving them each time (null is empty, a
 * scalar is a one-item list). Baton also takes a list in an `items` input.
 */
function items(state: WorkflowState, loop: TaskState, wt: WorkflowTask): unknown[] | undefined {
  const parameters = wt.inputParameters ?? {};
  let value: unknown;
  if (typeof wt.items === "string" && wt.items.trim() !== "") {
    value = resolveValue(wt.items, expressionDocument(state, loop.taskId));
  } else if (parameters._items !== undefined && parameters._items !== null && parameters._items !== "") {
    value = resolveValue(parameters._items, expressionDocument(state, loop.taskId));
  } else {
    return Array.isArray(loop.inputData.items) ? loop.inputData.items : undefined;
  }
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function iterationOutput(list: unknown[] | undefined, iteration: number): Record<string, unknown> {
  if (!list) return { iteration };
  return { iteration, loopIndex: iteration - 1, loopItem: list[iteration - 1] ?? null };
}

/** Conductor's ScriptEvaluator.toBoolean: a Boolean as it is, a Number > 0; anything else is false. */
const toBoolean = (value: unknown): boolean => value === true || (typeof value === "number" && value > 0);

/** Starts iteration 1: the loop is IN_PROGRESS and its first body task scheduled. */
export function startLoop(state: WorkflowState, loop: TaskState, wt: WorkflowTask, ctx: DecisionContext): WorkflowEvent[] {
  const list = items(state, loop, wt);
  if (list && list.length === 0) {
    return [{ type: "TaskCompleted", data: { taskId: loop.taskId, outputData: { iteration: 0 }, time: ctx.now } }];
  }
  const max = limitOf(ctx, "maxLoopIterations");
  if (list && list.length > max) {
    const reason = `DO_WHILE ${wt.taskReferenceName}: items has ${list.length} entries, more than the ${max} iterations a loop may run (${LIMIT_SETTINGS.maxLoopIterations}=${max})`;
    return [...startedIfScheduled(loop, ctx), loopFailed(loop, { ...loop.outputData, iteration: 0 }, reason, ctx)];
  }
  return beginIteration(state, loop, wt, ctx, 1, { ...loop.outputData, ...iterationOutput(list, 1) });
}

function startedIfScheduled(loop: TaskState, ctx: DecisionContext): WorkflowEvent[] {
  return loop.status === "SCHEDULED" ? [{ type: "TaskStarted", data: { taskId: loop.taskId, time: ctx.now } }] : [];
}

/** The loop ends FAILED for good (DO_WHILE is never retried), keeping the output it has. */
function loopFailed(loop: TaskState, outputData: Record<string, unknown>, reason: string, ctx: DecisionContext): WorkflowEvent {
  return { type: "TaskFailed", data: { taskId: loop.taskId, outputData, reason, terminal: true, time: ctx.now } };
}

function beginIteration(
  state: WorkflowState,
  loop: TaskState,
  wt: WorkflowTask,
  ctx: DecisionContext,
  iteration: number,
  outputData: Record<string, unknown>,
): WorkflowEvent[] {
  const events = startedIfScheduled(loop, ctx);
  events.push({ type: "LoopIterated", data: { taskId: loop.taskId, iteration, outputData, time: ctx.now } });
  let current = state;
  for (const event of events) current = evolve(current, event);
  const first = wt.loopOver?.[0];
  return first ? [...events, ...scheduleNode(current, first, ctx)] : events;
}

/**
 * What Conductor binds as `$` for loopCondition: the loop's inputParameters
 * resolved now, its own output under its ref, and the output map of every
 * body task under its bare ref (later iterations overwrite earlier ones).
 */
function conditionInput(state: WorkflowState, loop: TaskState, wt: WorkflowTask, output: Record<string, unknown>): Record<string, unknown> {
  const bindings: Record<string, unknown> = {
    ...resolveParameters(wt.inputParameters ?? {}, expressionDocument(state, loop.taskId)),
    [wt.taskReferenceName]: output,
  };
  const inLoop = new Set(refsWithin(wt));
  for (const task of [...state.tasks].sort((a, b) => a.seq - b.seq)) {
    const ref = baseRef(task.referenceTaskName);
    if (inLoop.has(ref)) bindings[ref] = task.outputData;
  }
  return bindings;
}

/** After the last body task of the loop's current iteration: record it and decide. */
export function loopStep(state: WorkflowState, loop: TaskState, wt: WorkflowTask, ctx: DecisionContext): WorkflowEvent[] {
  const iteration = loop.iteration;
  const outputs: Record<string, unknown> = {};
  for (const ref of refsWithin(wt)) {
    const attempt = latestAttempt(state, `${ref}__${iteration}`);
    if (attempt) outputs[ref] = attempt.outputData;
  }
  const output: Record<string, unknown> = { ...loop.outputData, iteration, [String(iteration)]: outputs };
  const keepLastN = Number(loop.inputData.keepLastN ?? 0);
  if (keepLastN > 0) for (let old = 1; old <= iteration - keepLastN; old++) delete output[String(old)];
  const list = items(state, loop, wt);
  const condition = wt.loopCondition?.trim() ? wt.loopCondition : undefined;
  let again = list ? iteration < list.length : false;
  if (condition !== undefined) {
    const bindings = conditionInput(state, loop, wt, output);
    if (list) Object.assign(bindings, { loopIndex: iteration - 1, loopItem: list[iteration - 1] ?? null });
    const result = evaluateJavascript(ctx, condition, bindings);
    if (!result.ok) {
      const reason = `Unable to evaluate condition ${condition}, exception ${result.error}`;
      return [loopFailed(loop, output, reason, ctx)];
    }
    // Counter mode: the condition alone; list mode: the condition AND more items left.
    again = list ? again && toBoolean(result.value) : toBoolean(result.value);
  }
  if (!again) return [{ type: "TaskCompleted", data: { taskId: loop.taskId, outputData: output, time: ctx.now } }];
  const max = limitOf(ctx, "maxLoopIterations");
  if (iteration >= max) {
    const reason = `DO_WHILE ${wt.taskReferenceName}: loopCondition still true after ${iteration} iterations, the most a loop may run (${LIMIT_SETTINGS.maxLoopIterations}=${max})`;
    return [loopFailed(loop, output, reason, ctx)];
  }
  return beginIteration(state, loop, wt, ctx, iteration + 1, { ...output, ...iterationOutput(list, iteration + 1) });
}
