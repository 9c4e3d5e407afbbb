import type { WorkflowTask } from "../definitions/workflow-def.ts";
import { resolveParameters } from "../expressions.ts";
import { scheduleTask } from "../workflow/advance.ts";
import type { DecisionContext } from "../workflow/context.ts";
import { expressionDocument } from "../workflow/document.ts";
import type { WorkflowEvent } from "../workflow/events.ts";
import type { WorkflowState } from "../workflow/state.ts";
import { unmet } from "./definition-check.ts";
import type { TaskTypeSpec } from "./spec.ts";

/** The SIMPLE task a DYNAMIC task runs: the one named by the input `dynamicTaskNameParam` points at. */
function resolveDynamicTask(state: WorkflowState, wt: WorkflowTask, ctx: DecisionContext): { task: WorkflowTask } | { error: string } {
  const input = resolveParameters(wt.inputParameters ?? {}, expressionDocument(state));
  const name = input[wt.dynamicTaskNameParam ?? ""];
  if (typeof name !== "string" || name === "") {
    return { error: `DYNAMIC task ${wt.taskReferenceName}: input '${wt.dynamicTaskNameParam}' must name a task, got ${JSON.stringify(name ?? null)}` };
  }
  const taskDefinition = ctx.taskDef?.(name) ?? wt.taskDefinition ?? undefined;
  return { task: { ...wt, name, type: "SIMPLE", taskDefinition } };
}

/** Schedules the named task in the DYNAMIC's place; with no usable name, a NOOP attempt that fails at once. */
function scheduleDynamic(state: WorkflowState, wt: WorkflowTask, ctx: DecisionContext, iteration: number): WorkflowEvent[] {
  const resolved = resolveDynamicTask(state, wt, ctx);
  if ("error" in resolved) {
    const scheduled = scheduleTask(state, { ...wt, type: "NOOP" }, ctx, undefined, iteration);
    const taskId = (scheduled.data as { taskId: string }).taskId;
    return [scheduled, { type: "TaskFailed", data: { taskId, outputData: {}, reason: resolved.error, terminal: true, time: ctx.now } }];
  }
  return [scheduleTask(state, resolved.task, ctx, undefined, iteration, resolved.task)];
}

/**
 * DYNAMIC: no attempt of this type ever runs; the decider schedules the task
 * its input names (Conductor's DynamicTaskMapper), which workers then poll.
 */
export const dynamicTask: TaskTypeSpec = {
  run: { kind: "decided" },
  retry: "taskDef",
  check: (task) => unmet([!!task.dynamicTaskNameParam, "dynamicTaskNameParam", "dynamicTaskNameParam is required"]),
  schedule: scheduleDynamic,
};
