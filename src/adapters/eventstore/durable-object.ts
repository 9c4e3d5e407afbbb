/**
 * The EventStore port on a Cloudflare Durable Object (durable-object-log.ts
 * holds the log; this is the client each worker isolate runs). Appends and
 * reads go to the object; subscriptions run here, on the shared catch-up hub
 * (subscriptions.ts), fed from the object.
 *
 * Appends made while one is on its way go together in the next request
 * (group commit): one round trip for many concurrent appends, each still
 * checked and stored on its own, in the order they were made.
 *
 * Read-your-writes as in the embedded stores: the events of this isolate's own
 * appends are kept (a bounded cache) and handed to caught-up subscribers
 * before the append resolves. Positions are dense from 0, so a gap below the
 * highest known position means events appended elsewhere (another isolate):
 * once no append of this isolate is in flight, the gap is read from the
 * object and delivered in order. `refresh()` asks the object for its head, so
 * an isolate sees other isolates' events without appending itself (the worker
 * entry calls it before each request).
 */
import { ConcurrencyError } from "../../domain/errors.ts";
import type { EventStore, RecordedEvent } from "../../domain/ports.ts";
import { assertValidExpected, deepFreeze } from "./append-rules.ts";
import type { AppendBatchResponse, AppendRequest, AppendResponse, ArmResponse, HeadResponse, Operation, ReadAllRequest, ReadResponse, ReadStreamRequest, WakeTokenResponse } from "./durable-object-protocol.ts";
import { operationUrl } from "./durable-object-protocol.ts";
import { createSubscriptionHub } from "./subscriptions.ts";

/** Appends per request at most, and roughly the bytes of their events (a request holds at least one append). */
const BATCH_APPENDS = 500;
const BATCH_BYTES = 8 * 1024 * 1024;

/** What the store needs of a Durable Object namespace binding (workerd's, or miniflare's proxy of it in Node). */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): { fetch(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<{ ok: boolean; status: number; text(): Promise<string> }> };
}

export interface DurableObjectEventStoreOptions {
  /** The binding of the `BatonEventLog` class. */
  namespace: DurableObjectNamespaceLike;
  /** The object's name; one log per name. Default `baton`. */
  name?: string;
  /** Own recent events kept for subscribers; older ones are read back from the object. Default 1000. */
  cacheEvents?: number;
}

/** The port, plus what the worker entry needs of the object besides events. */
export interface DurableObjectEventStore extends EventStore {
  /** Picks up events other isolates appended; answers the object's head (its next position). */
  refresh(): Promise<number>;
  /** Asks the object's alarm to wake the worker at `at` (epoch ms) unless it rings earlier already; answers the alarm set. */
  arm(at: number): Promise<number | null>;
  /** The secret the object's alarm sends with its wake-up call. */
  wakeToken(): Promise<string>;
}

