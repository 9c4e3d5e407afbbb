import type { WorkflowTask } from "../definitions/workflow-def.ts";
import type { DecisionContext } from "./context.ts";
import type { WorkflowEvent } from "./events.ts";
import { evolve } from "./evolve.ts";
import { refsWithin } from "./graph.ts";
import { latestAttempt, type TaskState, type WorkflowState } from "./state.ts";
import { evaluateJavascript } from "./system-tasks.ts";
import { scheduleNode } from "./advance.ts";

/**
 * DO_WHILE: the body runs at least once (once per item with `items`); each
 * body task's ref gets `__<iteration>`. After each iteration the loop's output
 * gains `"<iteration>": {ref: output}` (the last `keepLastN` kept) and
 * `loopCondition` decides whether another iteration runs.
 */
function items(loop: TaskState): unknown[] | undefined {
  const value = loop.inputData.items;
  return Array.isArray(value) ? value : undefined;
}

function iterationOutput(loop: TaskState, iteration: number): Record<string, unknown> {
  const list = items(loop);
  if (!list) return { iteration };
  return { iteration, loopIndex: iteration - 1, loopItem: list[iteration - 1] ?? null };
}

/** Starts iteration 1: the loop is IN_PROGRESS and its first body task scheduled. */
export function startLoop(state: WorkflowState, loop: TaskState, wt: WorkflowTask, ctx: DecisionContext): WorkflowEvent[] {
  const list = items(loop);
  if (list && list.length === 0) {
    return [{ type: "TaskCompleted", data: { taskId: loop.taskId, outputData: { iteration: 0 }, time: ctx.now } }];
  }
  return beginIteration(state, loop, wt, ctx, 1, { ...loop.outputData, ...iterationOutput(loop, 1) });
}

function beginIteration(
  state: WorkflowState,
  loop: TaskState,
  wt: WorkflowTask,
  ctx: DecisionContext,
  iteration: number,
  outputData: Record<string, unknown>,
): WorkflowEvent[] {
  const events: WorkflowEvent[] = [];
  if (loop.status === "SCHEDULED") events.push({ type: "TaskStarted", data: { taskId: loop.taskId, time: ctx.now } });
  events.push({ type: "LoopIterated", data: { taskId: loop.taskId, iteration, outputData, time: ctx.now } });
  let current = state;
  for (const event of events) current = evolve(current, event);
  const first = wt.loopOver?.[0];
  return first ? [...events, ...scheduleNode(current, first, ctx)] : events;
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
  const list = items(loop);
  let again: boolean;
  if (list) {
    again = iteration < list.length;
  } else {
    const bindings: Record<string, unknown> = { ...loop.inputData, [wt.taskReferenceName]: output, ...outputs };
    const result = evaluateJavascript(ctx, wt.loopCondition ?? "false", bindings);
    if (!result.ok) {
      return [{ type: "TaskFailed", data: { taskId: loop.taskId, outputData: output, reason: `loopCondition failed: ${result.error}`, terminal: true, time: ctx.now } }];
    }
    again = result.value === true || result.value === "true";
  }
  if (!again) return [{ type: "TaskCompleted", data: { taskId: loop.taskId, outputData: output, time: ctx.now } }];
  return beginIteration(state, loop, wt, ctx, iteration + 1, { ...output, ...iterationOutput(loop, iteration + 1) });
}
