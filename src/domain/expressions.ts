import { JSONPath } from "jsonpath-plus";

/**
 * Conductor parameter expressions: `${workflow.input.x}`, `${ref.output.a[0].b}`.
 *
 * A value that is exactly one expression is replaced by the referenced value
 * with its type kept (objects, numbers, booleans, null); a string that mixes text
 * and expressions gets each expression's value interpolated as text. A path that
 * does not resolve yields `null`. `$${` escapes a literal `${`.
 * Paths are evaluated with a real JSONPath engine (jsonpath-plus), over a
 * document holding `workflow` and one entry per task reference.
 */
export type ExpressionDocument = Record<string, unknown>;

const WHOLE = /^\$\{([^{}]+)\}$/;
const ANY = /(\$?)\$\{([^{}]+)\}/g;

/** Resolves every expression in a parameter tree. */
export function resolveParameters(
  parameters: Record<string, unknown>,
  document: ExpressionDocument,
): Record<string, unknown> {
  return resolveValue(parameters, document) as Record<string, unknown>;
}

/** Resolves expressions in any JSON value (deeply). */
export function resolveValue(value: unknown, document: ExpressionDocument): unknown {
  if (typeof value === "string") return resolveString(value, document);
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, document));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveValue(item, document);
    return out;
  }
  return value;
}

function resolveString(text: string, document: ExpressionDocument): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return evaluatePath(whole[1]!, document);
  if (!text.includes("${")) return text;
  return text.replace(ANY, (_match, escape: string, path: string) => {
    if (escape === "$") return "${" + path + "}";
    return asText(evaluatePath(path, document));
  });
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Evaluates one `a.b[0].c` path; `null` when it does not resolve. */
export function evaluatePath(path: string, document: ExpressionDocument): unknown {
  const trimmed = path.trim();
  const split = /^([^.[]+)(.*)$/.exec(trimmed);
  if (!split) return null;
  const [, head, rest] = split as unknown as [string, string, string];
  if (!(head in document)) return null;
  if (rest === "") return document[head] ?? null;
  try {
    // Always ask for the list of matches (an unwrapped scalar result makes jsonpath-plus
    // throw and catch internally, which is slow); a definite path yields its one value.
    const matches = JSONPath({
      path: `$${rest}`,
      json: document[head] as object,
      wrap: true,
      // Filters (`[?(@.qty > 1)]`) need an evaluator; "safe" is jsonpath-plus's own, which runs no JS code.
      eval: "safe",
    }) as unknown[] | undefined;
    const indefinite = INDEFINITE.test(rest.replace(/'[^']*'|"[^"]*"/g, ""));
    if (!matches || matches.length === 0) return indefinite ? [] : null;
    return indefinite ? matches : (matches[0] ?? null);
  } catch {
    return null;
  }
}

/** Wildcards, deep scans, filters, unions and slices can match many values: they yield a list. */
const INDEFINITE = /\*|\.\.|\?\(|,|:/;
