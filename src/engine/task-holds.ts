/** How long a message whose task does not wait yet is held by default: 5 minutes. */
export const DEFAULT_HOLD_MS = 5 * 60_000;

/** A failed release is tried again after this long (and after a restart, since it stays recorded as held). */
const RETRY_RELEASE_MS = 1000;

/** The task of a held item does not wait yet, and why. */
export interface StillHeld {
  kind: "hold";
  reason: string;
}

/** How a hold ended: its task moved on (what `locate` said then), or the hold time ran out first. */
export type HoldEnd<Located> = Located | { kind: "expired"; reason: string };

export interface TaskHoldsDeps<Item, Located extends { kind: string }> {
  clock: () => number;
  /** How long an item is held; its deadline is taken when it is first held and recorded with it. */
  holdMs: number;
  /** One hold per key. */
  keyOf(item: Item): string;
  /** The recorded deadline (epoch ms). */
  untilOf(item: Item): number;
  /** Where the item's task stands now: still not waiting, or anything that ends the hold. */
  locate(item: Item): StillHeld | Located;
  /** Whether a change of `workflowId` may concern the item. */
  concerns(item: Item, workflowId: string): boolean;
  /** Records that the item is held, so that it is held again after a restart (`recover`). */
  recordHold(item: Item): Promise<void>;
  /**
   * Applies the item or gives it up, and records that the hold ended (so it is
   * not recovered after a restart). A rejection is logged and the item held again.
   */
  release(item: Item, end: HoldEnd<Located>): Promise<void>;
  logError: (message: string, fields?: Record<string, unknown>) => void;
}

const isStillHeld = (located: { kind: string }): located is StillHeld => located.kind === "hold";
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Messages that arrived before their task waited (Conductor drops them): each
 * is recorded, re-checked whenever its workflow changes, released once its
 * task waits (or never will), and given up after `holdMs`. The holds survive
 * a restart through the caller's own records (`recordHold`, and `release`
 * records the end): `recover` holds again what those leave open. The event
 * router's completions and the event handlers' complete_task / fail_task
 * actions are both held here; each keeps its records where its users read them.
 */
export function createTaskHolds<Item, Located extends { kind: string }>(deps: TaskHoldsDeps<Item, Located>) {
  const { clock, holdMs } = deps;
  const waiting = new Map<string, { item: Item; timer: ReturnType<typeof setTimeout> }>();
  /** Released, not yet recorded as such; a redelivery of one is still a known hold. */
  const releasing = new Set<string>();
  const retrying = new Map<string, ReturnType<typeof setTimeout>>();
  /** The hold records still being written: a release is recorded only after its hold. */
  const holdRecords = new Map<string, Promise<void>>();
  let closed = false;

  const isOpen = (key: string) => waiting.has(key) || retrying.has(key) || releasing.has(key);

  function track(item: Item): void {
    const key = deps.keyOf(item);
    if (closed || isOpen(key)) return;
    const timer = setTimeout(() => expire(key), Math.max(0, deps.untilOf(item) - clock()));
    waiting.set(key, { item, timer });
    recheck(key);
  }

  /** Ends the hold if its task moved on; synchronous, so no change slips in between the check and the end. */
  function recheck(key: string): void {
    const entry = waiting.get(key);
    if (!entry) return;
    const located = deps.locate(entry.item);
    if (!isStillHeld(located)) end(key, located);
  }

  function expire(key: string): void {
    const entry = waiting.get(key);
    if (!entry) return;
    const located = deps.locate(entry.item);
    end(key, isStillHeld(located) ? { kind: "expired", reason: `held for ${holdMs / 1000} s, but ${located.reason}; giving up` } : located);
  }

  function end(key: string, how: HoldEnd<Located>): void {
    const entry = waiting.get(key);
    if (!entry) return;
    waiting.delete(key);
    clearTimeout(entry.timer);
    releasing.add(key);
    void release(key, entry.item, how).finally(() => releasing.delete(key));
  }

  async function release(key: string, item: Item, how: HoldEnd<Located>): Promise<void> {
    try {
      await holdRecords.get(key);
    } catch {
      return; // never recorded as held: `hold` rejected, so the message's source delivers it again
    }
    try {
      await deps.release(item, how);
    } catch (error) {
      deps.logError("releasing a held message failed; holding it again", { key, error: errorText(error) });
      if (closed) return;
      const timer = setTimeout(() => {
        retrying.delete(key);
        track(item);
      }, RETRY_RELEASE_MS);
      retrying.set(key, timer);
    }
  }

  return {
    /** A deadline `holdMs` from now, for a new item. */
    deadline: () => clock() + holdMs,
    /**
     * Holds `item` (once per key) and checks it at once. Resolves once the hold
     * is recorded; if recording fails, the item is not held and this rejects.
     */
    hold(item: Item): Promise<void> {
      const key = deps.keyOf(item);
      if (closed || isOpen(key)) return Promise.resolve();
      const recording = deps.recordHold(item);
      holdRecords.set(key, recording);
      track(item);
      return recording.then(
        () => void holdRecords.delete(key),
        (error: unknown) => {
          holdRecords.delete(key);
          const entry = waiting.get(key);
          if (entry) {
            clearTimeout(entry.timer);
            waiting.delete(key);
          }
          throw error;
        },
      );
    },
    /** Holds again what was recorded as held and not released before a restart (with its recorded deadline). */
    recover(items: Iterable<Item>): void {
      for (const item of items) track(item);
    },
    /** Re-checks the holds a change of `workflowId` may concern. */
    workflowChanged(workflowId: string): void {
      for (const [key, entry] of [...waiting]) if (deps.concerns(entry.item, workflowId)) recheck(key);
    },
    /** Whether `key` is held (or being released) in this process. */
    has: isOpen,
    /** Holds waiting for their task (or to be tried again) in this process. */
    size: () => waiting.size + retrying.size,
    /** Stops the timers; what is held stays recorded for the next start. */
    close(): void {
      closed = true;
      for (const entry of waiting.values()) clearTimeout(entry.timer);
      for (const timer of retrying.values()) clearTimeout(timer);
      waiting.clear();
      retrying.clear();
    },
  };
}

export type TaskHolds<Item, Located extends { kind: string }> = ReturnType<typeof createTaskHolds<Item, Located>>;
