import * as v from "valibot";
import { type WorkflowTask, WorkflowTaskSchema } from "../definitions/workflow-def.ts";
import { scheduleTask } from "../workflow/advance.ts";
import type { DecisionContext } from "../workflow/context.ts";
import { LIMIT_SETTINGS, limitOf } from "../workflow/limits.ts";
import type { WorkflowEvent } from "../workflow/events.ts";
import { evolve } from "../workflow/evolve.ts";
import type { TaskState, WorkflowState } from "../workflow/state.ts";
import { unmet } from "./definition-check.ts";
import { started } from "./outcomes.ts";
import { forkNames } from "./fork-join.ts";
import { forkWithoutJoinFailure } from "./fork-join-follower.ts";
import { isSystemTaskType } from "./registry.ts";
import type { TaskTypeSpec } from "./spec.ts";

const isMap = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Conductor's simple form: one task per `forkTaskInputs` item. A map item is
 * read as a WorkflowTask too (so `optional` or `retryCount` in it apply); its
 * input is the item (a non-map item becomes `{input: item}`) plus `__index`.
 */
function simpleFormTasks(wt: WorkflowTask, input: Record<string, unknown>, list: unknown[]): { tasks: WorkflowTask[]; inputs: Record<string, unknown>[] } {
  const workflowName = typeof input.forkTaskWorkflow === "string" ? input.forkTaskWorkflow : undefined;
  const type = typeof input.forkTaskType === "string" ? input.forkTaskType : "SIMPLE";
  let name = typeof input.forkTaskName === "string" ? input.forkTaskName : undefined;
  if (name === undefined && isSystemTaskType(type)) name = type;
  name ??= wt.taskReferenceName;
  const version = Number.parseInt(String(input.forkTaskWorkflowVersion ?? ""), 10);
  const tasks: WorkflowTask[] = [];
  const inputs: Record<string, unknown>[] = [];
  list.forEach((item, index) => {
    const base = {
      name: workflowName ?? name,
      taskReferenceName: `_${name}_${index}`,
      type: workflowName ? "SUB_WORKFLOW" : type,
      ...(workflowName
        ? { subWorkflowParam: { name: workflowName, version: Number.isNaN(version) ? undefined : version, taskToDomain: isMap(item) ? item.taskToDomain : undefined } }
        : {}),
    };
    const parsed = isMap(item) ? v.safeParse(WorkflowTaskSchema, { ...item, ...base, inputParameters: {} }) : undefined;
    const task: WorkflowTask = parsed?.success ? parsed.output : v.parse(WorkflowTaskSchema, base);
    tasks.push(wt.optional ? { ...task, optional: true } : task);
    inputs.push({ ...(isMap(item) ? item : { input: item }), __index: index });
  });
  return { tasks, inputs };
}

/** The tasks a FORK_JOIN_DYNAMIC starts, from either of Conductor's input forms (the simple one first). */
function forkedTasks(
  task: TaskState,
  wt: WorkflowTask,
  maxBranches: number,
): { tasks: WorkflowTask[]; inputs: Record<string, unknown>[] } | { error: string } {
  const input = task.inputData;
  // Counted before any branch is read, so a huge list costs nothing but the refusal.
  const tooMany = (field: string, count: number) =>
    `${field} lists ${count} branches, more than the ${maxBranches} a dynamic fork may start (${LIMIT_SETTINGS.maxDynamicForkBranches}=${maxBranches})`;
  if (Array.isArray(input.forkTaskInputs)) {
    if (input.forkTaskInputs.length > maxBranches) return { error: tooMany("forkTaskInputs", input.forkTaskInputs.length) };
    return simpleFormTasks(wt, input, input.forkTaskInputs);
  }
  if (wt.dynamicForkTasksParam) {
    const defs = input[wt.dynamicForkTasksParam];
    const inputsByRef = input[wt.dynamicForkTasksInputParamName ?? ""] ?? {};
    if (!Array.isArray(defs)) return { error: `input '${wt.dynamicForkTasksParam}' must be a list of workflow tasks` };
    if (defs.length > maxBranches) return { error: tooMany(`dynamicForkTasksParam '${wt.dynamicForkTasksParam}'`, defs.length) };
    if (!isMap(inputsByRef)) {
      return { error: `input '${wt.dynamicForkTasksInputParamName}' must be a map of task reference to input, got ${JSON.stringify(inputsByRef)}` };
    }
    const tasks: WorkflowTask[] = [];
    for (const [index, raw] of defs.entries()) {
      const parsed = v.safeParse(WorkflowTaskSchema, raw);
      if (!parsed.success) return { error: `input '${wt.dynamicForkTasksParam}[${index}]' is not a workflow task: ${parsed.issues[0]?.message}` };
      tasks.push(parsed.output);
    }
    return {
      tasks,
      inputs: tasks.map((t) => (isMap(inputsByRef[t.taskReferenceName]) ? inputsByRef[t.taskReferenceName] : {}) as Record<string, unknown>),
    };
  }
  return { error: "forkTaskInputs (a list) or dynamicForkTasksParam (a list of workflow tasks) is required" };
}

