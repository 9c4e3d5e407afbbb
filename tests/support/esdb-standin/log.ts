/**
 * The stand-in's storage: one in-memory transaction log with EventStoreDB's
 * rules for expected revisions, idempotent writes, soft deletes and
 * tombstones, transcribed from EventStoreDB's `IndexWriter.CheckCommit`.
 * No gRPC here; `streams-service.ts` puts it on the wire.
 *
 * Positions imitate EventStoreDB's: byte offsets into the log, so they are
 * large, have gaps, and only record boundaries are valid read positions.
 * Every event's commit position equals its prepare position, as for
 * EventStoreDB's implicit (non-transactional) writes.
 */

/** What the writer believes about the stream. */
export type Expected =
  | { kind: "any" }
  | { kind: "no_stream" }
  | { kind: "stream_exists" }
  | { kind: "revision"; revision: bigint };

/** An event as the client proposes it. */
export interface ProposedEvent {
  /** Lower-case, hyphenated UUID. */
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
}

/** An event as stored, in `$all` order. */
export interface StoredEvent extends ProposedEvent {
  streamName: string;
  revision: bigint;
  /** Commit and prepare position (they are equal here). */
  position: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB reports `created`. */
  created: bigint;
}

export type WriteOutcome =
  | { kind: "success"; currentRevision: bigint | undefined; position: bigint | undefined }
  | { kind: "wrong_expected_version"; currentRevision: bigint | undefined }
  | { kind: "stream_deleted" }
  | { kind: "maximum_append_size_exceeded"; maxAppendSize: number };

export type StreamRead =
  | { kind: "events"; events: StoredEvent[] }
  | { kind: "not_found" }
  | { kind: "deleted" };

export type AllRead = { kind: "events"; events: StoredEvent[] } | { kind: "invalid_position" };

export type ReadFrom = { kind: "start" } | { kind: "end" } | { kind: "at"; value: bigint };

/** EventStoreDB's event number of a tombstone (`long.MaxValue`). */
export const TOMBSTONE_REVISION = (1n << 63n) - 1n;

interface StreamState {
  /** Index = revision. */
  events: StoredEvent[];
  /** Soft delete: revisions below this are hidden (`$tb` in the stream's metadata). */
  truncateBefore: number;
  softDeleted: boolean;
  tombstoned: boolean;
}

type CommitDecision =
  | { kind: "ok" }
  | { kind: "idempotent"; lastRevision: number }
  | { kind: "wrong_expected_version" }
  | { kind: "deleted" };

/** Where the first record goes: EventStoreDB's log starts with chunk and epoch records. */
const FIRST_RECORD = 128n;
const textBytes = (text: string) => Buffer.byteLength(text, "utf8");

export interface StandinLogOptions {
  /** EventStoreDB's `MaxAppendSize`: 1 MiB unless configured otherwise. */
  maxAppendSize?: number;
}

export type StandinLog = ReturnType<typeof createStandinLog>;

