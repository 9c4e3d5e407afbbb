import { describe, expect, it } from "vitest";
import {
  clampDepth,
  jsonTextDepthExcess,
  plainJsonCopy,
  servableJson,
  servableValue,
  tooDeepPlaceholder,
  valueDepthExcess,
} from "../../src/domain/json-depth.ts";

/** `{"a":{"a":...1...}}` nested `depth` objects deep, as text (built without recursion). */
const deepText = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
/** The same value, parsed (V8's JSON.parse does not recurse). */
const deepValue = (depth: number) => JSON.parse(deepText(depth)) as unknown;

// Deep enough that anything walking it recursively overflows the stack.
const HOSTILE = 100_000;

describe("JSON depth, measured without recursion", () => {
  it("counts containers in text and names the path of the first one past the limit", () => {
    expect(jsonTextDepthExcess('{"a":[1,{"b":2}]}', 3)).toBeUndefined();
    expect(jsonTextDepthExcess('{"a":[1,{"b":2}]}', 2)).toEqual({ path: "a[1]", limit: 2 });
    expect(jsonTextDepthExcess('{"input":{"x":1,"y":{"z":[[1]]}}}', 4)).toEqual({ path: "input.y.z[0]", limit: 4 });
    expect(jsonTextDepthExcess("[[1]]", 1)).toEqual({ path: "[0]", limit: 1 });
    expect(jsonTextDepthExcess("[1]", 0)).toEqual({ path: "(root)", limit: 0 });
  });

  it("ignores brackets and quotes inside strings, escaped ones included", () => {
    expect(jsonTextDepthExcess('{"a":"[[[{{{","b\\"[":"\\"{{"}', 1)).toBeUndefined();
    expect(jsonTextDepthExcess('{"k\\"ey":{"x":[1]}}', 2)).toEqual({ path: 'k"ey.x', limit: 2 });
    // A string ending in an escaped backslash ends at its quote.
    expect(jsonTextDepthExcess('{"dir":"c:\\\\","b":[1]}', 1)).toEqual({ path: "b", limit: 1 });
    expect(JSON.parse('{"dir":"c:\\\\","b":[1]}')).toEqual({ dir: "c:\\", b: [1] });
  });

  it("scans hostile text and values without overflowing the stack", () => {
    const text = deepText(HOSTILE);
    expect(jsonTextDepthExcess(text, 128)?.path).toBe(Array(128).fill("a").join("."));
    expect(jsonTextDepthExcess(text, HOSTILE)).toBeUndefined();
    const value = deepValue(HOSTILE);
    expect(valueDepthExcess(value, 3)).toEqual({ path: "a.a.a", limit: 3 });
    expect(valueDepthExcess(value, HOSTILE)).toBeUndefined();
    expect(valueDepthExcess({ a: [1, { b: [[2]] }] }, 3)).toEqual({ path: "a[1].b", limit: 3 });
  });

  it("cuts a value below the limit with a placeholder, keeping key order", () => {
    expect(clampDepth({ b: 1, a: { c: { d: 1 } }, z: [1, [2, [3]]] }, 2)).toEqual({
      b: 1,
      a: { c: tooDeepPlaceholder(2) },
      z: [1, tooDeepPlaceholder(2)],
    });
    expect(Object.keys(clampDepth({ b: 1, a: 2, c: 3 }, 5) as object)).toEqual(["b", "a", "c"]);
  });

  it("serves what JSON.stringify gives when it can, and a shortened text when the value is too deep for it", () => {
    expect(servableJson({ a: [1, "x"], u: undefined })).toBe('{"a":[1,"x"]}');
    expect(servableJson(undefined)).toBeUndefined();
    const value = deepValue(HOSTILE);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    const text = servableJson(value, 4);
    expect(text).toBe(`{"a":{"a":{"a":{"a":${JSON.stringify(tooDeepPlaceholder(4))}}}}}`);
  });

  it("passes values within the served depth through unchanged, and cuts deeper ones", () => {
    const shallow = { a: { b: [1] } };
    expect(servableValue(shallow, 3)).toBe(shallow);
    expect(servableValue(deepValue(HOSTILE), 2)).toEqual({ a: { a: tooDeepPlaceholder(2) } });
  });

  it("copies like a JSON round trip, for values the runtime's stringify cannot take", () => {
    const value = { b: undefined, a: [1, undefined, () => 1, Number.NaN], d: new Date(0), c: { x: "y" } };
    expect(plainJsonCopy(value)).toEqual(JSON.parse(JSON.stringify(value)));
    expect(Object.keys(plainJsonCopy({ z: 1, y: 2 }) as object)).toEqual(["z", "y"]);
    const copy = plainJsonCopy(deepValue(HOSTILE));
    expect(valueDepthExcess(copy, HOSTILE)).toBeUndefined();
    expect(valueDepthExcess(copy, HOSTILE - 1)).toBeDefined();
  });
});
