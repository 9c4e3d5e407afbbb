import type { EventStore, RecordedEvent, Subscription } from "../domain/ports.ts";
import { applyEvent, createReadModels, type ReadModelChange, type ReadModels } from "../projections/read-models.ts";
import { defaultStreamRegistry } from "../projections/stream-categories.ts";
import type { StreamRegistry } from "../projections/stream-registry.ts";

export interface ReadSideDeps {
  store: EventStore;
  registry?: StreamRegistry;
  /** Called after each event the read models applied, with what it changed. */
  onChange: (event: RecordedEvent, change: ReadModelChange) => void;
}

/**
 * The read models, kept current by one catch-up subscription to the store.
 * Writers never wait here; a caller that must read its own write waits for the
 * write's position with `caughtUpTo`, which is woken by the subscription (no polling).
 */
export async function openReadSide({ store, registry = defaultStreamRegistry, onChange }: ReadSideDeps) {
  const models: ReadModels = createReadModels(registry);
  const positionWaiters: { position: number; resolve: () => void }[] = [];
  let closed = false;

  function wakeCaughtUp(): void {
    for (let i = positionWaiters.length - 1; i >= 0; i--) {
      const waiter = positionWaiters[i]!;
      if (waiter.position > models.position && !closed) continue;
      positionWaiters.splice(i, 1);
      waiter.resolve();
    }
  }

  function onEvent(event: RecordedEvent): void {
    const change = applyEvent(models, event, registry);
    if (change) onChange(event, change);
    if (positionWaiters.length > 0) wakeCaughtUp();
  }

  let resolveCaughtUp: () => void = () => {};
  const initialCatchUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  const subscription: Subscription = store.subscribeToAll(onEvent, { fromPosition: 0, onCaughtUp: () => resolveCaughtUp() });
  await initialCatchUp;

  return {
    models,
    registry,
    /** Resolves once the read models include `position` (read-your-writes), or the read side closed. */
    caughtUpTo(position: number | undefined): Promise<void> {
      if (position === undefined || models.position >= position || closed) return Promise.resolve();
      return new Promise((resolve) => positionWaiters.push({ position, resolve }));
    },
    async close(): Promise<void> {
      closed = true;
      wakeCaughtUp();
      await subscription.close();
    },
  };
}

export type ReadSide = Awaited<ReturnType<typeof openReadSide>>;
