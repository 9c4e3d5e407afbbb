import type { Decider } from "../decider.ts";
import type { MetadataContext } from "../metadata/deciders.ts";
import { addEventHandler, type EventHandlerState, evolveEventHandler, noEventHandler, removeEventHandler, updateEventHandler } from "./decide.ts";
import type { EventHandlerEvent } from "./events.ts";
import type { EventHandler } from "./schema.ts";

export type EventHandlerCommand =
  | { type: "AddEventHandler"; handler: EventHandler }
  | { type: "UpdateEventHandler"; handler: EventHandler }
  | { type: "RemoveEventHandler"; name: string };

/** One Conductor event handler (`eventhandler-<name>`). */
export const eventHandlerDecider: Decider<EventHandlerState, EventHandlerCommand, EventHandlerEvent, MetadataContext> = {
  initialState: noEventHandler(),
  evolve: evolveEventHandler,
  decide(command, state, { now }) {
    switch (command.type) {
      case "AddEventHandler":
        return addEventHandler(state, command.handler, now);
      case "UpdateEventHandler":
        return updateEventHandler(state, command.handler, now);
      case "RemoveEventHandler":
        return removeEventHandler(state, command.name, now);
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },
};
