import type { EventExecution, EventExecutionEvent, EventHandlerEvent, HeldTaskAction } from "../domain/event-handlers/events.ts";
import type { EventHandler } from "../domain/event-handlers/schema.ts";
import type { Projection } from "./stream-registry.ts";

/** A held complete_task / fail_task, as recorded: enough to apply it after a restart. */
export interface HeldEvent {
  execution: EventExecution;
  held: HeldTaskAction;
}

/** Key of a held event: execution ids are unique per handler only. */
export const heldEventKey = (handlerName: string, executionId: string) => JSON.stringify([handlerName, executionId]);

/** Folds one `eventhandler-<name>` event into the handlers by name. */
export function applyEventHandlerEvent(handlers: Map<string, EventHandler>, event: EventHandlerEvent): void {
  if (event.type === "EventHandlerRegistered") handlers.set(event.data.handler.name, event.data.handler);
  else handlers.delete(event.data.name);
}

/**
 * Folds one recorded execution: the latest record of an id replaces the
 * earlier one in place (so a held action's IN_PROGRESS becomes its outcome), and
 * the held-event index follows.
 */
export function applyExecutionRecorded(
  executions: Map<string, Map<string, EventExecution>>,
  heldEvents: Map<string, HeldEvent>,
  event: EventExecutionEvent,
): void {
  const { execution, held } = event.data;
  let byId = executions.get(execution.name);
  if (!byId) {
    byId = new Map();
    executions.set(execution.name, byId);
  }
  byId.set(execution.id, execution);
  const key = heldEventKey(execution.name, execution.id);
  if (held && execution.status === "IN_PROGRESS") heldEvents.set(key, { execution, held });
  else heldEvents.delete(key);
}

/** Active and inactive handlers by name (`eventhandler-<name>`). */
export const eventHandlerProjection: Projection<{ eventHandlers: Map<string, EventHandler> }, EventHandlerEvent> = {
  create: () => ({ eventHandlers: new Map() }),
  apply(models, event) {
    applyEventHandlerEvent(models.eventHandlers, event);
  },
};

/** Executions by handler, and the actions still held for their task (`eventexecution-<handler>`). */
export const eventExecutionProjection: Projection<{
  eventExecutions: Map<string, Map<string, EventExecution>>;
  heldEvents: Map<string, HeldEvent>;
}, EventExecutionEvent> = {
  create: () => ({ eventExecutions: new Map(), heldEvents: new Map() }),
  apply(models, event) {
    applyExecutionRecorded(models.eventExecutions, models.heldEvents, event);
  },
};
