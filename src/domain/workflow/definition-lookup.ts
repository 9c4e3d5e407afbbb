import { defaultTaskDef, type TaskDef } from "../definitions/task-def.ts";
import type { WorkflowTask } from "../definitions/workflow-def.ts";
import { taskTypeSpec } from "../tasks/registry.ts";
import { nodeFor } from "./graph.ts";
import type { TaskState, WorkflowState } from "./state.ts";

/** The definition node for a task reference (nested and loop-suffixed refs included). */
export function workflowTaskFor(state: WorkflowState, ref: string): WorkflowTask | undefined {
  return nodeFor(state.definition, ref)?.task;
}

/** The definition a task attempt runs: generated at run time, or from the snapshot. */
export function workflowTaskOf(state: WorkflowState, task: TaskState): WorkflowTask | undefined {
  return task.workflowTask ?? workflowTaskFor(state, task.definitionRef ?? task.referenceTaskName);
}

/**
 * The TaskDef a workflow task runs with: the snapshot's, else Conductor's ad-hoc
 * defaults (a worker task gets TaskDef's defaults; a system task gets no retries
 * and no response timeout).
 */
export function taskDefFor(workflowTask: WorkflowTask): TaskDef {
  if (workflowTask.taskDefinition) return workflowTask.taskDefinition;
  // Made once per workflow task: the timeout projection asks for every task of a workflow on each of its events.
  let def = adHocDefs.get(workflowTask);
  if (def === undefined) {
    const defaults = defaultTaskDef(workflowTask.name);
    def = taskTypeSpec(workflowTask.type)?.run.kind === "worker" ? defaults : { ...defaults, retryCount: 0, responseTimeoutSeconds: 0 };
    // Not frozen: frozen objects fall off V8's fast property access, which this lookup exists for. Callers only read it.
    adHocDefs.set(workflowTask, def);
  }
  return def;
}

/** Ad-hoc TaskDefs by the (immutable) workflow task they were made for; a memo, so decisions stay pure. */
const adHocDefs = new WeakMap<WorkflowTask, TaskDef>();

/** Retries allowed for a task: the workflow task's override, else its TaskDef's. */
export function retryLimitFor(workflowTask: WorkflowTask): number {
  return workflowTask.retryCount ?? taskDefFor(workflowTask).retryCount;
}
