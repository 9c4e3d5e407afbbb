import { type ExpressionDocument, resolveValue } from "../expressions.ts";
import { DEFAULT_MAX_JSON_DEPTH, jsonTextDepthExcess } from "../json-depth.ts";
import type { Evaluation } from "../ports.ts";
import type { ResolvedTaskDetails } from "./events.ts";
import type { EventHandlerAction } from "./schema.ts";

/** An action with every `${...}` resolved against the message, ready to run. */
export type ResolvedAction =
  | {
      action: "start_workflow";
      name: string;
      version?: number;
      input: Record<string, unknown>;
      correlationId?: string;
      taskToDomain: Record<string, string>;
    }
  | { action: "complete_task"; task: ResolvedTaskDetails }
  | { action: "fail_task"; task: ResolvedTaskDetails }
  | { action: "terminate_workflow"; workflowId: string; terminationReason?: string }
  | { action: "update_workflow_variables"; workflowId: string; variables: Record<string, unknown>; appendArray: boolean };

/** Where the message came from; Conductor adds both to started workflows' input and completed tasks' output. */
export interface MessageOrigin {
  messageId: string;
  /** The handler's event string. */
  event: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** A message body: JSON when it parses, else the raw text (as Conductor does). */
export function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Conductor's `JsonUtils.expand`: string values that hold a JSON object or
 * array (`"{...}"`, `"[...]"`) become that object or array, at any depth.
 */
export function expandInlineJson(value: unknown, maxDepth = DEFAULT_MAX_JSON_DEPTH): unknown {
  return expandWithin(value, maxDepth, 0);
}

// The message was refused when nested deeper than maxDepth; a string holding JSON that would
// take the expanded value past it stays a string, so expanding never recurses without bound.
function expandWithin(value: unknown, maxDepth: number, depth: number): unknown {
  if (depth >= maxDepth) return value;
  if (Array.isArray(value)) return value.map((item) => expandWithin(item, maxDepth, depth + 1));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expandWithin(item, maxDepth, depth + 1)]));
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
    if (jsonTextDepthExcess(trimmed, maxDepth - depth) !== undefined) return value;
    try {
      return expandWithin(JSON.parse(trimmed), maxDepth, depth);
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * The document `${...}` reads: Conductor runs JsonPath over the message, so
 * `${orderId}` and `${data.id}` read the payload's own keys. `$` is the
 * payload too, so `${$.orderId}` and `${$[0]}` work as in Jayway JsonPath.
 */
export function payloadDocument(payload: unknown): ExpressionDocument {
  if (isObject(payload)) return "$" in payload ? { ...payload } : { ...payload, $: payload };
  return { $: payload };
}

/** Conductor's `ScriptEvaluator.toBoolean`: a boolean as is, a number when > 0, anything else false. */
export function conditionMet(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value > 0;
  return false;
}

/** A resolved id-like value as text; nothing for null, undefined, "" and objects. */
function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function resolvedObject(value: unknown, document: ExpressionDocument): Record<string, unknown> {
  const resolved = resolveValue(value ?? {}, document);
  return isObject(resolved) ? resolved : {};
}

function requiredText(field: string, template: string, document: ExpressionDocument): Evaluation<string> {
  const value = asText(resolveValue(template, document));
  return value === undefined
    ? { ok: false, error: `${field} '${template}' resolved to nothing from the message` }
    : { ok: true, value };
}

/**
 * Resolves an action's `${...}` against the message payload the way Conductor's
 * `SimpleActionProcessor` does: start_workflow `name` and `version` literally,
 * its input and correlationId resolved; every complete_task / fail_task field
 * resolved, and the task output = those fields + `output` + the message origin.
 */
export function resolveAction(action: EventHandlerAction, payload: unknown, origin: MessageOrigin): Evaluation<ResolvedAction> {
  const document = payloadDocument(action.expandInlineJSON ? expandInlineJson(payload) : payload);
  const originFields = { "conductor.event.messageId": origin.messageId, "conductor.event.name": origin.event };
  switch (action.action) {
    case "start_workflow": {
      const params = action.start_workflow;
      const fromPayload = isObject(payload) && isObject(payload.taskToDomain) ? payload.taskToDomain : {};
      const taskToDomain =
        params.taskToDomain && Object.keys(params.taskToDomain).length > 0
          ? params.taskToDomain
          : Object.fromEntries(Object.entries(fromPayload).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
      return {
        ok: true,
        value: {
          action: "start_workflow",
          name: params.name,
          version: params.version ?? undefined,
          input: { ...resolvedObject(params.input, document), ...originFields },
          correlationId: params.correlationId ? asText(resolveValue(params.correlationId, document)) : undefined,
          taskToDomain,
        },
      };
    }
    case "complete_task":
    case "fail_task": {
      const params = action.action === "complete_task" ? action.complete_task : action.fail_task;
      const text = (template: string | null | undefined) => (template ? asText(resolveValue(template, document)) : undefined);
      const identity = {
        workflowId: text(params.workflowId),
        taskRefName: text(params.taskRefName),
        taskId: text(params.taskId),
        reasonForIncompletion: text(params.reasonForIncompletion),
      };
      if (!identity.taskId && !(identity.workflowId && identity.taskRefName)) {
        return {
          ok: false,
          error: `${action.action}: taskId, or workflowId and taskRefName, resolved to nothing from the message`,
        };
      }
      const present = Object.fromEntries(Object.entries(identity).filter(([, value]) => value !== undefined));
      const task = { ...present, output: { ...present, ...resolvedObject(params.output, document), ...originFields } };
      return { ok: true, value: action.action === "complete_task" ? { action: "complete_task", task } : { action: "fail_task", task } };
    }
    case "terminate_workflow": {
      const params = action.terminate_workflow;
      const workflowId = requiredText("terminate_workflow.workflowId", params.workflowId, document);
      if (!workflowId.ok) return workflowId;
      const reason = params.terminationReason ? asText(resolveValue(params.terminationReason, document)) : undefined;
      return { ok: true, value: { action: "terminate_workflow", workflowId: workflowId.value, terminationReason: reason } };
    }
    case "update_workflow_variables": {
      const params = action.update_workflow_variables;
      const workflowId = requiredText("update_workflow_variables.workflowId", params.workflowId, document);
      if (!workflowId.ok) return workflowId;
      return {
        ok: true,
        value: {
          action: "update_workflow_variables",
          workflowId: workflowId.value,
          variables: resolvedObject(params.variables, document),
          appendArray: params.appendArray ?? false,
        },
      };
    }
    default: {
      const _exhaustive: never = action;
      return _exhaustive;
    }
  }
}

/**
 * The variables to set: with `appendArray`, a value for a variable that
 * already holds an array is appended to it (an array value is concatenated);
 * otherwise values replace, key by key.
 */
export function variablesToSet(
  current: Record<string, unknown>,
  update: Record<string, unknown>,
  appendArray: boolean,
): Record<string, unknown> {
  if (!appendArray) return update;
  return Object.fromEntries(
    Object.entries(update).map(([key, value]) => {
      const existing = current[key];
      if (!Array.isArray(existing)) return [key, value];
      return [key, existing.concat(Array.isArray(value) ? value : [value])];
    }),
  );
}
