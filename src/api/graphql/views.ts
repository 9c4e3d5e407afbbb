import type { TaskDef } from "../../domain/definitions/task-def.ts";
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

export const workflowDefView = (definition: WorkflowDef) => ({ ...definition, definition });

export const taskDefView = (definition: TaskDef) => ({ ...definition, definition });

export const workflowEventView = (event: RecordedEvent, workflowId: string) => ({
  workflowId,
  stream: event.streamId,
  dagRunId: null as string | null,
  revision: event.revision,
  position: event.position,
  type: event.type,
  created: event.created,
  data: event.data,
  metadata: event.metadata,
});

/** An event of a DAG run the workflow asked for, in the workflow's event feed (its revision is the run's stream's). */
export const dagRunEventOfWorkflowView = (event: RecordedEvent, workflowId: string, dagRunId: string) => ({
  ...workflowEventView(event, workflowId),
  dagRunId: dagRunId as string | null,
});

export const unmatchedView = (unmatched: UnmatchedCompletion) => ({ ...unmatched, ...unmatched.message });
