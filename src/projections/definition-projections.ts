import {
  evolveTaskDef,
  evolveWorkflowDefs,
  noWorkflowDefVersions,
  type TaskDefState,
  type WorkflowDefVersions,
} from "../domain/metadata/decide.ts";
import type { MetadataEvent } from "../domain/metadata/events.ts";
import type { Projection } from "./stream-registry.ts";

/** Registered workflow definitions, every version, by name. */
export const workflowDefProjection: Projection<{ workflowDefs: Map<string, WorkflowDefVersions> }, MetadataEvent> = {
  create: () => ({ workflowDefs: new Map() }),
  apply(models, event, name) {
    const current = models.workflowDefs.get(name) ?? noWorkflowDefVersions();
    models.workflowDefs.set(name, evolveWorkflowDefs(current, event));
  },
};

/** Registered task definitions by name (removed ones keep their revision, without a definition). */
export const taskDefProjection: Projection<{ taskDefs: Map<string, TaskDefState> }, MetadataEvent> = {
  create: () => ({ taskDefs: new Map() }),
  apply(models, event, name) {
    const current = models.taskDefs.get(name) ?? { revision: -1 };
    models.taskDefs.set(name, evolveTaskDef(current, event));
  },
};
