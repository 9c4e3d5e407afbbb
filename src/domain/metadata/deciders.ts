import type { Decider } from "../decider.ts";
import type { TaskDef } from "../definitions/task-def.ts";
import type { WorkflowDef } from "../definitions/workflow-def.ts";
import {
  evolveTaskDef,
  evolveWorkflowDefs,
  noWorkflowDefVersions,
  registerTaskDef,
  registerWorkflowDef,
  removeTaskDef,
  removeWorkflowDef,
  type TaskDefState,
  type WorkflowDefVersions,
} from "./decide.ts";
import type { MetadataEvent } from "./events.ts";

/** What definition commands need from outside: the time they are decided at. */
export interface MetadataContext {
  now: number;
}

export type WorkflowDefCommand =
  | { type: "RegisterWorkflowDef"; definition: WorkflowDef; overwrite: boolean }
  | { type: "RemoveWorkflowDef"; name: string; version: number };

export type TaskDefCommand =
  | { type: "RegisterTaskDef"; definition: TaskDef; mustExist: boolean }
  | { type: "RemoveTaskDef"; name: string };

/** Every version of one workflow definition (`workflowdef-<name>`). */
export const workflowDefDecider: Decider<WorkflowDefVersions, WorkflowDefCommand, MetadataEvent, MetadataContext> = {
  initialState: noWorkflowDefVersions(),
  evolve: evolveWorkflowDefs,
  decide(command, state, { now }) {
    switch (command.type) {
      case "RegisterWorkflowDef":
        return registerWorkflowDef(state, command.definition, command.overwrite, now);
      case "RemoveWorkflowDef":
        return removeWorkflowDef(state, command.name, command.version, now);
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },
};

/** One task definition (`taskdef-<name>`). */
export const taskDefDecider: Decider<TaskDefState, TaskDefCommand, MetadataEvent, MetadataContext> = {
  initialState: { revision: -1 },
  evolve: evolveTaskDef,
  decide(command, state, { now }) {
    switch (command.type) {
      case "RegisterTaskDef":
        return registerTaskDef(state, command.definition, command.mustExist, now);
      case "RemoveTaskDef":
        return removeTaskDef(state, command.name, now);
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },
};
