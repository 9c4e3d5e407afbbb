import { ConcurrencyError } from "../domain/errors.ts";
import type { EventMetadata, EventStore, NewEvent } from "../domain/ports.ts";
import { eventId, UUID } from "./deterministic-id.ts";

/** Conflicts tolerated before giving up; each one means another writer won a race. */
const MAX_ATTEMPTS = 8;

export interface Aggregate<State, Event extends { type: string; data: unknown }> {
  initial: State;
  evolve: (state: State, event: Event) => State;
  /** Revision of the last folded event, -1 for none. */
  revisionOf: (state: State) => number;
}

export interface CommandHandlerDeps {
  store: EventStore;
  newId: () => string;
}

/** Appends that fail for a reason other than a conflict are tried this often with the same event ids. */
const APPEND_TRIES = 3;

/**
 * The whole command cycle: load (cached state or the stream), decide, append
 * with the expected revision; on a concurrency conflict, reload from the store
 * and decide again.
 */
export function createCommandHandler({ store, newId }: CommandHandlerDeps) {
  return async function handle<State, Event extends { type: string; data: unknown }>(
    streamId: string,
    aggregate: Aggregate<State, Event>,
    cached: State | undefined,
    decide: (state: State) => Event[],
    metadata: EventMetadata,
  ): Promise<{ events: Event[]; state: State; position?: number }> {
    let state: State = cached !== undefined ? cached : await load(streamId, aggregate);
    for (let attempt = 1; ; attempt++) {
      const events = decide(state);
      if (events.length === 0) return { events, state };
      const revision = aggregate.revisionOf(state);
      // Event ids derive from the command and the revision they take, so re-sending the
      // same append after a lost answer is recognised by the store as a duplicate.
      const commandId = metadata.causationId && UUID.test(metadata.causationId) ? metadata.causationId : newId();
      const toAppend: NewEvent[] = events.map((event, index) => ({
        id: eventId(commandId, revision + 1 + index),
        type: event.type,
        data: event.data,
        metadata,
      }));
      try {
        const result = await appendWithRetry(streamId, toAppend, revision < 0 ? "no_stream" : revision);
        for (const event of events) state = aggregate.evolve(state, event);
        return { events, state, position: result.position };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
        state = await load(streamId, aggregate);
      }
    }
  };

  async function appendWithRetry(streamId: string, events: NewEvent[], expected: number | "no_stream") {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.append(streamId, events, expected);
      } catch (error) {
        if (error instanceof ConcurrencyError || attempt >= APPEND_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  async function load<State, Event extends { type: string; data: unknown }>(
    streamId: string,
    aggregate: Aggregate<State, Event>,
  ): Promise<State> {
    let state = aggregate.initial;
    for (const event of await store.readStream(streamId)) {
      state = aggregate.evolve(state, { type: event.type, data: event.data } as Event);
    }
    return state;
  }
}

export type CommandHandler = ReturnType<typeof createCommandHandler>;
