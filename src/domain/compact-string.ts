/**
 * A standalone copy of a string, for values kept long after what they came
 * from is gone (the file store's stream names, search digests).
 *
 * V8 represents a string built by `+`/template literals as a tree of its
 * parts, and a `slice` of 13 or more characters as a view into the whole
 * string it was cut from; `toLowerCase` of a string with no capitals returns
 * that same view. Keeping such a string keeps its parts or its whole source
 * alive: a workflow id built as `workflow-${uuid}` held ~550 bytes instead of
 * ~100, and a digest's 256 characters of text held the whole joined input and
 * output. A round trip through JSON makes a new flat string of its own.
 */
export function compactString(value: string): string {
  return JSON.parse(JSON.stringify(value)) as string;
}
