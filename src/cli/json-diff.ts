import { servableJson } from "../domain/json-depth.ts";

/** One place where two JSON values differ. */
export interface Difference {
  path: string;
  left: unknown;
  right: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Every leaf-level difference between two JSON values (objects by key, arrays
 * by index; a missing key compares as undefined), depth first, in key order.
 * Walks with its own stack, so values nested thousands deep compare too.
 */
export function jsonDifferences(left: unknown, right: unknown, path = ""): Difference[] {
  const out: Difference[] = [];
  const work: { left: unknown; right: unknown; path: string }[] = [{ left, right, path }];
  while (work.length > 0) {
    const item = work.pop()!;
    const children = childPairs(item.left, item.right, item.path);
    if (children) {
      // Pushed last to first, so they are compared (and reported) in order.
      for (let i = children.length - 1; i >= 0; i--) work.push(children[i]!);
    } else if (item.left !== item.right) out.push({ path: item.path === "" ? "(root)" : item.path, left: item.left, right: item.right });
  }
  return out;
}

function childPairs(left: unknown, right: unknown, path: string): { left: unknown; right: unknown; path: string }[] | undefined {
  if (Array.isArray(left) && Array.isArray(right)) {
    return Array.from({ length: Math.max(left.length, right.length) }, (_, i) => ({ left: left[i], right: right[i], path: `${path}[${i}]` }));
  }
  if (isObject(left) && isObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.map((key) => ({ left: left[key], right: right[key], path: path === "" ? key : `${path}.${key}` }));
  }
  return undefined;
}

/** `path: <left> vs <right>`, with values shortened to keep one line each. */
export function describeDifference(difference: Difference, leftName: string, rightName: string): string {
  const show = (value: unknown) => {
    const text = value === undefined ? "(absent)" : servableJson(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  };
  return `${difference.path}: ${leftName} ${show(difference.left)}, ${rightName} ${show(difference.right)}`;
}
