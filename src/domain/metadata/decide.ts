import { ConflictError, NotFoundError } from "../errors.ts";
import type { TaskDef } from "../definitions/task-def.ts";
import type { WorkflowDef } from "../definitions/workflow-def.ts";
import type { MetadataEvent } from "./events.ts";

/** All versions of one workflow definition, folded from its stream. */
export interface WorkflowDefVersions {
  revision: number;
  versions: Map<number, WorkflowDef>;
}

export const noWorkflowDefVersions = (): WorkflowDefVersions => ({ revision: -1, versions: new Map() });

export function evolveWorkflowDefs(state: WorkflowDefVersions, event: MetadataEvent): WorkflowDefVersions {
  const versions = new Map(state.versions);
  if (event.type === "WorkflowDefRegistered") versions.set(event.data.definition.version, event.data.definition);
  else if (event.type === "WorkflowDefRemoved") versions.delete(event.data.version);
  return { revision: state.revision + 1, versions };
}

/**
 * Registers a workflow definition version. An existing version is a conflict
 * unless `overwrite` is set; then it is replaced, keeping its createTime.
 */
export function registerWorkflowDef(
  state: WorkflowDefVersions,
  definition: WorkflowDef,
  overwrite: boolean,
  now: number,
): MetadataEvent[] {
  const existing = state.versions.get(definition.version);
  if (existing && !overwrite) {
    throw new ConflictError(`Workflow with ${definition.name}.${definition.version} already exists!`);
  }
  const stamped: WorkflowDef = existing
    ? { ...definition, createTime: existing.createTime ?? now, updateTime: now }
    : { ...definition, createTime: definition.createTime ?? now };
  return [{ type: "WorkflowDefRegistered", data: { definition: stamped, time: now } }];
}

export function removeWorkflowDef(state: WorkflowDefVersions, name: string, version: number, now: number): MetadataEvent[] {
  if (!state.versions.has(version)) {
    throw new NotFoundError(`No such workflow definition: ${name} version: ${version}`);
  }
  return [{ type: "WorkflowDefRemoved", data: { name, version, time: now } }];
}

/** One task definition, folded from its stream. */
export interface TaskDefState {
  revision: number;
  definition?: TaskDef;
}

export function evolveTaskDef(state: TaskDefState, event: MetadataEvent): TaskDefState {
  if (event.type === "TaskDefRegistered") return { revision: state.revision + 1, definition: event.data.definition };
  if (event.type === "TaskDefRemoved") return { revision: state.revision + 1, definition: undefined };
  return { ...state, revision: state.revision + 1 };
}

/**
 * Registers or replaces a task definition (Conductor overwrites silently on
 * POST). With `mustExist` (PUT), an unknown name is not found.
 */
export function registerTaskDef(state: TaskDefState, definition: TaskDef, mustExist: boolean, now: number): MetadataEvent[] {
  if (mustExist && !state.definition) throw new NotFoundError(`No such task by name ${definition.name}`);
  const stamped: TaskDef = state.definition
    ? { ...definition, createTime: state.definition.createTime ?? now, updateTime: now }
    : { ...definition, createTime: definition.createTime ?? now };
  return [{ type: "TaskDefRegistered", data: { definition: stamped, time: now } }];
}

export function removeTaskDef(state: TaskDefState, name: string, now: number): MetadataEvent[] {
  if (!state.definition) throw new NotFoundError(`No such taskType found by name: ${name}`);
  return [{ type: "TaskDefRemoved", data: { name, time: now } }];
}