/**
 * FORK_JOIN_DYNAMIC: starts one task per generated branch and completes; the
 * JOIN after it waits for the refs listed in its output `forkedTasks`. More
 * branches than one decision's budget (`maxDecisionEvents`) are started in
 * parts: the fork stays IN_PROGRESS, each step starts the next part, and the
 * step that starts the last part completes it, so no one decision holds the
 * server for all of them.
 */
function dynamicForkStep(state: WorkflowState, task: TaskState, wt: WorkflowTask, ctx: DecisionContext): WorkflowEvent[] {
  const generated = forkedTasks(task, wt, limitOf(ctx, "maxDynamicForkBranches"));
  if ("error" in generated) {
    return [{ type: "TaskFailed", data: { taskId: task.taskId, outputData: {}, reason: `FORK_JOIN_DYNAMIC ${wt.taskReferenceName}: ${generated.error}`, terminal: true, time: ctx.now } }];
  }
  // Inside a loop the branches get the iteration suffix too; the JOIN waits for the refs as scheduled.
  const suffix = task.iteration > 0 ? `__${task.iteration}` : "";
  const refs = generated.tasks.map((t) => `${t.taskReferenceName}${suffix}`);
  const existing = new Set(state.tasks.map((t) => t.referenceTaskName));
  const missing = generated.tasks.flatMap((child, index) => (existing.has(refs[index]!) ? [] : [index]));
  const part = missing.slice(0, limitOf(ctx, "maxDecisionEvents"));
  const last = part.length === missing.length;
  const events: WorkflowEvent[] = [];
  if (last) {
    events.push({ type: "TaskCompleted", data: { taskId: task.taskId, outputData: { forkedTasks: refs, forkedTaskInputs: generated.inputs }, time: ctx.now } });
  } else if (task.status === "SCHEDULED") {
    events.push(started(task, ctx));
  }
  let current = events.reduce(evolve, state);
  for (const index of part) {
    const child = generated.tasks[index]!;
    const taskDefinition = child.taskDefinition ?? (child.type === "SIMPLE" ? ctx.taskDef?.(child.name) : undefined) ?? undefined;
    const definition: WorkflowTask = { ...child, taskDefinition, inputParameters: { ...(child.inputParameters ?? {}), ...generated.inputs[index] } };
    const scheduled = scheduleTask(current, definition, ctx, undefined, task.iteration, definition);
    events.push(scheduled);
    current = evolve(current, scheduled);
  }
  return events;
}

/** FORK_JOIN_DYNAMIC: the branches come from its input at run time; a JOIN must follow it. */
export const forkJoinDynamicTask: TaskTypeSpec = {
  run: {
    kind: "decided",
    // A fork stays IN_PROGRESS while it starts its branches in parts (dynamicForkStep).
    step: (state, task, wt, ctx) =>
      (task.status === "SCHEDULED" ? forkWithoutJoinFailure(state, task, ctx) : undefined) ?? dynamicForkStep(state, task, wt, ctx),
  },
  retry: "never",
  check: (task) => {
    const input = task.inputParameters ?? {};
    return unmet([
      (!!task.dynamicForkTasksParam && !!task.dynamicForkTasksInputParamName) ||
        input.forkTaskInputs !== undefined || input.forkTaskName !== undefined || input.forkTaskType !== undefined,
      "dynamicForkTasksParam",
      "dynamicForkTasksParam and dynamicForkTasksInputParamName (or a forkTaskInputs input) are required",
    ]);
  },
  followedBy: "JOIN",
  names: forkNames,
};
