/** The CLI's output helpers: progress, tables, differences and `--at`. */
import { describe, expect, it } from "vitest";
import { summarizeDifferences } from "../../src/cli/difference-summary.ts";
import { jsonDifferences } from "../../src/cli/json-diff.ts";
import { progressReporter } from "../../src/cli/progress.ts";
import { parseAt } from "../../src/cli/state.ts";
import { formatTable } from "../../src/cli/table.ts";

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
}

describe("progressReporter", () => {
  it("redraws one bar per phase on a terminal", () => {
    const { stream, written } = fakeStream(true);
    let now = 0;
    const progress = progressReporter(stream, () => now);
    progress.onProgress({ phase: "read", done: 500, elapsedMs: 0 });
    progress.onProgress({ phase: "apply", done: 250, total: 500, elapsedMs: 1 });
    now = 50;
    progress.onProgress({ phase: "apply", done: 400, total: 500, elapsedMs: 50 }); // too soon: not drawn
    now = 200;
    progress.onProgress({ phase: "apply", done: 500, total: 500, elapsedMs: 200 });
    progress.finish();
    expect(written).toEqual([
      "\rreading events: 500\x1b[K",
      "\n",
      `\rrebuilding projections [${"#".repeat(15)}${"-".repeat(15)}] 50% 250/500 events\x1b[K`,
      `\rrebuilding projections [${"#".repeat(30)}] 100% 500/500 events\x1b[K`,
      "\n",
    ]);
  });

  it("writes plain lines at most once a second, plus each phase's final count, elsewhere", () => {
    const { stream, written } = fakeStream(false);
    let now = 0;
    const progress = progressReporter(stream, () => now);
    for (let done = 1000; done <= 5000; done += 1000) {
      progress.onProgress({ phase: "apply", done, total: 5000, elapsedMs: now });
      now += 400;
    }
    progress.finish();
    expect(written).toEqual([
      "rebuilding projections 20% 1,000/5,000 events\n",
      "rebuilding projections 80% 4,000/5,000 events\n",
      "rebuilding projections 100% 5,000/5,000 events\n",
    ]);
  });
});

describe("formatTable", () => {
  it("aligns columns and leaves the last one unpadded", () => {
    expect(formatTable(["A", "BB", "C"], [["xxx", "", "z"], ["y", "long", "last column"]])).toBe(
      ["A    BB    C", "xxx        z", "y    long  last column"].join("\n"),
    );
  });
});

describe("jsonDifferences and summarizeDifferences", () => {
  it("finds leaf differences by path, absent fields included", () => {
    const left = { workflows: { w1: { status: "RUNNING", tasks: [{ status: "SCHEDULED" }] } } };
    const right = { workflows: { w1: { status: "COMPLETED", tasks: [{ status: "COMPLETED" }, { status: "SCHEDULED" }] }, w2: {} } };
    const differences = jsonDifferences(left, right);
    expect(differences.map((d) => d.path)).toEqual([
      "workflows.w1.status",
      "workflows.w1.tasks[0].status",
      "workflows.w1.tasks[1]",
      "workflows.w2",
    ]);
    expect(jsonDifferences({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
    expect(summarizeDifferences(differences, "full", "incremental")).toEqual([
      "4 differing field(s) in 2 entries:",
      "  workflows.w1: 3 field(s)",
      "  workflows.w2: 1 field(s)",
      "first differences:",
      '  workflows.w1.status: full "RUNNING", incremental "COMPLETED"',
      '  workflows.w1.tasks[0].status: full "SCHEDULED", incremental "COMPLETED"',
      '  workflows.w1.tasks[1]: full (absent), incremental {"status":"SCHEDULED"}',
      "  workflows.w2: full (absent), incremental {}",
    ]);
  });
});

describe("parseAt", () => {
  it("reads small numbers as revisions, large ones and ISO 8601 as times", () => {
    expect(parseAt("0")).toEqual({ revision: 0 });
    expect(parseAt("12345")).toEqual({ revision: 12345 });
    expect(parseAt("1767225600000")).toEqual({ time: "1767225600000" });
    expect(parseAt("2026-01-01T00:00:00Z")).toEqual({ time: "2026-01-01T00:00:00Z" });
  });
});
