/**
 * The `EventStore` port on EventStoreDB, through `@eventstore/db-client` (gRPC).
 * Node-only: import it from composition roots (src/api), never from
 * src/domain, src/projections or the portable app.
 *
 * - Appends carry the expected revision (`no_stream`, `stream_exists`, `any`
 *   or the revision as a BigInt); EventStoreDB's `WrongExpectedVersionError`
 *   becomes the domain's `ConcurrencyError`. Event ids are passed through
 *   (mapped to a UUID when they are not one, see esdb-events.ts), so a retried
 *   append is idempotent exactly as EventStoreDB makes it: the same ids at the
 *   same expected revision return the first result instead of a conflict.
 * - An append of no events checks the expectation against the stream's last
 *   event instead of writing (servers differ on empty writes).
 * - Data and metadata are JSON. Metadata comes back as given.
 * - Positions are EventStoreDB's `$all` commit positions as numbers: strictly
 *   increasing but neither dense nor 0-based, exact up to 2^53 bytes of log
 *   (esdb-events.ts). Reading `$all` from a position returns the events at
 *   positions >= it, also for positions between events (esdb-all.ts).
 * - `readAll` and `subscribeToAll` see only Baton's streams (`streamPrefixes`).
 * - Read-your-writes within the process: an append to one of those streams
 *   resolves once every caught-up subscription of this store that is not busy
 *   in an asynchronous handler has been handed the appended events (bounded by
 *   `deliveryTimeoutMs`), as the memory and file stores do synchronously.
 * - Subscriptions reconnect and resume after the server goes away
 *   (esdb-subscription.ts); appends and reads fail while it is away, and the
 *   client reconnects on the next call.
 */
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  DeadlineExceededError,
  NotLeaderError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError as EsdbUnavailableError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
} from "@eventstore/db-client";
import { ConcurrencyError, UnavailableError } from "../../domain/errors.ts";
import type { AppendResult, EventStore, ExpectedRevision, ReadStreamOptions, RecordedEvent } from "../../domain/ports.ts";
import { createAllReader } from "./esdb-all.ts";
import { BATON_STREAM_PREFIXES, positionNumber, toEventData, toRecordedEvent } from "./esdb-events.ts";
import { startEsdbSubscription, type CheckpointStore, type EsdbSubscription } from "./esdb-subscription.ts";

export { BATON_STREAM_PREFIXES } from "./esdb-events.ts";
export type { CheckpointStore } from "./esdb-subscription.ts";

