import type { Decider, DomainEvent } from "../domain/decider.ts";
import { ConcurrencyError, ValidationError } from "../domain/errors.ts";
import { SERVED_JSON_DEPTH, valueDepthExcess } from "../domain/json-depth.ts";
import type { Evaluation, EventMetadata, EventStore, NewEvent } from "../domain/ports.ts";
import { EvaluationNeeded, type UserCodeRequest } from "../domain/user-code.ts";
import { eventId, UUID } from "./deterministic-id.ts";
import { createLruCache } from "./lru-cache.ts";

/** Conflicts tolerated before giving up; each one means another writer won a race. */
const MAX_ATTEMPTS = 8;

/** Appends that fail for a reason other than a conflict are tried this often with the same event ids. */
const APPEND_TRIES = 3;

/** Streams whose state the write side keeps between commands, by default. */
export const DEFAULT_WRITE_CACHE_SIZE = 5000;

export interface CommandHandlerDeps {
  store: EventStore;
  newId: () => string;
  /** Streams whose folded state is kept for the next command (least recently used go first). */
  cacheSize?: number;
  /** Runs the user code a decision asks for (`EvaluationNeeded`) off the thread; without it the request propagates. */
  runUserCode?: (request: UserCodeRequest) => Promise<Evaluation<unknown>>;
  /**
   * The read side's state of a stream and the revision it was folded to,
   * where the read side holds one (it folds with the same decider). The
   * handler decides on it instead of reading the stream from the store when
   * nothing is cached, or when the cached state is older (another process
   * wrote since: this also closes the race `observed` cannot, a fold that read
   * the stream just before another process's append, cached after the read
   * side told the handler about that append). In a cluster that is most
   * commands of a workflow, so each would otherwise read its whole stream.
   *
   * The read side may trail the store, so such a state is a guess as the cache
   * is: an append on it meets a conflict and is decided again on the stored
   * stream; a refusal or a decision to append nothing is decided again on the
   * stored stream before it is answered, since only an append proves a state
   * current.
   */
  knownState?: (streamId: string) => Folded | undefined;
}

/**
 * What one command keeps across its runs of `decide`: the answers of the user
 * code it needed (kept across conflicts too: the code need not run again),
 * and, per attempt, the time and ids the first run used, so every re-run sees
 * the same inputs and finds its answers.
 */
export interface DecisionRun {
  answers: Map<string, Evaluation<unknown>>;
  ids: string[];
  now?: number;
}

/** What a handled command did. */
export interface CommandOutcome<State, Event, Reaction = never> {
  events: Event[];
  /** The side effects the decision asks for (the decider's `react`), to run now that its events are stored. */
  reactions: Reaction[];
  /** The stream's state after `events`. */
  state: State;
  /** Revision of the stream's last event, -1 for none. */
  revision: number;
  /** Global position of the last appended event; absent when nothing was appended. */
  position?: number;
}

/** A stream's state folded up to `revision` (-1: no events). */
export interface Folded {
  state: unknown;
  revision: number;
}

/**
 * The whole command cycle for any decider: take the stream's state from the
 * write-side cache (or fold it from the store), decide, append with the
 * expected revision; on a concurrency conflict, fold the stream again and
 * decide again. The cache is only ever a guess: a stale entry costs one
 * conflict, never a wrong write, so several processes may share a store.
 */
