/**
 * The file store's record format: one append call per line,
 *
 *     <crc32 of the JSON bytes, 8 lowercase hex digits> <JSON of an EventBatch>\n
 *
 * One line per call makes a batch atomic: a crash tears at most the last
 * line, and the checksum tells a torn or damaged line from a written one.
 * JSON never contains a raw newline, so lines need no escaping.
 */
import { crc32 } from "node:zlib";
import type { EventBatch } from "./event-log.ts";

const SPACE = 0x20;
const NEWLINE = Buffer.from("\n", "latin1");
const CHECKSUM = /^[0-9a-f]{8}$/;

/** A record's checksum and JSON are intact (its content is checked by `asEventBatch`). */
export type DecodedRecord = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Serializes a batch as one line. Also returns the batch as it will read back
 * from disk (JSON semantics: `undefined` dropped, dates as strings), which is
 * what the store keeps in memory, so nothing changes across a restart.
 */
export function encodeRecord(batch: EventBatch): { line: Buffer; readBack: EventBatch } {
  const json = JSON.stringify(batch);
  const body = Buffer.from(json, "utf8");
  const header = Buffer.from(`${crc32(body).toString(16).padStart(8, "0")} `, "latin1");
  return { line: Buffer.concat([header, body, NEWLINE]), readBack: JSON.parse(json) as EventBatch };
}

/** Checks the framing and checksum of one line (without its newline) and parses its JSON. */
export function decodeRecord(line: Buffer): DecodedRecord {
  if (line.length < 10 || line[8] !== SPACE) return { ok: false, reason: "malformed record header" };
  const checksum = line.toString("latin1", 0, 8);
  if (!CHECKSUM.test(checksum)) return { ok: false, reason: "malformed checksum" };
  const body = line.subarray(9);
  if (crc32(body) !== Number.parseInt(checksum, 16)) return { ok: false, reason: "checksum mismatch" };
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) };
  } catch {
    return { ok: false, reason: "unparsable JSON" };
  }
}

/**
 * Narrows a decoded record to an EventBatch. A record with a valid checksum
 * but the wrong shape was written that way (a bug, or another format), not
 * torn by a crash, so this throws rather than report damage.
 */
export function asEventBatch(value: unknown): EventBatch {
  if (!isObject(value)) throw new Error("record is not a JSON object");
  const { streamId, revision, position, events } = value;
  if (typeof streamId !== "string") throw new Error("record has no string streamId");
  if (!isIndex(revision) || !isIndex(position)) throw new Error("record has no valid revision and position");
  if (!Array.isArray(events) || events.length === 0) throw new Error("record has no events");
  events.forEach((event: unknown, index) => {
    const valid =
      isObject(event) &&
      typeof event.id === "string" &&
      typeof event.type === "string" &&
      isObject(event.metadata) &&
      typeof event.created === "number";
    if (!valid) throw new Error(`event ${index} of the record lacks id, type, metadata or created`);
  });
  return value as unknown as EventBatch;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isIndex(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
