import { NotFoundError, ValidationError } from "../domain/errors.ts";
import type { RecordedEvent } from "../domain/ports.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import { foldWorkflow } from "../domain/workflow/evolve.ts";
import { toWorkflowJson } from "./conductor-json.ts";

/** A past point of one workflow: after the event at `revision`, or as it was at `time`. */
export type PointInTime = { revision: number } | { time: number | string };

/**
 * ISO 8601 with an explicit zone (or a bare date, which is UTC): a local time
 * would depend on the machine's time zone, so it is refused.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** Epoch ms from epoch ms (number or digits) or an ISO 8601 instant; undefined when neither. */
export function parseInstant(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return parseInstant(Number(text));
  if (!ISO_INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function invalid(path: string, message: string, invalidValue: unknown): ValidationError {
  return new ValidationError(`${path}: ${message}`, [{ path, message, invalidValue }]);
}

/**
 * The prefix of one workflow's stream that existed at `at`: events up to and
 * including `revision`, or every event the store recorded at or before `time`.
 * Throws a ValidationError naming `revision` or `time` when the point is not
 * in the workflow's life.
 */
export function eventsUpTo(events: readonly RecordedEvent[], at: PointInTime): RecordedEvent[] {
  const first = events[0];
  if (first === undefined) throw new NotFoundError("The workflow has no events");
  const last = events.length - 1;
  if ("revision" in at) {
    if (!Number.isInteger(at.revision) || at.revision < 0 || at.revision > last) {
      throw invalid("revision", `expected a whole number from 0 to ${last} (the workflow's last revision)`, at.revision);
    }
    return events.slice(0, at.revision + 1);
  }
  const time = parseInstant(at.time);
  if (time === undefined) {
    throw invalid("time", "expected an ISO 8601 instant with a zone (e.g. 2024-05-01T12:00:00Z) or epoch milliseconds", at.time);
  }
  if (time < first.created) {
    throw invalid(
      "time",
      `${new Date(time).toISOString()} is before the workflow started (${new Date(first.created).toISOString()})`,
      at.time,
    );
  }
  const count = events.findIndex((event) => event.created > time);
  return count < 0 ? [...events] : events.slice(0, count);
}

/** The workflow's Conductor JSON as it was at `at`, folded from its stream's prefix. */
export function stateAt(events: readonly RecordedEvent[], at: PointInTime): Record<string, unknown> {
  const prefix = eventsUpTo(events, at);
  return toWorkflowJson(foldWorkflow(prefix.map((event) => event as unknown as WorkflowEvent)));
}
