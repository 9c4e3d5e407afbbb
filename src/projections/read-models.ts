import type { RecordedEvent } from "../domain/ports.ts";
import { BUILT_IN_CATEGORIES, defaultStreamRegistry } from "./stream-categories.ts";
import type { Projection, ReadModelChange, StreamRegistry } from "./stream-registry.ts";
import type { QueueEntry } from "./workflow-projection.ts";

export type { ReadModelChange } from "./stream-registry.ts";
export type { QueueEntry } from "./workflow-projection.ts";
export type { HeldEvent } from "./event-handlers.ts";

type ModelOf<Category> = Category extends { projection?: Projection<infer Model, never> } ? Model : object;
type Intersection<Union> = (Union extends unknown ? (value: Union) => void : never) extends (value: infer All) => void ? All : never;

/**
 * Every read model Baton serves: the fields of each category's projection
 * (stream-categories.ts), merged into one object, plus the last position
 * applied. Maps are updated in place for speed, but only by `applyEvent`, which
 * is deterministic and ignores events at or before `position` (re-deliveries).
 */
export type ReadModels = { position: number } & Intersection<ModelOf<(typeof BUILT_IN_CATEGORIES)[number]>>;

/** Fresh, empty read models for every category of `registry` that has a projection. */
export function createReadModels(registry: StreamRegistry = defaultStreamRegistry): ReadModels {
  const models: Record<string, unknown> = { position: -1 };
  for (const category of registry.categories) {
    for (const [field, value] of Object.entries(category.projection?.create() ?? {})) {
      if (field in models) throw new Error(`read model field '${field}' of category ${category.name} is already taken`);
      models[field] = value;
    }
  }
  // Each built-in projection contributed its fields just above.
  return models as ReadModels;
}

const UNCHANGED: ReadModelChange = Object.freeze({ queuesFed: [] as string[] }) as ReadModelChange;

/** Applies one stored event; returns undefined when it was applied before. */
export function applyEvent(
  models: ReadModels,
  event: RecordedEvent,
  registry: StreamRegistry = defaultStreamRegistry,
): ReadModelChange | undefined {
  if (event.position <= models.position) return undefined;
  models.position = event.position;
  const owner = registry.categoryOf(event.streamId);
  return owner?.category.projection?.apply(models, event, owner.key) ?? UNCHANGED;
}

/**
 * Applies one stored event to read models being rebuilt from nothing (replay):
 * a projection may defer what it derives from final states to
 * `finishRebuild`, which must run once after the last event.
 */
export function applyEventForRebuild(models: ReadModels, event: RecordedEvent, registry: StreamRegistry = defaultStreamRegistry): void {
  if (event.position <= models.position) return;
  models.position = event.position;
  const owner = registry.categoryOf(event.streamId);
  const projection = owner?.category.projection;
  if (!projection) return;
  if (projection.applyForRebuild) projection.applyForRebuild(models, event, owner.key);
  else projection.apply(models, event, owner.key);
}

/** Completes a rebuild: after it, the models are what `applyEvent` on every event would have made them. */
export function finishRebuild(models: ReadModels, registry: StreamRegistry = defaultStreamRegistry): void {
  for (const category of registry.categories) category.projection?.finishRebuild?.(models);
}

/**
 * Up to `limit` tasks of a queue pollable at `now`, best first: highest
 * priority, then earliest visible, then lowest seq. A bounded selection, so a
 * poll for one task costs one pass over the queue, not a sort of it.
 */
export function pollableEntries(
  models: Pick<ReadModels, "queues">,
  queue: string,
  now: number,
  limit = Number.POSITIVE_INFINITY,
  skip?: ReadonlySet<string>,
  /** Only entries it accepts (e.g. the workflows this process owns). */
  accept?: (entry: QueueEntry) => boolean,
): QueueEntry[] {
  const entries = models.queues.get(queue);
  if (!entries || limit <= 0) return [];
  const better = (a: QueueEntry, b: QueueEntry) => b.priority - a.priority || a.visibleAt - b.visibleAt || a.seq - b.seq;
  const best: QueueEntry[] = [];
  for (const entry of entries.values()) {
    if (entry.visibleAt > now || skip?.has(entry.taskId) || (accept && !accept(entry))) continue;
    if (best.length >= limit && better(entry, best[best.length - 1]!) >= 0) continue;
    let at = best.length;
    while (at > 0 && better(entry, best[at - 1]!) < 0) at--;
    best.splice(at, 0, entry);
    if (best.length > limit) best.pop();
  }
  return best;
}

/** Earliest future visibility in a queue, for long-poll wake-ups. */
export function nextVisibleAt(models: Pick<ReadModels, "queues">, queue: string, now: number): number | undefined {
  let next: number | undefined;
  for (const entry of models.queues.get(queue)?.values() ?? []) {
    if (entry.visibleAt > now && (next === undefined || entry.visibleAt < next)) next = entry.visibleAt;
  }
  return next;
}
