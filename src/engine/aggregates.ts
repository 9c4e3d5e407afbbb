import { type EventHandlerState, evolveEventHandler, noEventHandler } from "../domain/event-handlers/decide.ts";
import type { EventHandlerEvent } from "../domain/event-handlers/events.ts";
import type { IdempotencyKeyClaimed } from "../domain/idempotency.ts";
import {
  evolveTaskDef,
  evolveWorkflowDefs,
  noWorkflowDefVersions,
  type TaskDefState,
  type WorkflowDefVersions,
} from "../domain/metadata/decide.ts";
import type { MetadataEvent } from "../domain/metadata/events.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import { evolve } from "../domain/workflow/evolve.ts";
import { initialWorkflowState, type WorkflowState } from "../domain/workflow/state.ts";
import type { Aggregate } from "./command-handler.ts";

/** How each kind of stream folds, for the generic command handler. */
export const workflowAggregate: Aggregate<WorkflowState, WorkflowEvent> = {
  initial: initialWorkflowState,
  evolve,
  revisionOf: (state) => state.revision,
};

export const workflowDefAggregate: Aggregate<WorkflowDefVersions, MetadataEvent> = {
  initial: noWorkflowDefVersions(),
  evolve: evolveWorkflowDefs,
  revisionOf: (state) => state.revision,
};

export const taskDefAggregate: Aggregate<TaskDefState, MetadataEvent> = {
  initial: { revision: -1 },
  evolve: evolveTaskDef,
  revisionOf: (state) => state.revision,
};

export interface IdempotencyState {
  revision: number;
  claim?: IdempotencyKeyClaimed["data"];
}

export const idempotencyAggregate: Aggregate<IdempotencyState, IdempotencyKeyClaimed> = {
  initial: { revision: -1 },
  evolve: (state, event) => ({ revision: state.revision + 1, claim: event.data }),
  revisionOf: (state) => state.revision,
};

export const eventHandlerAggregate: Aggregate<EventHandlerState, EventHandlerEvent> = {
  initial: noEventHandler(),
  evolve: evolveEventHandler,
  revisionOf: (state) => state.revision,
};
