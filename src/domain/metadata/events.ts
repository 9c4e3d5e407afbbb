import type { TaskDef } from "../definitions/task-def.ts";
import type { WorkflowDef } from "../definitions/workflow-def.ts";

/** Facts about definitions; stored in `workflowdef-<name>` and `taskdef-<name>` streams. */
export type MetadataEvent =
  | { type: "WorkflowDefRegistered"; data: { definition: WorkflowDef; time: number } }
  | { type: "WorkflowDefRemoved"; data: { name: string; version: number; time: number } }
  | { type: "TaskDefRegistered"; data: { definition: TaskDef; time: number } }
  | { type: "TaskDefRemoved"; data: { name: string; time: number } };

export const workflowDefStream = (name: string) => `workflowdef-${name}`;
export const taskDefStream = (name: string) => `taskdef-${name}`;
