import type { IHeaders, KafkaMessage } from "kafkajs";
import type { BusMessage } from "../../domain/ports.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export type Decoded = { ok: true; message: BusMessage } | { ok: false; reason: string };

function text(value: Buffer | string): string {
  return typeof value === "string" ? value : utf8.decode(value);
}

/**
 * A Kafka record as a bus message: key, value and headers as UTF-8 text. A
 * record without a value (a tombstone) or with bytes that are not UTF-8 cannot
 * be handed to a handler; the reason says which part failed. A header sent
 * more than once keeps its last value.
 */
export function decodeRecord(record: KafkaMessage): Decoded {
  if (record.value === null) return { ok: false, reason: "the record has no value (a tombstone)" };
  let value: string;
  try {
    value = text(record.value);
  } catch {
    return { ok: false, reason: "the record's value is not valid UTF-8 text" };
  }
  let key: string | undefined;
  try {
    key = record.key === null ? undefined : text(record.key);
  } catch {
    return { ok: false, reason: "the record's key is not valid UTF-8 text" };
  }
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(record.headers ?? {})) {
    const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (last === undefined) continue;
    try {
      headers[name] = text(last);
    } catch {
      return { ok: false, reason: `the record's header '${name}' is not valid UTF-8 text` };
    }
  }
  return { ok: true, message: { ...(key === undefined ? {} : { key }), value, headers } };
}

/** Why a record went to the dead-letter topic: it could not be decoded, or its handler kept failing. */
export type DeadLetterKind = "decode" | "handler";

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  groupId: string;
}

/** Headers that Baton adds to a dead-lettered record, beside the record's own (kept as sent). */
export const DEAD_LETTER_HEADERS = {
  reason: "dlqReason",
  kind: "dlqKind",
  topic: "dlqTopic",
  partition: "dlqPartition",
  offset: "dlqOffset",
  groupId: "dlqGroupId",
  attempts: "dlqAttempts",
  at: "dlqAt",
} as const;

/** The dead-letter copy of `record`: same key, value bytes and headers, plus where it came from and why. */
export function deadLetterRecord(
  record: KafkaMessage,
  source: DeadLetterSource,
  kind: DeadLetterKind,
  reason: string,
  attempts: number,
  at: number,
): { key: Buffer | null; value: Buffer | null; headers: IHeaders } {
  const h = DEAD_LETTER_HEADERS;
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [h.reason]: reason.length > 2000 ? `${reason.slice(0, 2000)}...` : reason,
      [h.kind]: kind,
      [h.topic]: source.topic,
      [h.partition]: String(source.partition),
      [h.offset]: source.offset,
      [h.groupId]: source.groupId,
      [h.attempts]: String(attempts),
      [h.at]: new Date(at).toISOString(),
    },
  };
}