/** Opens the log held by the object named `name` (created empty on first use). */
export async function openDurableObjectEventStore({ namespace, name = "baton", cacheEvents = 1000 }: DurableObjectEventStoreOptions): Promise<DurableObjectEventStore> {
  const id = namespace.idFromName(name);

  async function call<T>(operation: Operation, body: unknown): Promise<T> {
    // A stub per call: workerd binds a stub to the request it was made in, and refuses it to later requests.
    const response = await namespace.get(id as never).fetch(operationUrl(operation), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) {
      const message = (JSON.parse(text) as { message?: string }).message ?? text;
      if (response.status === 400) throw new RangeError(message);
      throw new Error(`The event log Durable Object "${name}" answered ${response.status} to ${operation}: ${message}`);
    }
    return JSON.parse(text) as T;
  }

  /** Every event of a read, following the object's pages. */
  async function readPages(first: ReadAllRequest | ReadStreamRequest, nextRequest: (last: RecordedEvent, left: number | undefined) => typeof first): Promise<RecordedEvent[]> {
    const operation: Operation = "streamId" in first ? "read-stream" : "read-all";
    const events: RecordedEvent[] = [];
    let request = first;
    for (;;) {
      const page = await call<ReadResponse>(operation, request);
      events.push(...page.events);
      const last = page.events.at(-1);
      if (!page.more || !last) return events;
      request = nextRequest(last, first.maxCount === undefined ? undefined : first.maxCount - events.length);
    }
  }

  /** Appends waiting for the request in flight to finish. */
  const waiting: { request: AppendRequest; bytes: number; settle: (outcome: { response?: AppendResponse; error?: unknown }) => void }[] = [];
  let sending = false;

  function sendAppend(request: AppendRequest): Promise<AppendResponse> {
    return new Promise((resolve, reject) => {
      const bytes = JSON.stringify(request.events).length;
      waiting.push({ request, bytes, settle: ({ response, error }) => (response ? resolve(response) : reject(error)) });
      if (!sending) void sendWaiting();
    });
  }

  async function sendWaiting(): Promise<void> {
    sending = true;
    while (waiting.length > 0) {
      let bytes = 0;
      let count = 0;
      while (count < waiting.length && count < BATCH_APPENDS && (count === 0 || bytes + waiting[count]!.bytes <= BATCH_BYTES)) bytes += waiting[count++]!.bytes;
      const batch = waiting.splice(0, count);
      try {
        const { results } = await call<AppendBatchResponse>("append", { appends: batch.map((entry) => entry.request) });
        batch.forEach((entry, index) => entry.settle({ response: results[index] }));
      } catch (error) {
        for (const entry of batch) entry.settle({ error });
      }
    }
    sending = false;
  }

  let known = (await call<HeadResponse>("head", {})).next;
  /** Events below this position may be delivered: they are in the object and this isolate knows it. */
  let visible = known;
  const cache = new Map<number, RecordedEvent>();
  let appending = 0;
  let filling = false;
  let closed = false;

  const hub = createSubscriptionHub({
    visibleCount: () => visible,
    eventAt: (position) => (position < visible ? cache.get(position) : undefined),
    readFrom: async (position, maxCount) => (await call<ReadResponse>("read-all", { fromPosition: position, maxCount: Math.min(maxCount, visible - position) })).events,
  });

  function remember(event: RecordedEvent): void {
    cache.set(event.position, event);
    for (const oldest of cache.keys()) {
      if (cache.size <= cacheEvents) break;
      cache.delete(oldest);
    }
  }

  /** Moves `visible` over the events at hand; reads a gap nobody here is about to fill. */
  function advance(): void {
    while (visible < known && cache.has(visible)) visible += 1;
    hub.deliver();
    if (visible < known && appending === 0 && !filling && !closed) void fillGap();
  }

  async function fillGap(): Promise<void> {
    filling = true;
    try {
      const read = await readPages({ fromPosition: visible }, (last) => ({ fromPosition: last.position + 1 }));
      for (const event of read) remember(deepFreeze(event));
      const last = read.at(-1);
      if (last) {
        known = Math.max(known, last.position + 1);
        visible = Math.max(visible, last.position + 1);
      }
    } finally {
      filling = false;
    }
    advance();
  }

  function assertOpen(): void {
    if (closed) throw new Error(`The Durable Object event store "${name}" is closed`);
  }

  return {
    async append(streamId, events, expected) {
      assertOpen();
      assertValidExpected(expected);
      appending += 1;
      let response: AppendResponse;
      try {
        response = await sendAppend({ streamId, events, expected });
      } finally {
        appending -= 1;
      }
      switch (response.kind) {
        case "invalid":
          throw new RangeError(response.message);
        case "conflict":
          advance();
          throw new ConcurrencyError(response.message, response.streamId, response.expected, response.actual);
        case "retried":
          advance();
          return response.result;
        case "appended": {
          const { result, created } = response;
          const firstPosition = result.position - events.length + 1;
          const firstRevision = result.nextExpectedRevision - events.length + 1;
          const copies = JSON.parse(JSON.stringify(events)) as typeof events;
          copies.forEach((event, index) =>
            remember(
              deepFreeze({
                id: event.id,
                streamId,
                revision: firstRevision + index,
                position: firstPosition + index,
                type: event.type,
                data: event.data ?? null,
                metadata: event.metadata ?? {},
                created,
              }),
            ),
          );
          known = Math.max(known, result.position + 1);
          advance();
          return result;
        }
        default: {
          const _exhaustive: never = response;
          throw new Error(`Unknown append answer ${JSON.stringify(_exhaustive)}`);
        }
      }
    },
    async readStream(streamId, options = {}) {
      assertOpen();
      const backwards = options.direction === "backwards";
      return readPages({ streamId, ...options }, (last, maxCount) => ({
        streamId,
        direction: options.direction,
        fromRevision: backwards ? last.revision - 1 : last.revision + 1,
        ...(maxCount === undefined ? {} : { maxCount }),
      }));
    },
    async readAll(options = {}) {
      assertOpen();
      return readPages({ ...options }, (last, maxCount) => ({ fromPosition: last.position + 1, ...(maxCount === undefined ? {} : { maxCount }) }));
    },
    subscribeToAll(handler, options) {
      assertOpen();
      return hub.subscribe(handler, options);
    },
    async refresh() {
      if (closed) return known;
      const head = (await call<HeadResponse>("head", {})).next;
      known = Math.max(known, head);
      advance();
      return head;
    },
    async arm(at) {
      assertOpen();
      return (await call<ArmResponse>("arm", { at })).alarm;
    },
    async wakeToken() {
      assertOpen();
      return (await call<WakeTokenResponse>("wake-token", {})).token;
    },
    async close() {
      closed = true;
      hub.closeAll();
    },
  };
}
