import type { CheckpointStore, EventStore, RecordedEvent, Subscription } from "../domain/ports.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import { foldWorkflow } from "../domain/workflow/evolve.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";
import { applyEvent, createReadModels, type ReadModelChange, type ReadModels } from "../projections/read-models.ts";
import { defaultStreamRegistry, workflowCategory } from "../projections/stream-categories.ts";
import type { StreamRegistry } from "../projections/stream-registry.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../projections/read-model-checkpoint.ts";
import { createWorkflowRetention, type RetentionImage, type RetentionOptions } from "./workflow-retention.ts";

export interface ReadSideDeps {
  store: EventStore;
  registry?: StreamRegistry;
  /** How many finished workflows stay in memory, and how many stay searchable. */
  retention?: RetentionOptions;
  /** Called after each event the read models applied, with what it changed. */
  onChange: (event: RecordedEvent, change: ReadModelChange) => void;
  /** Where the read models are checkpointed, so a restart folds only later events. */
  checkpoints?: CheckpointStore;
  /** Events applied between two checkpoints (default 50,000); one is also written on close. */
  checkpointEvery?: number;
  /** Told when a checkpoint could not be used or written (the read side goes on without it). */
  onWarning?: (message: string) => void;
}

/** The checkpoint's name in the checkpoint store. */
export const READ_MODEL_CHECKPOINT = "read-models";

/** Events applied between two checkpoints by default. */
export const DEFAULT_CHECKPOINT_EVERY = 50_000;

interface CheckpointExtra {
  retention: RetentionImage;
  /** Id of the event at `models.position`, to tell a checkpoint of another log from one of this log. */
  lastEventId?: string;
}

/**
 * The read models, kept current by one catch-up subscription to the store,
 * with bounded memory: finished workflows leave memory (workflow-retention.ts)
 * and are read back from the store when asked for, or when an event for one
 * arrives (a rerun of an old workflow). Writers never wait here; a caller that
 * must read its own write waits for the write's position with `caughtUpTo`,
 * which is woken by the subscription (no polling).
 */
