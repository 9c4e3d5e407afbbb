/**
 * Given/when/then for any decider (STYLE.md practice 8), without mocks or I/O:
 * `given` events are folded with the decider's `evolve`, `when` runs its
 * `decide` with the context the spec supplies, and `then` compares the
 * emitted events. `thenNothing` asserts the command changed nothing.
 */
import { expect } from "vitest";
import { type Decider, type DomainEvent, foldWith } from "../../src/domain/decider.ts";

type ErrorClass = abstract new (...args: never[]) => Error;

/** The outcome of one `when`. */
export interface DecisionOf<State, Event> {
  /** Asserts the decider emitted exactly `expected`, in order; returns the state after them. */
  then(expected: Event[]): State;
  /** Asserts the decider emitted no event: the command was accepted and nothing happened. */
  thenNothing(): State;
  /** Asserts the decider refused the command with `errorClass` (and a message matching `message`). */
  thenThrows(errorClass: ErrorClass, message?: RegExp): void;
  /** The emitted events, for specs that check only part of them. */
  events(): Event[];
  /** The state after the emitted events. */
  state(): State;
}

/**
 * A spec helper for `decider`; `defaultContext` makes the context of each
 * `when` (a fresh one per decision, e.g. with its own id counter).
 */
export function specFor<State, Command, Event extends DomainEvent, Context, Reaction = never>(
  decider: Decider<State, Command, Event, Context, Reaction>,
  defaultContext: () => Context,
) {
  return {
    given(history: Event[]) {
      const before = foldWith(decider, history);
      return {
        /** The state `given` folds to. */
        state: before,
        /** Decides `command`; `context` replaces fields of the default context. */
        when(command: Command, context: Partial<Context> = {}): DecisionOf<State, Event> {
          let emitted: Event[] | undefined;
          const run = () => (emitted ??= decider.decide(command, before, { ...defaultContext(), ...context }));
          return {
            then(expected) {
              const events = run();
              expect(events).toEqual(expected);
              return foldWith(decider, events, before);
            },
            thenNothing() {
              expect(run(), "the decider should have emitted nothing").toEqual([]);
              return before;
            },
            thenThrows(errorClass, message) {
              let caught: unknown;
              try {
                run();
              } catch (error) {
                caught = error;
              }
              expect(caught, "the decider should have refused the command").toBeInstanceOf(errorClass);
              if (message) expect((caught as Error).message).toMatch(message);
            },
            events: run,
            state: () => foldWith(decider, run(), before),
          };
        },
      };
    },
  };
}
