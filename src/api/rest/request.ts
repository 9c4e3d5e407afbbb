import type { Context } from "hono";
import { traceparentOf } from "../observability/request-context.ts";
import type * as v from "valibot";
import { ValidationError } from "../../domain/errors.ts";
import type { EventSource } from "../../domain/ports.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import { checkJsonTextDepth, limitsOf } from "../input-limits.ts";

/** Reads the JSON body, or throws a 400 naming the problem (empty, malformed, nested too deep). */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") {
    throw new ValidationError("Request body is empty; expected JSON", [{ path: "(body)", message: "expected a JSON body" }]);
  }
  checkJsonTextDepth(text, limitsOf(c).maxJsonDepth);
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`Malformed JSON in request body: ${detail}`, [{ path: "(body)", message: `malformed JSON: ${detail}` }]);
  }
}

/** Reads and validates the JSON body against a schema. */
export async function validBody<S extends v.GenericSchema>(c: Context, schema: S, what: string): Promise<v.InferOutput<S>> {
  return parseOrThrow(schema, await jsonBody(c), what);
}

/** An optional whole-number query parameter, with a clear error when it is not one. */
export function intQuery(c: Context, name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${name}: expected a whole number between ${min} and ${max}, got '${raw}'`, [
      { path: name, message: `expected a whole number between ${min} and ${max}`, invalidValue: raw },
    ]);
  }
  return value;
}

// Spring's StringToBooleanConverter, which reads Conductor's boolean query parameters:
// trimmed, any case. The Python SDK sends `True` / `False`.
const TRUE_WORDS = new Set(["true", "on", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "off", "no", "0"]);

/**
 * A boolean as Conductor (Spring) reads one from a query string: true/on/yes/1
 * or false/off/no/0 in any case; undefined for an absent or blank value.
 */
export function parseQueryBoolean(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const word = raw.trim().toLowerCase();
  if (word === "") return undefined;
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** An optional boolean query parameter, read as Conductor reads it (see parseQueryBoolean). */
export function boolQuery(c: Context, name: string, fallback: boolean): boolean {
  const raw = c.req.query(name);
  const value = parseQueryBoolean(raw);
  if (value !== undefined) return value;
  if (raw === undefined || raw.trim() === "") return fallback;
  throw new ValidationError(`${name}: expected true or false (or on/off, yes/no, 1/0, any case), got '${raw}'`, [
    { path: name, message: "expected true or false (or on/off, yes/no, 1/0, any case)", invalidValue: raw },
  ]);
}

/** Where a REST change came from, for the event's metadata. */
export function restSource(c: Context): EventSource {
  const traceparent = traceparentOf(c);
  return { kind: "rest", detail: `${c.req.method} ${c.req.path}`, ...(traceparent ? { traceparent } : {}) };
}

/** Conductor's empty 200 for void endpoints: no body, Content-Length 0. */
export function emptyOk(c: Context) {
  return c.body(null, 200);
}

/** A JSON body that may be absent (treated as `{}`). */
export async function optionalJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  checkJsonTextDepth(text, limitsOf(c).maxJsonDepth);
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`Malformed JSON in request body: ${detail}`, [{ path: "(body)", message: `malformed JSON: ${detail}` }]);
  }
}
