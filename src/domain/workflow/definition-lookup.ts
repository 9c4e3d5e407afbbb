import { defaultTaskDef, type TaskDef } from "../definitions/task-def.ts";
import type { WorkflowTask } from "../definitions/workflow-def.ts";
import type { WorkflowState } from "./state.ts";

/** The definition node for a task reference in the workflow's snapshot. */
export function workflowTaskFor(state: WorkflowState, ref: string): WorkflowTask | undefined {
  return state.definition.tasks.find((task) => task.taskReferenceName === ref);
}

/** The TaskDef a workflow task runs with: the snapshot's, else Conductor's defaults. */
export function taskDefFor(workflowTask: WorkflowTask): TaskDef {
  return workflowTask.taskDefinition ?? defaultTaskDef(workflowTask.name);
}

/** Retries allowed for a task: the workflow task's override, else its TaskDef's. */
export function retryLimitFor(workflowTask: WorkflowTask): number {
  return workflowTask.retryCount ?? taskDefFor(workflowTask).retryCount;
}
