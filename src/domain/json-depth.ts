/**
 * How deep JSON nests, measured without recursion: a value nested thousands
 * of levels deep must be refused (at the edge) or shown cut short (on reads),
 * never overflow the stack of whoever walks it. Every walk here keeps its own
 * stack of containers instead of calling itself.
 */

/** Containers (objects, arrays) nested 128 deep are accepted by default; Conductor definitions use far fewer. */
export const DEFAULT_MAX_JSON_DEPTH = 128;

/** Reads cut values below this many levels when they must (see `servableJson`). */
export const SERVED_JSON_DEPTH = 256;

/** Where a JSON value nests deeper than its limit: the path of the first container past it. */
export interface DepthExcess {
  /** `input.a.b[0]`, or `(root)` when the top-level value itself is past the limit. */
  path: string;
  limit: number;
}

/** The words every "too deep" error uses, so REST, GraphQL and the bus say the same. */
export function depthExcessMessage(excess: DepthExcess, setting = "BATON_MAX_JSON_DEPTH"): string {
  return `${excess.path}: JSON nested deeper than ${excess.limit} levels (the limit is ${setting})`;
}

const MAX_KEY_CHARS = 40;

const segmentOf = (key: string) => (key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}…` : key);

function pathOf(segments: readonly (string | number)[]): string {
  let path = "";
  for (const segment of segments) {
    path += typeof segment === "number" ? `[${segment}]` : path === "" ? segmentOf(segment) : `.${segmentOf(segment)}`;
  }
  return path === "" ? "(root)" : path;
}

interface TextFrame {
  array: boolean;
  key: string;
  index: number;
}

function decodeKey(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

/** The index of the quote that closes the string opening at `open` (or the text's length): found by indexOf, the fast part of a scan. */
function closingQuote(text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return text.length;
}

/**
 * The first place where JSON text nests more than `limit` containers deep, or
 * undefined. Scans the text once, before `JSON.parse`, so a malformed or
 * hostile body costs one pass and no recursion; the text need not be valid
 * JSON (the parser reports that afterwards).
 */
export function jsonTextDepthExcess(text: string, limit: number): DepthExcess | undefined {
  const frames: TextFrame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      const start = i;
      i = closingQuote(text, i);
      if (expectKey) {
        frames[frames.length - 1]!.key = decodeKey(text.slice(start, i + 1));
        expectKey = false;
      }
    } else if (code === 0x7b || code === 0x5b) {
      if (frames.length >= limit) return { path: pathOf(frames.map((frame) => (frame.array ? frame.index : frame.key))), limit };
      frames.push({ array: code === 0x5b, key: "", index: 0 });
      expectKey = code === 0x7b;
    } else if (code === 0x7d || code === 0x5d) {
      frames.pop();
      expectKey = false;
    } else if (code === 0x2c) {
      const top = frames[frames.length - 1];
      if (top?.array) top.index++;
      else if (top) expectKey = true;
    }
  }
  return undefined;
}

const isContainer = (value: unknown): value is object => typeof value === "object" && value !== null;

interface ValueNode {
  value: object;
  depth: number;
  parent: ValueNode | undefined;
  segment: string | number;
}

function nodePath(node: ValueNode): string {
  const segments: (string | number)[] = [];
  for (let at: ValueNode | undefined = node; at?.parent !== undefined; at = at.parent) segments.push(at.segment);
  return pathOf(segments.reverse());
}

/** The first container of a parsed value nested more than `limit` deep, or undefined (an iterative walk). */
export function valueDepthExcess(value: unknown, limit: number): DepthExcess | undefined {
  if (!isContainer(value)) return undefined;
  const stack: ValueNode[] = [{ value, depth: 1, parent: undefined, segment: "" }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.depth > limit) return { path: nodePath(node), limit };
    if (Array.isArray(node.value)) {
      node.value.forEach((item: unknown, index) => {
        if (isContainer(item)) stack.push({ value: item, depth: node.depth + 1, parent: node, segment: index });
      });
    } else {
      for (const [key, item] of Object.entries(node.value)) {
        if (isContainer(item)) stack.push({ value: item, depth: node.depth + 1, parent: node, segment: key });
      }
    }
  }
  return undefined;
}

/** What stands in for a part of a stored value that is too deep to serve. */
export const tooDeepPlaceholder = (limit: number) => `[nested deeper than ${limit} levels: not shown]`;

/**
 * A copy of `value` whose containers below `limit` levels are replaced by a
 * placeholder string; everything above is kept (an iterative copy). Objects
 * with `toJSON` (dates) are copied as what they serialise to.
 */
export function clampDepth(value: unknown, limit: number): unknown {
  const root: { value?: unknown } = {};
  const work: { source: unknown; depth: number; target: Record<string, unknown> | unknown[]; key: string | number }[] = [
    { source: value, depth: 1, target: root as Record<string, unknown>, key: "value" },
  ];
  while (work.length > 0) {
    const { source: raw, depth, target, key } = work.pop()!;
    const source = isContainer(raw) && typeof (raw as { toJSON?: unknown }).toJSON === "function" ? (raw as { toJSON(): unknown }).toJSON() : raw;
    let copy: unknown = source;
    if (isContainer(source)) {
      if (depth > limit) copy = tooDeepPlaceholder(limit);
      else if (Array.isArray(source)) {
        const array: unknown[] = new Array(source.length);
        source.forEach((item: unknown, index) => work.push({ source: item, depth: depth + 1, target: array, key: index }));
        copy = array;
      } else {
        const object: Record<string, unknown> = {};
        // Pushed last to first, so they are taken (and the copy's keys set) in their order.
        for (const [name, item] of Object.entries(source).reverse()) work.push({ source: item, depth: depth + 1, target: object, key: name });
        copy = object;
      }
    }
    (target as Record<string | number, unknown>)[key] = copy;
  }
  return root.value;
}

const isStackOverflow = (error: unknown) => error instanceof RangeError;

/**
 * `JSON.stringify(value)` for a read: the runtime's own when it can; when the
 * value is too deep for it (a stored value from before the input limits), the
 * text of the value cut at `limit` levels, so one stored value can never make a
 * read fail. Undefined stays undefined, as with `JSON.stringify`.
 */
export function servableJson(value: unknown, limit = SERVED_JSON_DEPTH, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (error) {
    if (!isStackOverflow(error)) throw error;
    return JSON.stringify(clampDepth(value, limit), null, space);
  }
}

/**
 * `value` if it nests at most `limit` levels, else its copy cut at `limit`
 * levels (for the GraphQL `JSON` scalar, whose result the server serialises later).
 */
export function servableValue(value: unknown, limit = SERVED_JSON_DEPTH): unknown {
  return valueDepthExcess(value, limit) === undefined ? value : clampDepth(value, limit);
}

/**
 * What `JSON.parse(JSON.stringify(value))` gives (undefined fields dropped,
 * undefined array items null, `toJSON` applied, non-finite numbers null),
 * computed without recursion, for values too deep for the runtime's stringify.
 */
export function plainJsonCopy(value: unknown): unknown {
  const root: { value?: unknown } = {};
  const work: { source: unknown; target: Record<string, unknown> | unknown[]; key: string | number; inArray: boolean }[] = [
    { source: value, target: root as Record<string, unknown>, key: "value", inArray: false },
  ];
  while (work.length > 0) {
    const { source: raw, target, key, inArray } = work.pop()!;
    const source = isContainer(raw) && typeof (raw as { toJSON?: unknown }).toJSON === "function" ? (raw as { toJSON(): unknown }).toJSON() : raw;
    let copy: unknown;
    if (source === undefined || typeof source === "function" || typeof source === "symbol") {
      if (!inArray) continue;
      copy = null;
    } else if (typeof source === "number") copy = Number.isFinite(source) ? source : null;
    else if (!isContainer(source)) copy = source;
    else if (Array.isArray(source)) {
      const array: unknown[] = new Array(source.length);
      source.forEach((item: unknown, index) => work.push({ source: item, target: array, key: index, inArray: true }));
      copy = array;
    } else {
      const object: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(source).reverse()) work.push({ source: item, target: object, key: name, inArray: false });
      copy = object;
    }
    (target as Record<string | number, unknown>)[key] = copy;
  }
  return root.value;
}
