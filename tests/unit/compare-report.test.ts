import { describe, expect, it } from "vitest";
import { markdownTable, missedTargets, niceCeiling, ratio, svgBarChart } from "../../bench/compare-report.ts";

const input = {
  variants: ["Baton", "Conductor 3.21.14 SQLite"],
  rows: [
    { measure: "throughput, 10 in flight", unit: "wf/s", better: "higher" as const, target: 10, values: { Baton: 105, "Conductor 3.21.14 SQLite": 15 } },
    { measure: "p99 latency, 10 in flight", unit: "ms", better: "lower" as const, target: 0.1, values: { Baton: 40, "Conductor 3.21.14 SQLite": 800 } },
    { measure: "memory idle", unit: "MiB", better: "lower" as const, values: { Baton: 192, "Conductor 3.21.14 SQLite": undefined } },
  ],
};

describe("side-by-side report (bench/compare-report.ts)", () => {
  it("puts Baton's figure over the other's in brackets: times for throughput, a fraction for the rest", () => {
    const lines = markdownTable(input).split("\n");
    expect(lines[0]).toBe("| measure | Baton | Conductor 3.21.14 SQLite |");
    expect(lines[2]).toBe("| throughput, 10 in flight | 105 wf/s | 15.0 wf/s (7.0x) |");
    expect(lines[3]).toBe("| p99 latency, 10 in flight | 40.0 ms | 800 ms (0.05) |");
    expect(lines[4]).toBe("| memory idle | 192 MiB | - |");
  });

  it("says why a variant has no figure (a step that timed out) instead of a bare dash, and counts no target against it", () => {
    const timedOut = {
      variants: ["Baton", "Conductor 3.32.3 PostgreSQL"],
      rows: [
        {
          measure: "throughput, 200 in flight",
          unit: "wf/s",
          better: "higher" as const,
          target: 10,
          values: { Baton: 150, "Conductor 3.32.3 PostgreSQL": undefined },
          notes: { "Conductor 3.32.3 PostgreSQL": "timed out (cap 240 s)" },
        },
      ],
    };
    expect(markdownTable(timedOut).split("\n")[2]).toBe("| throughput, 200 in flight | 150 wf/s | timed out (cap 240 s) |");
    expect(missedTargets(timedOut)).toEqual([]);
  });

  it("lists a missed target with the ratio reached and by how much it fell short, and not a met one", () => {
    expect(missedTargets(input)).toEqual([
      "throughput, 10 in flight vs Conductor 3.21.14 SQLite: 7.0x, target at least 10x (missed by a factor of 1.4)",
    ]);
  });

  it("has no ratio where a side has no figure or the other's is zero", () => {
    expect(ratio(1, undefined)).toBeUndefined();
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(3, 2)).toBe(1.5);
  });

  it("draws one bar per figure, scaled to a rounded axis maximum, with escaped labels", () => {
    const svg = svgBarChart({
      title: "A <b> & c",
      unit: "wf/s",
      series: ["Baton", "Conductor"],
      groups: [
        { label: "10 in flight", values: { Baton: 90, Conductor: 15 } },
        { label: "50 in flight", values: { Baton: 180, Conductor: undefined } },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain("A &lt;b&gt; &amp; c");
    const bars = [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#/g)];
    expect(bars).toHaveLength(3); // the missing figure draws no bar
    const heights = bars.map((b) => Number(b[2]));
    // Axis maximum 200: 90, 15 and 180 are 45%, 7.5% and 90% of the plot height.
    expect(heights[0]! / heights[2]!).toBeCloseTo(0.5, 2);
    expect(heights[1]! / heights[2]!).toBeCloseTo(15 / 180, 2);
    expect(svg).toContain("<title>Baton: 180 wf/s</title>");
  });

  it("rounds an axis maximum up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect(niceCeiling(180)).toBe(200);
    expect(niceCeiling(0.42)).toBe(0.5);
    expect(niceCeiling(2100)).toBe(2500);
    expect(niceCeiling(100)).toBe(100);
  });
});