/** Options of `openEsdbEventStore`. */
export interface EsdbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false`. */
  connectionString: string;
  /**
   * Keeps the position a subscription has handled, so a `subscribeToAll`
   * without `fromPosition` resumes after it (in a later run too). Meant for a
   * store with one subscriber. Without it such a subscription starts at 0;
   * either way a subscription resumes where it was after a reconnect.
   */
  checkpoint?: CheckpointStore;
  /** Streams `readAll` and `subscribeToAll` see: a stream registry's `prefixes`, the default registry's by default. */
  streamPrefixes?: readonly string[];
  /** Longest an append waits for this process's subscriptions to receive it; default 5000 ms. */
  deliveryTimeoutMs?: number;
  /** First delay before a subscription reconnects (doubling up to 5 s); default 100 ms. */
  retryDelayMs?: number;
  /** Told when a subscription loses the server and retries. */
  onSubscriptionError?: (error: unknown) => void;
}

/** Connects to EventStoreDB (failing fast when it cannot be reached) and returns the store. */
export async function openEsdbEventStore(options: EsdbEventStoreOptions): Promise<EventStore> {
  const prefixes = options.streamPrefixes ?? BATON_STREAM_PREFIXES;
  if (prefixes.length === 0) throw new RangeError("streamPrefixes must name at least one stream prefix");
  const inScope = (streamId: string) => prefixes.some((prefix) => streamId.startsWith(prefix));
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 5000;
  const client = EventStoreDBClient.connectionString(options.connectionString);
  const reader = createAllReader(client, inScope);
  const subscriptions = new Set<EsdbSubscription>();
  let closed = false;

  try {
    await reader.lastPosition();
  } catch (error) {
    await client.dispose();
    throw new Error(`Cannot reach EventStoreDB at ${withoutCredentials(options.connectionString)}: ${messageOf(error)}`, { cause: error });
  }

  function assertOpen(): void {
    if (closed) throw new Error("The EventStoreDB event store is closed");
  }

  /** A server that is away, too slow or no longer the leader: the caller may try again (REST answers 503), not a bug (500). */
  function unavailable(error: unknown): unknown {
    const transient =
      error instanceof EsdbUnavailableError || error instanceof DeadlineExceededError || error instanceof NotLeaderError || error instanceof TimeoutError;
    if (!transient) return error;
    return new UnavailableError(`EventStoreDB at ${withoutCredentials(options.connectionString)} is unavailable (${messageOf(error)}); try again`, { cause: error });
  }

  async function readStream(streamId: string, readOptions: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = readOptions.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return [];
    const backwards = readOptions.direction === "backwards";
    let fromRevision = readOptions.fromRevision;
    if (backwards && fromRevision !== undefined) {
      // EventStoreDB reads backwards over [from - maxCount + 1, from] without clamping `from` to the stream's end.
      const [last] = await readStream(streamId, { direction: "backwards", maxCount: 1 });
      if (!last) return [];
      fromRevision = Math.min(fromRevision, last.revision);
    }
    const events: RecordedEvent[] = [];
    try {
      const stream = client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: fromRevision === undefined ? (backwards ? END : START) : BigInt(Math.max(0, fromRevision)),
        maxCount,
      });
      for await (const { event } of stream) if (event) events.push(toRecordedEvent(event));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw unavailable(error);
    }
    return events;
  }

  /** An empty append only checks the expectation; EventStoreDB servers differ on what an empty write does. */
  async function checkExpectation(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [last] = await readStream(streamId, { direction: "backwards", maxCount: 1 });
    const revision = last?.revision ?? -1;
    const holds =
      expected === "any" || (expected === "no_stream" ? revision < 0 : expected === "stream_exists" ? revision >= 0 : expected === revision);
    if (!holds) throw conflict(streamId, expected, revision < 0 ? "no_stream" : revision);
    return { nextExpectedRevision: revision, position: last?.position ?? -1 };
  }

  async function positionOfRevision(streamId: string, revision: number): Promise<number> {
    const [event] = await readStream(streamId, { fromRevision: revision, maxCount: 1 });
    if (!event) throw new Error(`EventStoreDB reported revision ${revision} of "${streamId}" but it cannot be read`);
    return event.position;
  }

  return {
    async append(streamId, events, expected) {
      assertOpen();
      if (typeof expected === "number" && !(Number.isInteger(expected) && expected >= 0)) {
        throw new RangeError(`Expected revision must be a revision (an integer >= 0), "no_stream", "stream_exists" or "any"; got ${expected}`);
      }
      if (events.length === 0) return checkExpectation(streamId, expected);
      let written;
      try {
        written = await client.appendToStream(streamId, events.map(toEventData), { expectedRevision: toExpectedRevision(expected) });
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          const actual = error.actualVersion;
          throw conflict(streamId, expected, typeof actual === "bigint" ? Number(actual) : "no_stream");
        }
        throw unavailable(error);
      }
      const nextExpectedRevision = Number(written.nextExpectedRevision);
      // Servers that answer an idempotent retry without a position get it read back.
      const position = written.position ? positionNumber(written.position) : await positionOfRevision(streamId, nextExpectedRevision);
      if (inScope(streamId)) await Promise.all([...subscriptions].map((s) => s.handedOver(position, deliveryTimeoutMs)));
      return { nextExpectedRevision, position };
    },
    async readStream(streamId, readOptions) {
      assertOpen();
      return readStream(streamId, readOptions);
    },
    async readAll(readOptions = {}) {
      assertOpen();
      const maxCount = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
      const events: RecordedEvent[] = [];
      if (maxCount <= 0) return events;
      try {
        for await (const page of reader.pages(readOptions.fromPosition ?? 0, () => maxCount - events.length)) {
          for (const event of page.events) if (events.length < maxCount) events.push(event);
          if (events.length >= maxCount) break;
        }
      } catch (error) {
        throw unavailable(error);
      }
      return events;
    },
    async limitStream(streamId, limits) {
      assertOpen();
      // `$maxAge` / `$maxCount`: the server hides older events from reads at once and frees them at its next scavenge.
      await client.setStreamMetadata(streamId, { maxAge: limits.maxAgeSeconds, maxCount: limits.maxCount });
    },
    subscribeToAll(handler, subscribeOptions = {}) {
      assertOpen();
      const subscription = startEsdbSubscription(
        {
          client,
          reader,
          prefixes,
          inScope,
          checkpoint: options.checkpoint,
          retryDelayMs: options.retryDelayMs ?? 100,
          maxRetryDelayMs: 5000,
          onError: options.onSubscriptionError ?? (() => {}),
        },
        handler,
        subscribeOptions,
      );
      subscriptions.add(subscription);
      return {
        async close() {
          subscriptions.delete(subscription);
          await subscription.close();
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.close()));
      subscriptions.clear();
      await client.dispose();
    },
  };
}

function toExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case "any":
      return ANY;
    case "no_stream":
      return NO_STREAM;
    case "stream_exists":
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

function conflict(streamId: string, expected: ExpectedRevision, actual: number | "no_stream"): ConcurrencyError {
  const wanted = typeof expected === "number" ? `revision ${expected}` : `"${expected}"`;
  const found = actual === "no_stream" ? "does not exist" : `is at revision ${actual}`;
  return new ConcurrencyError(`Stream "${streamId}": expected ${wanted}, but it ${found}`, streamId, expected, actual);
}

/** The connection string without `user:password@`, for messages. */
function withoutCredentials(connectionString: string): string {
  return connectionString.replace(/^(esdb(?:\+discover)?:\/\/)[^@/]*@/, "$1");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
