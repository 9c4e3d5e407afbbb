import { describe, expect, it } from "vitest";
import { childTraceparent, formatTraceparent, parseTraceparent } from "../../src/domain/trace-context.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

describe("W3C traceparent", () => {
  it("reads the spec's example and writes it back unchanged", () => {
    const header = `00-${TRACE}-${PARENT}-01`;
    expect(parseTraceparent(header)).toEqual({ traceId: TRACE, parentId: PARENT, flags: "01" });
    expect(formatTraceparent(parseTraceparent(header)!)).toBe(header);
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ["a short trace id", `00-${TRACE.slice(1)}-${PARENT}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["an all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
    ["version 00 with a fifth field", `00-${TRACE}-${PARENT}-01-extra`],
    ["not hex", `00-${TRACE.replace("4", "g")}-${PARENT}-01`],
  ])("ignores %s (the spec says restart the trace, not refuse the request)", (_what, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it("accepts a later version with more fields, reading the four it knows", () => {
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-00-more`)).toEqual({ traceId: TRACE, parentId: PARENT, flags: "00" });
  });

  it("a child call keeps the trace and its flags and names the new span as its parent", () => {
    expect(childTraceparent(`00-${TRACE}-${PARENT}-01`, "1111111111111111")).toBe(`00-${TRACE}-1111111111111111-01`);
    expect(childTraceparent(undefined, "1111111111111111")).toBeUndefined();
  });
});
