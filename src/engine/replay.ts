/**
 * Rebuilding every read model from the store, for `baton replay` and the
 * benchmark. Reading and projecting are timed apart, so the read time is the
 * floor the projection work is measured against.
 */
import type { EventStore, RecordedEvent, Subscription } from "../domain/ports.ts";
import { applyEvent, applyEventForRebuild, createReadModels, finishRebuild, type ReadModels } from "../projections/read-models.ts";
import type { StreamRegistry } from "../projections/stream-registry.ts";

export interface ReplayProgress {
  /** `read`: paging events in from the store; `apply`: folding them into the read models. */
  phase: "read" | "apply";
  done: number;
  /** Known in the apply phase only (the port cannot count without reading). */
  total?: number;
  elapsedMs: number;
}

export interface ReplayOptions {
  onProgress?: (progress: ReplayProgress) => void;
  /** Events per `readAll` call. */
  pageSize?: number;
  /** Report progress every this many applied events. */
  progressEvery?: number;
  /** Monotonic milliseconds; `performance.now` by default. */
  clock?: () => number;
  /** The stream categories to project (Baton's built-in ones by default). */
  registry?: StreamRegistry;
}

export interface ReplayResult {
  models: ReadModels;
  events: number;
  streams: number;
  readMs: number;
  applyMs: number;
  totalMs: number;
  /** Events per second over read and apply together. */
  eventsPerSecond: number;
  /** Events per second of the projection work alone. */
  applyEventsPerSecond: number;
}

const perSecond = (events: number, ms: number) => (ms > 0 ? (events * 1000) / ms : events > 0 ? Number.POSITIVE_INFINITY : 0);

/** Reads every event in pages, then folds them all into fresh read models. */
export async function replayAll(store: EventStore, options: ReplayOptions = {}): Promise<ReplayResult> {
  const clock = options.clock ?? (() => performance.now());
  const pageSize = options.pageSize ?? 10_000;
  const every = options.progressEvery ?? 1000;
  const report = options.onProgress ?? (() => {});
  const started = clock();

  const events: RecordedEvent[] = [];
  for (let from = 0; ; ) {
    const page = await store.readAll({ fromPosition: from, maxCount: pageSize });
    for (const event of page) events.push(event);
    report({ phase: "read", done: events.length, elapsedMs: clock() - started });
    const last = page[page.length - 1];
    if (last === undefined || page.length < pageSize) break;
    from = last.position + 1;
  }
  const read = clock();

  const models = createReadModels(options.registry);
  const streams = new Set<string>();
  const total = events.length;
  for (let i = 0; i < total; i++) {
    const event = events[i]!;
    applyEventForRebuild(models, event, options.registry);
    streams.add(event.streamId);
    if ((i + 1) % every === 0) report({ phase: "apply", done: i + 1, total, elapsedMs: clock() - started });
  }
  finishRebuild(models, options.registry);
  const done = clock();
  report({ phase: "apply", done: total, total, elapsedMs: done - started });

  return {
    models,
    events: total,
    streams: streams.size,
    readMs: read - started,
    applyMs: done - read,
    totalMs: done - started,
    eventsPerSecond: perSecond(total, done - started),
    applyEventsPerSecond: perSecond(total, done - read),
  };
}

/**
 * Rebuilds the read models the way a running engine keeps them: event by event
 * from a catch-up subscription, until it has caught up.
 */
export async function rebuildBySubscription(
  store: EventStore,
  registry?: StreamRegistry,
): Promise<{ models: ReadModels; events: number }> {
  const models = createReadModels(registry);
  let events = 0;
  let failure: unknown;
  let subscription: Subscription | undefined;
  await new Promise<void>((resolve, reject) => {
    subscription = store.subscribeToAll(
      (event) => {
        if (failure !== undefined) return;
        try {
          applyEvent(models, event, registry);
          events++;
        } catch (error) {
          failure = error;
          reject(error);
        }
      },
      { fromPosition: 0, onCaughtUp: () => resolve() },
    );
  }).finally(() => subscription?.close());
  return { models, events };
}
