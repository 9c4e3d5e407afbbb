/**
 * The stream registry: every stream category Baton stores, each declared once
 * with its prefix, its decider and its projection. Replay, the engine's read
 * models, the EventStoreDB category filter and the spec helper all read it, so
 * a new aggregate is a new category value plus one entry in the list
 * (stream-categories.ts), and nothing else.
 */
import type { Decider, DomainEvent } from "../domain/decider.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";

/** What one applied event changed, for waiters and reactors. */
export interface ReadModelChange {
  workflow?: WorkflowState;
  /** The workflow's state before the event; absent for a new workflow. */
  previous?: WorkflowState;
  /** Queues that gained a task. */
  queuesFed: string[];
}

/**
 * A category's read model: `create` makes its fields (merged with the other
 * categories' into one ReadModels object, so names must not clash), `apply`
 * folds one event of one of its streams in place. `key` is the stream id
 * without the prefix.
 */
export interface Projection<Model extends object, Event extends DomainEvent = DomainEvent> {
  create(): Model;
  // Method syntax on purpose: the registry hands every event of a category's
  // streams to its projection, and a stored event of that category is one of
  // its `Event`s, which is what the method's bivariant parameter expresses.
  apply(model: Model, event: Event, key: string): ReadModelChange | void;
  /**
   * Rebuilding from nothing (replay): folds an event as `apply` does but may
   * leave what is derived from the final state (queues, timers) to
   * `finishRebuild`, which then makes the model what applying every event one
   * by one would have made it (but for containers left empty along the way).
   * Both absent: `apply`.
   */
  applyForRebuild?(model: Model, event: Event, key: string): void;
  finishRebuild?(model: Model): void;
}

/**
 * One kind of stream, as declared: a lower-case prefix ending in `-`, the
 * decider of its streams (absent for streams written as plain records, such as
 * the router's) and its projection (absent when nothing reads it through the
 * read models).
 */
export interface CategoryDeclaration {
  name: string;
  prefix: string;
  decider?: Decider<unknown, never, DomainEvent, never, unknown>;
  projection?: Projection<object, DomainEvent>;
}

/** A declared category with its stream-name helper. */
export type StreamCategory<Declaration extends CategoryDeclaration = CategoryDeclaration> = Declaration & {
  /** The stream of one key, e.g. `workflow-<id>`. */
  streamOf(key: string): string;
};

/** Declares a category, keeping its decider's and projection's types for the code that uses them. */
export function defineCategory<const Declaration extends CategoryDeclaration>(category: Declaration): StreamCategory<Declaration> {
  if (!/^[a-z]+-$/.test(category.prefix)) {
    throw new Error(`stream category ${category.name}: prefix '${category.prefix}' must be lower-case letters ending in '-'`);
  }
  return { ...category, streamOf: (key: string) => `${category.prefix}${key}` };
}

export interface StreamRegistry {
  readonly categories: readonly StreamCategory[];
  /** Every category's prefix: the streams Baton reads from `$all`. */
  readonly prefixes: readonly string[];
  /** The category of `streamId` and the stream's key, or undefined for a stream Baton does not own. */
  categoryOf(streamId: string): { category: StreamCategory; key: string } | undefined;
}

/** Builds a registry; refuses two categories with one name or prefix. */
export function createStreamRegistry(categories: readonly StreamCategory[]): StreamRegistry {
  const byPrefix = new Map<string, StreamCategory>();
  const names = new Set<string>();
  for (const category of categories) {
    if (byPrefix.has(category.prefix)) throw new Error(`stream prefix '${category.prefix}' is declared twice`);
    if (names.has(category.name)) throw new Error(`stream category '${category.name}' is declared twice`);
    byPrefix.set(category.prefix, category);
    names.add(category.name);
  }
  return {
    categories,
    prefixes: categories.map((c) => c.prefix),
    categoryOf(streamId) {
      const dash = streamId.indexOf("-");
      if (dash < 0) return undefined;
      const category = byPrefix.get(streamId.slice(0, dash + 1));
      return category && { category, key: streamId.slice(dash + 1) };
    },
  };
}
