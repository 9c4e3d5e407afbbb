import * as v from "valibot";
import { issuePath } from "../definitions/validate.ts";
import { DEFAULT_MAX_JSON_DEPTH, depthExcessMessage, jsonTextDepthExcess } from "../json-depth.ts";

/**
 * A completion event as the seed system's microservices publish it on
 * `conductor-events`: which workflow (and optionally which task) it is for,
 * what happened (`eventType`), and the result (`data.status` plus any output).
 */
export const CompletionEventSchema = v.looseObject({
  workflowId: v.pipe(v.string("workflowId is required and must be a string"), v.trim(), v.nonEmpty("workflowId must not be empty")),
  eventType: v.pipe(v.string("eventType is required and must be a string"), v.trim(), v.nonEmpty("eventType must not be empty")),
  taskId: v.optional(v.nullable(v.string("taskId must be a string"))),
  taskRefName: v.optional(v.nullable(v.string("taskRefName must be a string"))),
  data: v.optional(v.nullable(v.record(v.string(), v.unknown(), "data must be a JSON object"))),
});

export interface CompletionEvent {
  workflowId: string;
  eventType: string;
  taskId?: string;
  taskRefName?: string;
  /** The reply's payload; becomes the task's output. */
  data: Record<string, unknown>;
}

/** A completion event, or why the message is not one. */
export type ParsedCompletion = { ok: true; value: CompletionEvent } | { ok: false; reason: string };

const blankToUndefined = (value: string | null | undefined) => (value === null || value === undefined || value.trim() === "" ? undefined : value.trim());

/** Parses a bus message's text; the reason names the field and what was expected (or where it nests too deep). */
export function parseCompletion(text: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): ParsedCompletion {
  const excess = jsonTextDepthExcess(text, maxDepth);
  if (excess !== undefined) return { ok: false, reason: depthExcessMessage(excess) };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return { ok: false, reason: "expected a JSON object {workflowId, eventType, data}" };
  }
  const result = v.safeParse(CompletionEventSchema, json);
  if (!result.success) {
    const reason = result.issues.map((issue) => {
      const path = issuePath(issue);
      const missing = issue.input === undefined && issue.message.startsWith("Invalid key");
      return missing ? `${path} is required` : `${path}: ${issue.message}`;
    });
    return { ok: false, reason: reason.join("; ") };
  }
  const { workflowId, eventType, taskId, taskRefName, data } = result.output;
  const value: CompletionEvent = { workflowId, eventType, data: data ?? {} };
  const id = blankToUndefined(taskId);
  const ref = blankToUndefined(taskRefName);
  if (id !== undefined) value.taskId = id;
  if (ref !== undefined) value.taskRefName = ref;
  return { ok: true, value };
}

/** What a completion does to its task: `data.status` failed/error (any case) fails it, anything else completes it. */
export type CompletionOutcome = { status: "COMPLETED" } | { status: "FAILED"; reason: string };

/**
 * Where a failed reply carries the service's words, first found wins: the seed's
 * services send `error_message`; others send `message`, `error` or `reason`.
 */
export const FAILURE_MESSAGE_FIELDS = ["error_message", "errorMessage", "message", "error", "reason"] as const;

const isBlank = (value: unknown) => value === undefined || value === null || (typeof value === "string" && value.trim() === "");

export function completionOutcome(completion: CompletionEvent): CompletionOutcome {
  const status = completion.data.status;
  const failed = typeof status === "string" && ["failed", "error"].includes(status.trim().toLowerCase());
  if (!failed) return { status: "COMPLETED" };
  const field = FAILURE_MESSAGE_FIELDS.find((name) => !isBlank(completion.data[name]));
  const explanation = field === undefined ? undefined : completion.data[field];
  const reason =
    explanation === undefined
      ? `${completion.eventType} reported status '${String(status)}'`
      : typeof explanation === "string"
        ? explanation
        : JSON.stringify(explanation);
  return { status: "FAILED", reason };
}
