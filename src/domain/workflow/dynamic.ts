import type { WorkflowTask } from "../definitions/workflow-def.ts";
import { WorkflowTaskSchema } from "../definitions/workflow-def.ts";
import * as v from "valibot";
import type { DecisionContext } from "./context.ts";
import type { WorkflowEvent } from "./events.ts";
import { evolve } from "./evolve.ts";
import { resolveParameters } from "../expressions.ts";
import { expressionDocument } from "./document.ts";
import type { TaskState, WorkflowState } from "./state.ts";
import { scheduleTask } from "./advance.ts";

/** DYNAMIC: the task to run is named by the input `dynamicTaskNameParam` points at. */
export function resolveDynamicTask(
  state: WorkflowState,
  wt: WorkflowTask,
  ctx: DecisionContext,
): { task: WorkflowTask } | { error: string } {
  const input = resolveParameters(wt.inputParameters ?? {}, expressionDocument(state));
  const name = input[wt.dynamicTaskNameParam ?? ""];
  if (typeof name !== "string" || name === "") {
    return { error: `DYNAMIC task ${wt.taskReferenceName}: input '${wt.dynamicTaskNameParam}' must name a task, got ${JSON.stringify(name ?? null)}` };
  }
  const taskDefinition = ctx.taskDef?.(name) ?? wt.taskDefinition ?? undefined;
  return { task: { ...wt, name, type: "SIMPLE", taskDefinition } };
}

/** The tasks a FORK_JOIN_DYNAMIC starts, from either of Conductor's input forms. */
function forkedTasks(task: TaskState, wt: WorkflowTask): { tasks: WorkflowTask[]; inputs: Record<string, unknown>[] } | { error: string } {
  const input = task.inputData;
  if (wt.dynamicForkTasksParam) {
    const defs = input[wt.dynamicForkTasksParam];
    const inputsByRef = (input[wt.dynamicForkTasksInputParamName ?? ""] ?? {}) as Record<string, unknown>;
    if (!Array.isArray(defs)) return { error: `input '${wt.dynamicForkTasksParam}' must be a list of workflow tasks` };
    const tasks: WorkflowTask[] = [];
    for (const [index, raw] of defs.entries()) {
      const parsed = v.safeParse(WorkflowTaskSchema, raw);
      if (!parsed.success) return { error: `input '${wt.dynamicForkTasksParam}[${index}]' is not a workflow task: ${parsed.issues[0]?.message}` };
      tasks.push(parsed.output);
    }
    return {
      tasks,
      inputs: tasks.map((t) => (inputsByRef[t.taskReferenceName] ?? {}) as Record<string, unknown>),
    };
  }
  const name = input.forkTaskName ?? input.forkTaskWorkflow;
  const type = String(input.forkTaskType ?? "SIMPLE");
  const list = input.forkTaskInputs;
  if (typeof name !== "string" || !Array.isArray(list)) {
    return { error: "forkTaskName (a task name) and forkTaskInputs (a list) are required" };
  }
  const tasks = list.map((_, index) => ({
    name,
    taskReferenceName: `_${name}_${index}`,
    type,
    inputParameters: {},
    optional: false,
    startDelay: 0,
    asyncComplete: false,
  })) as WorkflowTask[];
  const inputs = list.map((item, index) => ({ ...(item && typeof item === "object" ? item : { input: item }), __index: index }));
  return { tasks, inputs };
}

/**
 * FORK_JOIN_DYNAMIC: completes at once, starting one task per generated branch;
 * the JOIN after it waits for the refs listed in its output `forkedTasks`.
 */
export function dynamicForkStep(state: WorkflowState, task: TaskState, wt: WorkflowTask, ctx: DecisionContext): WorkflowEvent[] {
  const generated = forkedTasks(task, wt);
  if ("error" in generated) {
    return [{ type: "TaskFailed", data: { taskId: task.taskId, outputData: {}, reason: `FORK_JOIN_DYNAMIC ${wt.taskReferenceName}: ${generated.error}`, terminal: true, time: ctx.now } }];
  }
  const refs = generated.tasks.map((t) => t.taskReferenceName);
  const events: WorkflowEvent[] = [
    { type: "TaskCompleted", data: { taskId: task.taskId, outputData: { forkedTasks: refs, forkedTaskInputs: generated.inputs }, time: ctx.now } },
  ];
  let current = evolve(state, events[0]!);
  generated.tasks.forEach((child, index) => {
    const taskDefinition = child.taskDefinition ?? (child.type === "SIMPLE" ? ctx.taskDef?.(child.name) : undefined) ?? undefined;
    const definition: WorkflowTask = { ...child, taskDefinition, inputParameters: { ...(child.inputParameters ?? {}), ...generated.inputs[index] } };
    const scheduled = scheduleTask(current, definition, ctx, undefined, task.iteration, definition);
    events.push(scheduled);
    current = evolve(current, scheduled);
  });
  return events;
}