export async function openReadSide(deps: ReadSideDeps) {
  const { store, registry = defaultStreamRegistry, onChange } = deps;
  const warn = deps.onWarning ?? (() => {});
  const checkpointEvery = deps.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  const models: ReadModels = createReadModels(registry);
  const retention = createWorkflowRetention(models, deps.retention);
  const positionWaiters: { position: number; resolve: () => void }[] = [];
  let closed = false;
  let lastEventId: string | undefined;
  let sinceCheckpoint = 0;
  let caughtUp = false;
  let writing: Promise<void> | undefined;

  /** Writes a checkpoint of the read models as they are now (one write at a time). */
  function writeCheckpoint(): Promise<void> {
    if (!deps.checkpoints || writing) return writing ?? Promise.resolve();
    const extra: CheckpointExtra = { retention: retention.exported(), lastEventId };
    sinceCheckpoint = 0;
    let text: string;
    try {
      text = encodeCheckpoint(models, registry, extra);
    } catch (error) {
      // A stored value nested too deep for JSON.stringify (from before the input limits):
      // no checkpoint this time, and start-up replays the log; the read models go on.
      warn(`could not encode the read-model checkpoint: ${error instanceof Error ? error.message : String(error)}`);
      return Promise.resolve();
    }
    writing = deps.checkpoints
      .save(READ_MODEL_CHECKPOINT, text)
      .catch((error) => warn(`could not write the read-model checkpoint: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (writing = undefined));
    return writing;
  }

  /** Starts from a checkpoint when there is a usable one; returns the position to read on from. */
  async function restoreCheckpoint(): Promise<number> {
    const text = await deps.checkpoints?.load(READ_MODEL_CHECKPOINT).catch((error) => {
      warn(`could not read the read-model checkpoint: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (text === undefined) return 0;
    const decoded = decodeCheckpoint(text, registry);
    if (!decoded.ok) {
      warn(`ignoring the read-model checkpoint (${decoded.reason}); rebuilding from the log`);
      return 0;
    }
    const extra = decoded.extra as CheckpointExtra;
    const [atPosition] = decoded.models.position < 0 ? [] : await store.readAll({ fromPosition: decoded.models.position, maxCount: 1 });
    if (decoded.models.position >= 0 && (atPosition?.position !== decoded.models.position || atPosition.id !== extra.lastEventId)) {
      warn("ignoring the read-model checkpoint: the log does not hold the event it ends with; rebuilding from the log");
      return 0;
    }
    Object.assign(models, decoded.models);
    retention.imported(extra.retention);
    lastEventId = extra.lastEventId;
    return models.position + 1;
  }

  function wakeCaughtUp(): void {
    for (let i = positionWaiters.length - 1; i >= 0; i--) {
      const waiter = positionWaiters[i]!;
      if (waiter.position > models.position && !closed) continue;
      positionWaiters.splice(i, 1);
      waiter.resolve();
    }
  }

  /** A workflow's state folded from its first `revisions` events in the store (all when undefined). */
  async function foldFromStore(workflowId: string, revisions?: number): Promise<WorkflowState | undefined> {
    if (revisions === 0) return undefined;
    const events = await store.readStream(workflowCategory.streamOf(workflowId), revisions === undefined ? {} : { maxCount: revisions });
    if (events.length === 0) return undefined;
    // A workflow stream holds workflow events only (stream-categories.ts).
    return foldWorkflow(events as RecordedEvent[] as unknown as WorkflowEvent[]);
  }

  function apply(event: RecordedEvent, workflowId: string | undefined): void {
    lastEventId = event.id;
    const held = workflowId === undefined ? undefined : models.workflows.get(workflowId);
    if (held && held.revision >= event.revision) {
      // Already folded in by a read back from the store; only the position moves.
      models.position = Math.max(models.position, event.position);
    } else {
      const change = applyEvent(models, event, registry);
      if (change) {
        if (change.workflow) retention.applied(change.workflow);
        onChange(event, change);
      }
    }
    if (positionWaiters.length > 0) wakeCaughtUp();
    // While catching up at start-up, one checkpoint at the end does the work of many.
    if (++sinceCheckpoint >= checkpointEvery && caughtUp) void writeCheckpoint();
  }

  function onEvent(event: RecordedEvent): void | Promise<void> {
    const owner = registry.categoryOf(event.streamId);
    const workflowId = owner?.category === workflowCategory ? owner.key : undefined;
    if (workflowId !== undefined && event.revision > 0 && !models.workflows.has(workflowId)) {
      // An event for a workflow that left memory: read what comes before it back first.
      return foldFromStore(workflowId, event.revision).then((earlier) => {
        if (earlier) retention.restored(earlier);
        apply(event, workflowId);
      });
    }
    apply(event, workflowId);
  }

  let resolveCaughtUp: () => void = () => {};
  const initialCatchUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  const fromPosition = await restoreCheckpoint();
  const subscription: Subscription = store.subscribeToAll(onEvent, { fromPosition, onCaughtUp: () => resolveCaughtUp() });
  await initialCatchUp;
  caughtUp = true;
  if (sinceCheckpoint >= checkpointEvery) void writeCheckpoint();

  return {
    models,
    registry,
    retention,
    /**
     * A workflow's current state: from memory, or folded from the store when it
     * left memory (not held again: the store may be ahead of the read models,
     * and only the subscription moves them); undefined when there is none.
     */
    async loadWorkflow(workflowId: string): Promise<WorkflowState | undefined> {
      const held = models.workflows.get(workflowId);
      if (held) {
        retention.touched(workflowId);
        return held;
      }
      const folded = await foldFromStore(workflowId);
      return folded?.exists ? folded : undefined; // a removed workflow is gone
    },
    /** Resolves once the read models include `position` (read-your-writes), or the read side closed. */
    caughtUpTo(position: number | undefined): Promise<void> {
      if (position === undefined || models.position >= position || closed) return Promise.resolve();
      return new Promise((resolve) => positionWaiters.push({ position, resolve }));
    },
    /** Writes a checkpoint now (tests and tools; the read side also writes them on its own). */
    checkpoint: () => writeCheckpoint(),
    async close(): Promise<void> {
      closed = true;
      wakeCaughtUp();
      await subscription.close();
      await writing;
      if (sinceCheckpoint > 0) await writeCheckpoint();
    },
  };
}

export type ReadSide = Awaited<ReturnType<typeof openReadSide>>;
