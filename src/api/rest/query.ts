/**
 * Query parameters as valibot objects: one schema per route, written in the
 * decoded types (whole numbers with their bounds, booleans, strings, repeated
 * strings). The OpenAPI description converts the same schema into the route's
 * `parameters` (src/api/openapi/operations.ts names it), and `parseQuery` reads
 * a request's query with it, so what is documented is what is accepted.
 *
 * Decoding follows Conductor (Spring): a blank value is absent; a boolean is
 * true/on/yes/1 or false/off/no/0 in any case (parseQueryBoolean); a number is
 * a whole number in its bounds. A bad value is a 400 naming the parameter and
 * what was expected.
 */
import type { Context } from "hono";
import * as v from "valibot";
import { ValidationError } from "../../domain/errors.ts";
import { parseQueryBoolean } from "./request.ts";

type Entry = v.OptionalSchema<v.GenericSchema, unknown>;
export type QuerySchema = v.ObjectSchema<Record<string, Entry>, undefined>;

type WholeNumber = v.SchemaWithPipe<readonly [v.NumberSchema<undefined>, v.IntegerAction<number, undefined>, v.MinValueAction<number, number, undefined>, v.MaxValueAction<number, number, undefined>]>;

/** A whole number in [min, max]; `fallback` when absent (documented as the default). */
export function queryInt(min: number, max: number): v.OptionalSchema<WholeNumber, undefined>;
export function queryInt(min: number, max: number, fallback: number): v.OptionalSchema<WholeNumber, number>;
export function queryInt(min: number, max: number, fallback?: number) {
  const number = v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
  return fallback === undefined ? v.optional(number) : v.optional(number, fallback);
}

/** A boolean (Spring's words, any case); `fallback` when absent. */
export function queryBool(): v.OptionalSchema<v.BooleanSchema<undefined>, undefined>;
export function queryBool(fallback: boolean): v.OptionalSchema<v.BooleanSchema<undefined>, boolean>;
export function queryBool(fallback?: boolean) {
  return fallback === undefined ? v.optional(v.boolean()) : v.optional(v.boolean(), fallback);
}

/** A text value, as sent. */
export function queryString(description?: string) {
  return v.optional(description ? v.pipe(v.string(), v.description(description)) : v.string());
}

/** A parameter that may repeat (`?taskType=a&taskType=b`). */
export function queryStrings() {
  return v.optional(v.array(v.string()));
}

/** One of some words (case as written). */
export function queryPick<const T extends readonly [string, ...string[]]>(options: T) {
  return v.optional(v.picklist(options));
}

export const MAX_WHOLE = Number.MAX_SAFE_INTEGER;

interface Bounds {
  min: number;
  max: number;
}

/** The inner schema of an optional entry, and the bounds of a whole-number one. */
function describe(entry: Entry): { type: string; bounds?: Bounds } {
  const inner = entry.wrapped as v.GenericSchema & { pipe?: { type: string; requirement?: unknown }[] };
  const pipe = inner.pipe ?? [];
  const requirement = (type: string) => pipe.find((action) => action.type === type)?.requirement as number | undefined;
  return { type: inner.type, bounds: inner.type === "number" ? { min: requirement("min_value") ?? -MAX_WHOLE, max: requirement("max_value") ?? MAX_WHOLE } : undefined };
}

function invalid(name: string, expected: string, raw: string): ValidationError {
  return new ValidationError(`${name}: expected ${expected}, got '${raw}'`, [{ path: name, message: `expected ${expected}`, invalidValue: raw }]);
}

const BOOLEAN_WORDS = "true or false (or on/off, yes/no, 1/0, any case)";

/** Reads `c`'s query with `schema`: decoded, defaulted, checked; a 400 naming the parameter otherwise. */
export function parseQuery<S extends QuerySchema>(c: Context, schema: S): v.InferOutput<S> {
  const decoded: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(schema.entries)) {
    const { type, bounds } = describe(entry);
    if (type === "array") {
      const values = c.req.queries(name);
      if (values !== undefined) decoded[name] = values;
      continue;
    }
    const raw = c.req.query(name);
    if (raw === undefined) continue;
    if (type === "number") {
      if (raw.trim() === "") continue;
      const value = /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < bounds!.min || value > bounds!.max) {
        throw invalid(name, `a whole number between ${bounds!.min} and ${bounds!.max}`, raw);
      }
      decoded[name] = value;
    } else if (type === "boolean") {
      const value = parseQueryBoolean(raw);
      if (value === undefined && raw.trim() !== "") throw invalid(name, BOOLEAN_WORDS, raw);
      if (value !== undefined) decoded[name] = value;
    } else {
      decoded[name] = raw;
    }
  }
  const result = v.safeParse(schema, decoded);
  if (!result.success) {
    const issue = result.issues[0];
    const name = v.getDotPath(issue) ?? "(query)";
    const expected = issue.expected ?? "a valid value";
    throw new ValidationError(`${name}: expected ${expected}, got '${String(issue.input)}'`, [
      { path: name, message: `expected ${expected}`, invalidValue: issue.input },
    ]);
  }
  return result.output;
}