/** Creates an empty log (save for one system event, as a real server has some). */
export function createStandinLog(options: StandinLogOptions = {}) {
  const maxAppendSize = options.maxAppendSize ?? 1024 * 1024;
  const all: StoredEvent[] = [];
  const byPosition = new Map<bigint, number>();
  const streams = new Map<string, StreamState>();
  /** EventStoreDB's committed-events cache: event id -> where it was written (last write wins). */
  const committed = new Map<string, { streamName: string; revision: number }>();
  const listeners = new Set<(events: readonly StoredEvent[]) => void>();
  let end = FIRST_RECORD;

  function record(streamName: string, revision: bigint, event: ProposedEvent): StoredEvent {
    const stored: StoredEvent = {
      ...event,
      streamName,
      revision,
      position: end,
      created: BigInt(Date.now()) * 10_000n,
    };
    // Roughly a prepare record: header, names, data and metadata.
    end += 96n + BigInt(textBytes(streamName) + textBytes(event.type) + event.data.length + event.metadata.length);
    byPosition.set(stored.position, all.length);
    all.push(stored);
    return stored;
  }

  function publish(events: StoredEvent[]): void {
    for (const listener of listeners) listener(events);
  }

  function checkCommit(streamName: string, state: StreamState | undefined, expected: Expected, ids: string[]): CommitDecision {
    if (!state) {
      return expected.kind === "any" || expected.kind === "no_stream" ? { kind: "ok" } : { kind: "wrong_expected_version" };
    }
    if (state.tombstoned) return { kind: "deleted" };
    const current = state.events.length - 1;
    if (expected.kind === "stream_exists") {
      if (state.softDeleted) return { kind: "deleted" };
      if (current < 0) return { kind: "wrong_expected_version" };
    }
    if (expected.kind === "any" || expected.kind === "stream_exists") {
      // Idempotent when every id is already in this stream; a partial match is "corrupted idempotency".
      let lastRevision = -1;
      for (const [index, id] of ids.entries()) {
        const info = committed.get(id);
        if (!info || info.streamName !== streamName) return index === 0 ? { kind: "ok" } : { kind: "wrong_expected_version" };
        lastRevision = info.revision;
      }
      return ids.length === 0 ? { kind: "ok" } : { kind: "idempotent", lastRevision };
    }
    const expectedRevision = expected.kind === "no_stream" ? -1 : Number(expected.revision);
    if (expectedRevision < current) {
      let revision = expectedRevision;
      for (const id of ids) {
        revision += 1;
        if (state.events[revision]?.id === id) continue;
        const first = revision === expectedRevision + 1;
        if (first && expected.kind === "no_stream" && state.softDeleted) return { kind: "ok" };
        return { kind: "wrong_expected_version" };
      }
      return revision === expectedRevision ? { kind: "wrong_expected_version" } : { kind: "idempotent", lastRevision: revision };
    }
    if (expectedRevision > current) return { kind: "wrong_expected_version" };
    return { kind: "ok" };
  }

  function currentRevisionOf(state: StreamState | undefined): bigint | undefined {
    if (!state || state.events.length === 0) return undefined;
    return state.tombstoned ? TOMBSTONE_REVISION : BigInt(state.events.length - 1);
  }

  /** Appends `events` to `streamName` if `expected` holds; see EventStoreDB's rules above. */
  function write(streamName: string, expected: Expected, events: ProposedEvent[]): WriteOutcome {
    const size = events.reduce((sum, e) => sum + e.data.length + e.metadata.length + textBytes(e.type), 0);
    if (size > maxAppendSize) return { kind: "maximum_append_size_exceeded", maxAppendSize };
    const state = streams.get(streamName);
    const decision = checkCommit(streamName, state, expected, events.map((e) => e.id));
    switch (decision.kind) {
      case "deleted":
        return { kind: "stream_deleted" };
      case "wrong_expected_version":
        return { kind: "wrong_expected_version", currentRevision: currentRevisionOf(state) };
      case "idempotent": {
        const last = state!.events[decision.lastRevision]!;
        return { kind: "success", currentRevision: last.revision, position: last.position };
      }
      case "ok":
        break;
      default: {
        const _exhaustive: never = decision;
        return _exhaustive;
      }
    }
    if (events.length === 0) return { kind: "success", currentRevision: currentRevisionOf(state), position: undefined };
    const target = state ?? { events: [], truncateBefore: 0, softDeleted: false, tombstoned: false };
    streams.set(streamName, target);
    target.softDeleted = false;
    const stored = events.map((event) => {
      const revision = target.events.length;
      const recorded = record(streamName, BigInt(revision), event);
      target.events.push(recorded);
      committed.set(event.id, { streamName, revision });
      return recorded;
    });
    publish(stored);
    const last = stored.at(-1)!;
    return { kind: "success", currentRevision: last.revision, position: last.position };
  }

  /** Soft delete (`Delete`) or tombstone (`Tombstone`), with the expected-revision check of a write. */
  function deleteStream(streamName: string, expected: Expected, hard: boolean): WriteOutcome {
    const state = streams.get(streamName);
    const decision = checkCommit(streamName, state, expected, []);
    if (decision.kind === "deleted") return { kind: "stream_deleted" };
    if (decision.kind === "wrong_expected_version") return { kind: "wrong_expected_version", currentRevision: currentRevisionOf(state) };
    const target = state ?? { events: [], truncateBefore: 0, softDeleted: false, tombstoned: false };
    streams.set(streamName, target);
    let written: StoredEvent;
    if (hard) {
      target.tombstoned = true;
      written = record(streamName, TOMBSTONE_REVISION, emptyEvent("$streamDeleted"));
    } else {
      target.softDeleted = true;
      target.truncateBefore = target.events.length;
      const metadata = Buffer.from(JSON.stringify({ $tb: target.events.length }));
      written = record(`$$${streamName}`, 0n, { ...emptyEvent("$metadata"), contentType: "application/json", data: metadata });
    }
    publish([written]);
    return { kind: "success", currentRevision: undefined, position: written.position };
  }

  function readStream(streamName: string, from: ReadFrom, backwards: boolean, count: bigint): StreamRead {
    const state = streams.get(streamName);
    if (!state) return { kind: "not_found" };
    if (state.tombstoned) return { kind: "deleted" };
    const visibleFrom = Math.max(state.truncateBefore, firstWithinLimits(streamName, state));
    if (state.softDeleted || state.events.length <= visibleFrom) return { kind: "not_found" };
    const last = state.events.length - 1;
    const take = (first: number, lastIncluded: number) =>
      state.events.slice(Math.max(first, visibleFrom), Math.max(lastIncluded + 1, visibleFrom));
    if (!backwards) {
      if (from.kind === "end") return { kind: "events", events: [] };
      const first = from.kind === "at" ? clampToNumber(from.value) : 0;
      return { kind: "events", events: take(first, Math.min(last, first + clampToNumber(count) - 1)) };
    }
    // EventStoreDB reads backwards over [from - count + 1, from] and does not clamp `from` to the end.
    const top = from.kind === "end" ? last : from.kind === "start" ? 0 : clampToNumber(from.value);
    const bottom = Math.max(0, top - clampToNumber(count) + 1);
    return { kind: "events", events: take(bottom, Math.min(top, last)).reverse() };
  }

  /**
   * The first revision the stream's `$maxCount` and `$maxAge` (its latest
   * `$$<stream>` metadata) leave readable, as EventStoreDB hides older events
   * from stream reads before a scavenge removes them.
   */
  function firstWithinLimits(streamName: string, state: StreamState): number {
    const metadata = streams.get(`$$${streamName}`)?.events.at(-1);
    if (!metadata) return 0;
    let limits: { $maxCount?: unknown; $maxAge?: unknown };
    try {
      limits = JSON.parse(Buffer.from(metadata.data).toString("utf8"));
    } catch {
      return 0;
    }
    let first = typeof limits.$maxCount === "number" ? state.events.length - limits.$maxCount : 0;
    if (typeof limits.$maxAge === "number") {
      const oldestTicks = BigInt(Date.now() - limits.$maxAge * 1000) * 10_000n;
      while (first < state.events.length && state.events[Math.max(0, first)]!.created < oldestTicks) first = Math.max(0, first) + 1;
    }
    return Math.max(0, first);
  }

  /** Whether `position` is one EventStoreDB would accept: the start, the end, or a record boundary. */
  function isValidPosition(position: bigint): boolean {
    return position === 0n || position === end || byPosition.has(position);
  }

  /** `$all` from `from`: forwards inclusive of it, backwards exclusive; `filter` applied before `count`. */
  function readAll(from: ReadFrom, backwards: boolean, count: bigint, filter: (e: StoredEvent) => boolean): AllRead {
    if (from.kind === "at" && !isValidPosition(from.value)) return { kind: "invalid_position" };
    const events: StoredEvent[] = [];
    const step = backwards ? -1 : 1;
    let index: number;
    if (!backwards) index = from.kind === "end" ? all.length : from.kind === "start" ? 0 : indexAtOrAfter(from.value);
    else index = from.kind === "start" ? -1 : from.kind === "end" ? all.length - 1 : indexAtOrAfter(from.value) - 1;
    for (; index >= 0 && index < all.length && BigInt(events.length) < count; index += step) {
      const event = all[index]!;
      if (filter(event)) events.push(event);
    }
    return { kind: "events", events };
  }

  function indexAtOrAfter(position: bigint): number {
    const exact = byPosition.get(position);
    if (exact !== undefined) return exact;
    return position >= end ? all.length : all.findIndex((event) => event.position >= position);
  }

  /** The stream's events after `revision` (all visible ones for `undefined`), for a subscription's catch-up. */
  function streamEventsAfter(streamName: string, revision: bigint | undefined): StoredEvent[] | "deleted" {
    const state = streams.get(streamName);
    if (!state) return [];
    if (state.tombstoned) return "deleted";
    const first = Math.max(state.truncateBefore, revision === undefined ? 0 : clampToNumber(revision) + 1);
    return state.events.slice(first);
  }

  // A real server has system events in `$all` too (stats, settings); Baton must filter them out.
  record("$stats-127.0.0.1:2113", 0n, {
    ...emptyEvent("$statsCollected"),
    contentType: "application/json",
    data: Buffer.from(JSON.stringify({ "proc-startTime": new Date().toISOString() })),
  });
  streams.set("$stats-127.0.0.1:2113", { events: [all[0]!], truncateBefore: 0, softDeleted: false, tombstoned: false });

  return {
    write,
    deleteStream,
    readStream,
    readAll,
    streamEventsAfter,
    isValidPosition,
    /** Every stored event, in `$all` order. */
    events: (): readonly StoredEvent[] => all,
    /** The position the next record will take (EventStoreDB's writer checkpoint). */
    endPosition: () => end,
    /** Tells `listener` every batch of newly stored events, synchronously, in `$all` order. */
    onStored(listener: (events: readonly StoredEvent[]) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function emptyEvent(type: string): ProposedEvent {
  return { id: crypto.randomUUID(), type, contentType: "application/octet-stream", data: new Uint8Array(), metadata: new Uint8Array() };
}

function clampToNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
