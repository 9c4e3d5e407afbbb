import type { TaskDef } from "../../domain/definitions/task-def.ts";
import { inspectWorkflowDef } from "../../domain/definitions/check-workflow-def.ts";
import type { WorkflowDef } from "../../domain/definitions/workflow-def.ts";
import type { RecordedEvent } from "../../domain/ports.ts";
import type { UnmatchedCompletion } from "../../domain/router/events.ts";
import type { TaskState, WorkflowState } from "../../domain/workflow/state.ts";
import { toTaskJson, toWorkflowJson } from "../../projections/conductor-json.ts";

/**
 * The objects resolvers hand to the schema's types: Conductor's JSON shapes
 * (field names match), plus `definition` for the open-ended definition types.
 */
export const workflowView = (workflow: WorkflowState) => toWorkflowJson(workflow, true);

export const taskView = (workflow: WorkflowState, task: TaskState) => toTaskJson(workflow, task);

export const workflowDefView = (definition: WorkflowDef) => ({ ...definition, definition, warnings: inspectWorkflowDef(definition).warnings });

export const taskDefView = (definition: TaskDef) => ({ ...definition, definition });

export const workflowEventView = (event: RecordedEvent, workflowId: string) => ({
  workflowId,
  revision: event.revision,
  position: event.position,
  type: event.type,
  created: event.created,
  data: event.data,
  metadata: event.metadata,
});

export const unmatchedView = (unmatched: UnmatchedCompletion) => ({ ...unmatched, ...unmatched.message });
