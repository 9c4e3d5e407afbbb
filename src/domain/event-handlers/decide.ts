import { ConflictError, NotFoundError } from "../errors.ts";
import type { EventHandlerEvent } from "./events.ts";
import type { EventHandler } from "./schema.ts";

/** One event handler, folded from its stream. */
export interface EventHandlerState {
  revision: number;
  handler?: EventHandler;
}

export const noEventHandler = (): EventHandlerState => ({ revision: -1 });

export function evolveEventHandler(state: EventHandlerState, event: EventHandlerEvent): EventHandlerState {
  switch (event.type) {
    case "EventHandlerRegistered":
      return { revision: state.revision + 1, handler: event.data.handler };
    case "EventHandlerRemoved":
      return { revision: state.revision + 1 };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** POST: a new handler; a name in use is a conflict (Conductor answers 409). */
export function addEventHandler(state: EventHandlerState, handler: EventHandler, now: number): EventHandlerEvent[] {
  if (state.handler) throw new ConflictError(`EventHandler with name ${handler.name} already exists!`);
  return [{ type: "EventHandlerRegistered", data: { handler, time: now } }];
}

/** PUT: replaces an existing handler; an unknown name is not found. */
export function updateEventHandler(state: EventHandlerState, handler: EventHandler, now: number): EventHandlerEvent[] {
  if (!state.handler) throw new NotFoundError(`EventHandler with name ${handler.name} not found!`);
  return [{ type: "EventHandlerRegistered", data: { handler, time: now } }];
}

export function removeEventHandler(state: EventHandlerState, name: string, now: number): EventHandlerEvent[] {
  if (!state.handler) throw new NotFoundError(`EventHandler with name ${name} not found!`);
  return [{ type: "EventHandlerRemoved", data: { name, time: now } }];
}
