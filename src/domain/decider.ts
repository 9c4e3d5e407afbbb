/**
 * The one shape every aggregate takes (Jérémie Chassaing's decider): how a
 * command becomes events, and how events fold into state. The generic command
 * handler (src/engine/command-handler.ts) and the given/when/then spec helper
 * (tests/support/decider-spec.ts) work with any value of this type.
 */

/** An event as a decider emits it: a past-tense type and its data. */
export interface DomainEvent {
  type: string;
  data: unknown;
}

/**
 * `decide` and `evolve` are pure: time, ids and lookups come in through
 * `context`. `decide` throws a domain error (errors.ts) to refuse a command and
 * returns `[]` when nothing has to happen. `react`, where a decider has side
 * effects, names the ones a decision asks for; the engine runs them after the
 * decision's events are stored (at least once) and they report back as commands.
 */
export interface Decider<State, Command, Event extends DomainEvent, Context = void, Reaction = never> {
  /** The state of a stream with no events. Never mutated: `evolve` returns new values. */
  readonly initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State, context: Context): Event[];
  /** The side effects the step from `before` to `after` asks for. */
  react?(before: State, after: State): Reaction[];
}

/** Folds `events` from the decider's initial state (or `from`). */
export function foldWith<State, Event extends DomainEvent>(
  decider: Pick<Decider<State, never, Event, never>, "initialState" | "evolve">,
  events: Iterable<Event>,
  from: State = decider.initialState,
): State {
  let state = from;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
