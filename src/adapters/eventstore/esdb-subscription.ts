/**
 * One catch-up subscription of the EventStoreDB store to `$all`.
 *
 * Catching up reads `$all` in pages (esdb-all.ts) rather than relying on the
 * server's `caught_up` message, which servers before 23.10 do not send; then
 * `onCaughtUp` runs and a live subscription, filtered server-side to Baton's
 * stream prefixes, starts after the last event read (EventStoreDB's
 * subscriptions are exclusive of their start), so nothing falls in between.
 *
 * When the server goes away the subscription reconnects with backoff and
 * resumes after the last event it received; events are never handed to the
 * handler twice or out of order. With a checkpoint store it also saves the
 * position it has handled, at most once a second and on close.
 */
import { START, streamNameFilter, type EventStoreDBClient, type Position } from "@eventstore/db-client";
import type { RecordedEvent, SubscribeOptions, Subscription } from "../../domain/ports.ts";
import type { AllReader } from "./esdb-all.ts";
import { toRecordedEvent } from "./esdb-events.ts";

/** Keeps a subscriber's position between runs; see `EsdbEventStoreOptions.checkpoint`. */
export interface CheckpointStore {
  /** The last position handled, if any was saved. */
  load(): Promise<number | undefined>;
  save(position: number): Promise<void>;
}

export interface SubscriptionDeps {
  client: EventStoreDBClient;
  reader: AllReader;
  prefixes: readonly string[];
  inScope: (streamId: string) => boolean;
  checkpoint?: CheckpointStore;
  /** First reconnect delay; doubles up to `maxRetryDelayMs`. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** Told about connection trouble the subscription retries through. */
  onError: (error: unknown) => void;
}

/** A subscription that can tell an append when it has been handed the appended events. */
export interface EsdbSubscription extends Subscription {
  /**
   * Resolves once this subscriber has been handed the event at `position`, or
   * no longer holds up the caller: it is not caught up yet, is awaiting an
   * asynchronous handler, is closed, or `timeoutMs` passed.
   */
  handedOver(position: number, timeoutMs: number): Promise<void>;
}

type EventHandler = (event: RecordedEvent) => void | Promise<void>;

class HandlerFailure extends Error {}

const CHECKPOINT_EVERY_MS = 1000;

/** Starts delivering to `handler`; see the module comment. */
export function startEsdbSubscription(deps: SubscriptionDeps, handler: EventHandler, options: SubscribeOptions): EsdbSubscription {
  let closed = false;
  let caughtUp = false;
  let awaitingHandler = false;
  /** Position of the last event handed to the handler. */
  let handedTo = -1;
  /** Events before this position are not for this subscriber (its `fromPosition`); appends there need not wait. */
  let startsAt = Number.POSITIVE_INFINITY;
  /** The last raw `$all` event read: live events resume after it (undefined: from the start). */
  let cursor: Position | undefined;
  let live: { unsubscribe(): Promise<void>; destroy(): void } | undefined;
  const waiters = new Set<{ position: number; settle: () => void }>();
  let unsaved: number | undefined;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;

  function settleWaiters(): void {
    for (const waiter of waiters) if (closed || awaitingHandler || handedTo >= waiter.position || waiter.position < startsAt) waiter.settle();
  }

  async function hand(event: RecordedEvent): Promise<void> {
    if (closed || event.position <= handedTo) return;
    let outcome: unknown;
    try {
      outcome = handler(event);
      handedTo = event.position;
      if (isPromiseLike(outcome)) {
        awaitingHandler = true;
        settleWaiters();
        await outcome;
      }
    } catch (error) {
      throw new HandlerFailure(`Event subscription handler failed at position ${event.position}; the subscription is closed`, { cause: error });
    } finally {
      awaitingHandler = false;
    }
    settleWaiters();
    if (deps.checkpoint) saveSoon(event.position);
  }

  function saveSoon(position: number): void {
    unsaved = position;
    saveTimer ??= setTimeout(() => void flushCheckpoint(), CHECKPOINT_EVERY_MS);
  }

  async function flushCheckpoint(): Promise<void> {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    const position = unsaved;
    unsaved = undefined;
    if (position !== undefined) await deps.checkpoint?.save(position).catch(deps.onError);
  }

  async function catchUp(from: number): Promise<void> {
    for await (const page of deps.reader.pages(Math.max(from, handedTo + 1))) {
      for (const event of page.events) {
        if (closed) return;
        await hand(event);
      }
      if (page.last) cursor = page.last;
    }
    if (cursor === undefined && from > 0) {
      // Nothing at or after `from` yet: go live after the last event there is, or from the start of an empty store.
      cursor = await deps.reader.lastPosition();
      if (cursor !== undefined && cursor.commit >= BigInt(from)) {
        cursor = undefined; // written meanwhile: catch up again
        return catchUp(from);
      }
    }
  }

  async function followLive(from: number): Promise<void> {
    const subscription = deps.client.subscribeToAll({
      fromPosition: cursor ?? START,
      filter: streamNameFilter({ prefixes: [...deps.prefixes] }),
    });
    live = subscription;
    try {
      for await (const { event: raw } of subscription) {
        if (closed) return;
        if (!raw?.position || (cursor !== undefined && raw.position.commit <= cursor.commit)) continue;
        cursor = raw.position;
        if (!deps.inScope(raw.streamId)) continue;
        const event = toRecordedEvent(raw);
        if (event.position >= from) await hand(event);
      }
    } finally {
      live = undefined;
      void subscription.unsubscribe().catch(() => {});
    }
    if (!closed) throw new Error("EventStoreDB ended the $all subscription");
  }

  /** Runs `step` until it succeeds, retrying connection trouble with backoff; handler failures end the subscription. */
  async function withRetries(step: () => Promise<void>, forever: boolean): Promise<void> {
    let delay = deps.retryDelayMs;
    for (;;) {
      if (closed) return;
      try {
        await step();
        if (!forever) return;
        delay = deps.retryDelayMs;
      } catch (error) {
        if (error instanceof HandlerFailure) throw error;
        if (closed) return;
        deps.onError(error);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, deps.maxRetryDelayMs);
      }
    }
  }

  async function run(): Promise<void> {
    let from = options.fromPosition;
    if (from === undefined) {
      const saved = deps.checkpoint ? await deps.checkpoint.load() : undefined;
      from = saved === undefined ? 0 : saved + 1;
    }
    const start = from;
    startsAt = start;
    await withRetries(() => catchUp(start), false);
    if (closed) return;
    caughtUp = true;
    options.onCaughtUp?.();
    await withRetries(() => followLive(start), true);
  }

  run().catch((error: unknown) => {
    void close();
    // Like the other stores: nobody awaits delivery, so a failing handler becomes an unhandled rejection.
    void Promise.reject(error instanceof HandlerFailure ? error : new Error("Event subscription failed; it is closed", { cause: error }));
  });

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    settleWaiters();
    const subscription = live;
    live = undefined;
    if (subscription) {
      await subscription.unsubscribe().catch(() => {});
      subscription.destroy();
    }
    if (deps.checkpoint) await flushCheckpoint();
  }

  return {
    close,
    handedOver(position, timeoutMs) {
      if (closed || !caughtUp || awaitingHandler || handedTo >= position || position < startsAt) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const waiter = {
          position,
          settle: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve();
          },
        };
        const timer = setTimeout(waiter.settle, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
