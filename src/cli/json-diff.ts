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
 */
export function jsonDifferences(left: unknown, right: unknown, path = ""): Difference[] {
  const out: Difference[] = [];
  collect(left, right, path, out);
  return out;
}

function collect(left: unknown, right: unknown, path: string, out: Difference[]): void {
  if (Array.isArray(left) && Array.isArray(right)) {
    for (let i = 0; i < Math.max(left.length, right.length); i++) collect(left[i], right[i], `${path}[${i}]`, out);
    return;
  }
  if (isObject(left) && isObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    for (const key of keys) collect(left[key], right[key], path === "" ? key : `${path}.${key}`, out);
    return;
  }
  if (left !== right) out.push({ path: path === "" ? "(root)" : path, left, right });
}

/** `path: <left> vs <right>`, with values shortened to keep one line each. */
export function describeDifference(difference: Difference, leftName: string, rightName: string): string {
  const show = (value: unknown) => {
    const text = value === undefined ? "(absent)" : JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  };
  return `${difference.path}: ${leftName} ${show(difference.left)}, ${rightName} ${show(difference.right)}`;
}