export function createCommandHandler({ store, newId, cacheSize = DEFAULT_WRITE_CACHE_SIZE, runUserCode, knownState }: CommandHandlerDeps) {
  const cache = createLruCache<string, Folded>(cacheSize);

  /**
   * Decides, running each evaluation the decision stops for and deciding again.
   * Each stop adds a new answer, and the memo evaluators stop deciding for more
   * once they hold their limit, so the re-runs are bounded.
   */
  async function decideWithUserCode<State, Command, Event extends DomainEvent, Context>(
    decider: Decider<State, Command, Event, Context, unknown>,
    command: Command,
    state: State,
    context: (run: DecisionRun) => Context,
    run: DecisionRun,
  ): Promise<Event[]> {
    for (;;) {
      try {
        return decider.decide(command, state, context(run));
      } catch (error) {
        if (error instanceof RangeError) throw tooDeepToDecide(error);
        if (!(error instanceof EvaluationNeeded) || runUserCode === undefined) throw error;
        if (run.answers.has(error.key)) throw new Error(`the decision asked again for an evaluation it has the answer to (${error.request.kind})`);
        run.answers.set(error.key, await runUserCode(error.request));
      }
    }
  }

  async function handle<State, Command, Event extends DomainEvent, Context, Reaction = never>(
    decider: Decider<State, Command, Event, Context, Reaction>,
    streamId: string,
    command: Command,
    context: (run: DecisionRun) => Context,
    metadata: EventMetadata | ((state: State) => EventMetadata),
    /** Checks the state before deciding (e.g. "the workflow exists"), with the caller's own error. */
    precondition?: (state: State) => void,
  ): Promise<CommandOutcome<State, Event, Reaction>> {
    // Entries of one stream are only ever written by `handle` with that stream's decider.
    let folded = cache.get(streamId) as { state: State; revision: number } | undefined;
    // The read side's state (folded by the same decider) when nothing newer is cached: another
    // process's write the read models saw, or a stream this process has not written lately.
    const known = knownState?.(streamId) as { state: State; revision: number } | undefined;
    /** Whether `folded` is the read side's guess, not yet proven current by a read of the stream or an append. */
    let borrowed = known !== undefined && (!folded || known.revision > folded.revision);
    if (borrowed) folded = known;
    if (!folded) {
      folded = await load(decider, streamId);
      cache.set(streamId, folded);
    }
    const answers = new Map<string, Evaluation<unknown>>();
    for (let attempt = 1; ; attempt++) {
      let events: Event[];
      try {
        precondition?.(folded.state);
        events = await decideWithUserCode(decider, command, folded.state, context, { answers, ids: [] });
      } catch (error) {
        if (!borrowed) throw error;
        // Refused on the read side's state, which may trail the store: only the stored stream may refuse.
        folded = await reload(decider, streamId);
        borrowed = false;
        continue;
      }
      if (events.length === 0 && borrowed) {
        // Nothing to do on the read side's state; the stored stream may say otherwise.
        folded = await reload(decider, streamId);
        borrowed = false;
        continue;
      }
      if (events.length === 0) return { events, reactions: [], state: folded.state, revision: folded.revision };
      const revision = folded.revision;
      const meta = typeof metadata === "function" ? metadata(folded.state) : metadata;
      // Event ids derive from the command and the revision they take, so re-sending the
      // same append after a lost answer is recognised by the store as a duplicate.
      const commandId = meta.causationId && UUID.test(meta.causationId) ? meta.causationId : newId();
      const toAppend: NewEvent[] = events.map((event, index) => ({
        id: eventId(commandId, revision + 1 + index),
        type: event.type,
        data: event.data,
        metadata: meta,
      }));
      try {
        const result = await appendWithRetry(streamId, toAppend, revision < 0 ? "no_stream" : revision);
        let state = folded.state;
        for (const event of events) state = decider.evolve(state, event);
        cache.set(streamId, { state, revision: result.nextExpectedRevision });
        const reactions = decider.react?.(folded.state, state) ?? [];
        return { events, reactions, state, revision: result.nextExpectedRevision, position: result.position };
      } catch (error) {
        cache.delete(streamId);
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
        folded = await reload(decider, streamId);
        borrowed = false;
      }
    }
  }

  /** The stream's state as the next command would decide on it: the cached one, or folded from the store. */
  async function current<State, Event extends DomainEvent>(
    decider: Decider<State, never, Event, never, unknown>,
    streamId: string,
  ): Promise<{ state: State; revision: number }> {
    // Entries of one stream are only ever written by `handle` with that stream's decider.
    const cached = cache.get(streamId) as { state: State; revision: number } | undefined;
    // Another writer got further than the cache (the read models saw it): fold the stream again.
    if (cached && (knownState?.(streamId)?.revision ?? -1) <= cached.revision) return cached;
    return reload(decider, streamId);
  }

  async function reload<State, Event extends DomainEvent>(decider: Decider<State, never, Event, never, unknown>, streamId: string) {
    const folded = await load(decider, streamId);
    cache.set(streamId, folded);
    return folded;
  }

  async function appendWithRetry(streamId: string, events: NewEvent[], expected: number | "no_stream") {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store.append(streamId, events, expected);
      } catch (error) {
        if (error instanceof RangeError) throw tooDeepToStore(streamId, events, error);
        if (error instanceof ConcurrencyError || attempt >= APPEND_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  async function load<State, Event extends DomainEvent>(
    decider: Decider<State, never, Event, never, unknown>,
    streamId: string,
  ): Promise<{ state: State; revision: number }> {
    let state = decider.initialState;
    let revision = -1;
    for (const event of await store.readStream(streamId)) {
      // A stream holds only its category's events (see stream-categories.ts).
      state = decider.evolve(state, event as DomainEvent as Event);
      revision = event.revision;
    }
    return { state, revision };
  }

  /**
   * Told each event the read side applies: a cached state older than it was
   * overtaken by another process's write and is dropped. Without this, a
   * decision that appends nothing (a timer check on a stale state) would never
   * meet the conflict that corrects a stale entry.
   */
  function observed(streamId: string, revision: number): void {
    const folded = cache.peek(streamId);
    if (folded && folded.revision < revision) cache.delete(streamId);
  }

  return Object.assign(handle, { observed, current });
}

export type CommandHandler = ReturnType<typeof createCommandHandler>;

/**
 * The decider walks parameters and values recursively; one nested deeper than
 * the stack allows (stored before the edge limits existed) overflows it. The
 * command is refused as such, with nothing written, not failed as a 500.
 */
function tooDeepToDecide(error: RangeError): Error {
  if (!/call stack/i.test(error.message)) return error;
  return new ValidationError(
    `the command needs a value nested too deep to process (stored before the input limits, see BATON_MAX_JSON_DEPTH); nothing was written`,
    [{ path: "(stored value)", message: "nested too deep to process" }],
  );
}

/**
 * A store cannot serialise a value nested deeper than the runtime's stack
 * allows (JSON.stringify throws a RangeError, before anything is written).
 * Such a value can only come from data stored before the edge limits existed,
 * or from user code: the command is refused naming where, not failed as a 500.
 */
function tooDeepToStore(streamId: string, events: readonly NewEvent[], error: RangeError): Error {
  for (const event of events) {
    const excess = valueDepthExcess(event.data, SERVED_JSON_DEPTH);
    if (excess) {
      return new ValidationError(
        `${streamId}: the ${event.type} event would hold a value nested deeper than ${excess.limit} levels at ${excess.path}, which cannot be stored; nothing was written`,
        [{ path: excess.path, message: `nested deeper than ${excess.limit} levels` }],
      );
    }
  }
  return error;
}
