import { ValidationError } from "../domain/errors.ts";

/**
 * Conductor's workflow search query language, without Elasticsearch:
 * `field OP value` joined with AND / OR and grouped with parentheses, where OP is
 * one of = != > < >= <= IN STARTS_WITH, values are quoted strings, bare words or
 * numbers, and IN takes `(a,b,c)`. Times compare as epoch ms or ISO dates.
 */
export type Condition =
  | { kind: "and" | "or"; left: Condition; right: Condition }
  | { kind: "compare"; field: string; op: Operator; values: string[] };

type Operator = "=" | "!=" | ">" | "<" | ">=" | "<=" | "IN" | "STARTS_WITH";

const TOKEN = /\s*(\(|\)|,|!=|>=|<=|=|>|<|'[^']*'|"[^"]*"|[^\s(),=!<>]+)/y;

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let rest = query;
  while (rest.trim() !== "") {
    TOKEN.lastIndex = 0;
    const match = TOKEN.exec(rest);
    if (!match) throw queryError(query, `cannot read '${rest.trim()}'`);
    tokens.push(match[1]!);
    rest = rest.slice(TOKEN.lastIndex);
  }
  return tokens;
}

function queryError(query: string, detail: string): ValidationError {
  return new ValidationError(`query: ${detail} in '${query}'`, [{ path: "query", message: detail, invalidValue: query }]);
}

const unquote = (token: string) => (/^(['"]).*\1$/.test(token) ? token.slice(1, -1) : token);

/** How long a query may be and how deep its parentheses may nest (settings at the edge; these are the defaults). */
export interface QueryLimits {
  maxChars: number;
  maxDepth: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxChars: 4096, maxDepth: 16 };

/** The deepest nesting any configuration may allow: the parser recurses once per parenthesis. */
export const MAX_QUERY_DEPTH = 100;

function limitError(detail: string, setting: string, query: string): ValidationError {
  return new ValidationError(`query: ${detail} (the limit is ${setting})`, [
    { path: "query", message: `${detail} (the limit is ${setting})`, invalidValue: query.length > 200 ? `${query.slice(0, 200)}…` : query },
  ]);
}

/** Refuses a query longer, or nested deeper, than the limits, before it is parsed. */
function checkQueryLimits(query: string, limits: QueryLimits): void {
  if (query.length > limits.maxChars) {
    throw limitError(`${query.length} characters, more than ${limits.maxChars}`, "BATON_MAX_SEARCH_QUERY_CHARS", query);
  }
  const maxDepth = Math.min(limits.maxDepth, MAX_QUERY_DEPTH);
  let depth = 0;
  let quote = "";
  for (const char of query) {
    if (quote !== "") {
      if (char === quote) quote = "";
    } else if (char === "'" || char === '"') quote = char;
    else if (char === "(") {
      if (++depth > maxDepth) throw limitError(`parentheses nested deeper than ${maxDepth}`, "BATON_MAX_SEARCH_QUERY_DEPTH", query);
    } else if (char === ")") depth--;
  }
}

/** Parses a query; an empty or blank query matches everything (undefined). */
export function parseQuery(query: string | undefined, limits: QueryLimits = DEFAULT_QUERY_LIMITS): Condition | undefined {
  if (query === undefined || query.trim() === "" || query.trim() === "*") return undefined;
  checkQueryLimits(query, limits);
  const tokens = tokenize(query);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const token = tokens[i++];
    if (token === undefined) throw queryError(query, "unexpected end of query");
    return token;
  };
  const parseOr = (): Condition => {
    let left = parseAnd();
    while (peek()?.toUpperCase() === "OR") {
      i++;
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Condition => {
    let left = parseFactor();
    while (peek()?.toUpperCase() === "AND") {
      i++;
      left = { kind: "and", left, right: parseFactor() };
    }
    return left;
  };
  const parseFactor = (): Condition => {
    if (peek() === "(") {
      i++;
      const inner = parseOr();
      if (next() !== ")") throw queryError(query, "expected ')'");
      return inner;
    }
    const field = next();
    const rawOp = next().toUpperCase();
    if (!["=", "!=", ">", "<", ">=", "<=", "IN", "STARTS_WITH"].includes(rawOp)) {
      throw queryError(query, `unknown operator '${rawOp}' after ${field}; expected = != > < >= <= IN STARTS_WITH`);
    }
    const op = rawOp as Operator;
    if (op !== "IN") return { kind: "compare", field, op, values: [unquote(next())] };
    if (next() !== "(") throw queryError(query, `IN needs a list like (A,B) after ${field}`);
    const values: string[] = [];
    for (;;) {
      values.push(unquote(next()));
      const separator = next();
      if (separator === ")") break;
      if (separator !== ",") throw queryError(query, `expected ',' or ')' in the IN list of ${field}`);
    }
    return { kind: "compare", field, op, values };
  };
  const condition = parseOr();
  if (i < tokens.length) throw queryError(query, `unexpected '${tokens[i]}'`);
  return condition;
}

/** Evaluates a condition against a record of field values (numbers for times). */
/** Orders a field's value against a query literal: numbers (and times) numerically, text by code units. */
function compareValue(actual: string | number, expected: string): number {
  if (typeof actual === "number") {
    const number = /^-?\d+(\.\d+)?$/.test(expected) ? Number(expected) : Date.parse(expected);
    return actual - number;
  }
  return actual < expected ? -1 : actual > expected ? 1 : 0;
}

export function matches(condition: Condition | undefined, fields: Record<string, string | number | undefined>): boolean {
  if (condition === undefined) return true;
  if (condition.kind !== "compare") {
    // `a AND b AND c ...` parses left-deep: walk its spine in a loop, so only
    // parentheses (bounded by the query limits) cost stack.
    const kind = condition.kind;
    const operands: Condition[] = [];
    let spine: Condition = condition;
    for (; spine.kind === kind; spine = spine.left) operands.push(spine.right);
    operands.push(spine);
    return kind === "and" ? operands.every((operand) => matches(operand, fields)) : operands.some((operand) => matches(operand, fields));
  }
  const actual = fields[condition.field];
  if (actual === undefined) return condition.op === "!=";
  const compare = (expected: string) => compareValue(actual, expected);
  const [first = ""] = condition.values;
  switch (condition.op) {
    case "=":
      return compare(first) === 0;
    case "!=":
      return compare(first) !== 0;
    case ">":
      return compare(first) > 0;
    case "<":
      return compare(first) < 0;
    case ">=":
      return compare(first) >= 0;
    case "<=":
      return compare(first) <= 0;
    case "IN":
      return condition.values.some((value) => compare(value) === 0);
    case "STARTS_WITH":
      return String(actual).startsWith(first);
    default: {
      const _exhaustive: never = condition.op;
      return _exhaustive;
    }
  }
}
