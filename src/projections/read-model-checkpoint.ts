/**
 * Read models as text and back, for checkpoints (ports.ts `CheckpointStore`).
 * Models are plain data and Maps, so one Map-aware JSON encoding serves every
 * category's projection, built-in or not. A checkpoint names its format and the
 * registry's prefixes; one that does not match is refused (the caller rebuilds).
 */
import { createReadModels, type ReadModels } from "./read-models.ts";
import type { StreamRegistry } from "./stream-registry.ts";

/** Bumped whenever the shape of a read model changes. */
export const CHECKPOINT_FORMAT = 1;

const MAP_TAG = "$map";

/** The read models (and what the caller keeps beside them) as one JSON text. */
export function encodeCheckpoint(models: ReadModels, registry: StreamRegistry, extra: unknown): string {
  const body = { format: CHECKPOINT_FORMAT, prefixes: registry.prefixes, models, extra };
  return JSON.stringify(body, (_key, value) => (value instanceof Map ? { [MAP_TAG]: [...value] } : value));
}

/** The read models of a checkpoint, or why it cannot be used. */
export type DecodedCheckpoint = { ok: true; models: ReadModels; extra: unknown } | { ok: false; reason: string };

export function decodeCheckpoint(text: string, registry: StreamRegistry): DecodedCheckpoint {
  let body: { format?: unknown; prefixes?: unknown; models?: unknown; extra?: unknown };
  try {
    body = JSON.parse(text, (_key, value) =>
      value !== null && typeof value === "object" && Array.isArray(value[MAP_TAG]) && Object.keys(value).length === 1 ? new Map(value[MAP_TAG]) : value,
    );
  } catch (error) {
    return { ok: false, reason: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (body.format !== CHECKPOINT_FORMAT) return { ok: false, reason: `format ${String(body.format)}, expected ${CHECKPOINT_FORMAT}` };
  if (JSON.stringify(body.prefixes) !== JSON.stringify(registry.prefixes)) {
    return { ok: false, reason: "written for other stream categories" };
  }
  const models = body.models as Partial<ReadModels> | undefined;
  if (!models || typeof models.position !== "number") return { ok: false, reason: "read models missing" };
  const missing = Object.keys(createReadModels(registry)).filter((field) => !(field in models));
  if (missing.length > 0) return { ok: false, reason: `read models incomplete: no ${missing.join(", ")}` };
  // Format and categories match the ones this process writes.
  return { ok: true, models: models as ReadModels, extra: body.extra };
}
