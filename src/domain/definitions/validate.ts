import * as v from "valibot";
import { type FieldError, ValidationError } from "../errors.ts";

/** Renders a valibot issue path as `tasks[1].taskReferenceName`. */
export function issuePath(issue: v.BaseIssue<unknown>, root = ""): string {
  let path = root;
  for (const item of issue.path ?? []) {
    const key = (item as { key?: unknown }).key;
    if (typeof key === "number") path += `[${key}]`;
    else path += path === "" ? String(key) : `.${String(key)}`;
  }
  return path === "" ? "(body)" : path;
}

/**
 * Parses `input` with `schema`, or throws a `ValidationError` whose message
 * names every offending field and what was expected.
 */
export function parseOrThrow<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
  root = "",
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const fieldErrors: FieldError[] = result.issues.map((issue) => {
    const path = issuePath(issue, root);
    // valibot reports an absent key as "Invalid key"; say plainly that the field is required.
    const missing = issue.input === undefined && issue.message.startsWith("Invalid key");
    const field = path.split(/[.[]/).pop()?.replace("]", "") ?? path;
    return { path, message: missing ? `${field} is required` : issue.message, invalidValue: issue.input };
  });
  const summary = fieldErrors.map((e) => `${e.path}: ${e.message}`).join("; ");
  throw new ValidationError(`Invalid ${what}: ${summary}`, fieldErrors);
}

/** A non-negative whole number with a message that says so. */
export const wholeNumber = (field: string) =>
  v.pipe(
    v.number(`${field} must be a number`),
    v.integer(`${field} must be a whole number`),
    v.minValue(0, `${field} must be >= 0`),
  );

/** A required, non-blank string. */
export const requiredString = (field: string) =>
  v.pipe(v.string(`${field} is required and must be a string`), v.trim(), v.nonEmpty(`${field} must not be empty`));

/** A JSON object (string keys, any values). */
export const jsonObject = (field: string) => v.record(v.string(), v.unknown(), `${field} must be a JSON object`);
