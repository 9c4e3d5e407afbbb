/**
 * Translations between Baton's events and EventStoreDB's: event ids, data and
 * metadata, stream revisions and `$all` positions. Node-only (see esdb.ts).
 *
 * Positions: Baton's `position` is EventStoreDB's `$all` commit position as a
 * number. EventStoreDB positions are byte offsets into its transaction log:
 * strictly increasing in `$all` order and unique per event, because every
 * append through gRPC is an implicit transaction whose events each commit at
 * their own log position (commit == prepare). They are not dense (gaps of at
 * least one record's size) and do not start at 0. A number holds them exactly
 * up to 2^53 bytes (8 PiB) of log; beyond that `positionNumber` refuses rather
 * than round. Events written by legacy TCP explicit transactions share one
 * commit position; Baton never writes those, and they fall outside its streams.
 */
import { createHash } from "node:crypto";
import { jsonEvent, type JSONEventData, type Position, type RecordedEvent as EsdbRecordedEvent } from "@eventstore/db-client";
import type { EventMetadata, NewEvent, RecordedEvent } from "../../domain/ports.ts";
import { defaultStreamRegistry } from "../../projections/stream-categories.ts";

/** Baton's streams: the stream registry's prefixes; `$all` reads and subscriptions see only these. */
export const BATON_STREAM_PREFIXES: readonly string[] = defaultStreamRegistry.prefixes;

/**
 * Metadata key that carries an event id EventStoreDB could not take as it is
 * (it requires a UUID); stripped again when the event is read.
 */
export const ORIGINAL_ID_KEY = "batonEventId";

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/**
 * The EventStoreDB event id for `id`: the id itself when it is a lower-case
 * UUID (the engine's are), else a UUID derived from it (SHA-1, version-5
 * layout). Either way the same `id` maps to the same UUID, so EventStoreDB's
 * idempotency by event id applies to retried appends.
 */
export function esdbEventId(id: string): string {
  if (CANONICAL_UUID.test(id) && id !== NIL_UUID) return id;
  const digest = createHash("sha1").update(`baton-event-id:${id}`).digest();
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A new event as the client sends it: JSON data, JSON metadata (plus the original id when it needed mapping). */
export function toEventData(event: NewEvent): JSONEventData {
  const id = esdbEventId(event.id);
  const metadata = id === event.id ? event.metadata : { ...event.metadata, [ORIGINAL_ID_KEY]: event.id };
  return jsonEvent({ id, type: event.type, data: (event.data ?? null) as JSONEventData["data"], metadata });
}

/** An event read from EventStoreDB in the port's shape. */
export function toRecordedEvent(event: EsdbRecordedEvent): RecordedEvent {
  if (!event.position) throw new Error(`EventStoreDB returned event ${event.id} of "${event.streamId}" without a position`);
  const stored = isPlainObject(event.metadata) ? { ...(event.metadata as EventMetadata) } : {};
  const original = stored[ORIGINAL_ID_KEY];
  delete stored[ORIGINAL_ID_KEY];
  return {
    id: typeof original === "string" ? original : event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: positionNumber(event.position),
    type: event.type,
    data: event.data,
    metadata: stored,
    created: event.created.getTime(),
  };
}

/** EventStoreDB's position of the event at Baton position `position` (see the module comment). */
export function toPosition(position: number): Position {
  const value = BigInt(position);
  return { commit: value, prepare: value };
}

/** Baton's position for an EventStoreDB position; refuses positions a number cannot hold exactly. */
export function positionNumber(position: Position): number {
  if (position.commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`EventStoreDB commit position ${position.commit} is beyond 2^53 and cannot be a Baton position`);
  }
  return Number(position.commit);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
