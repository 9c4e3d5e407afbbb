import { describe, expect, it } from "vitest";
import { memoryGrowth, type SoakSample } from "../../bench/soak-report.ts";

/** A sample every 5 s for `minutes`, RSS and heap in use from the given functions of time. */
function samples(minutes: number, rss: (t: number, i: number) => number, heap: (t: number, i: number) => number): SoakSample[] {
  const out: SoakSample[] = [];
  for (let i = 1; i * 5 <= minutes * 60; i++) {
    const t = i * 5;
    out.push({
      atSeconds: t, rssMiB: rss(t, i), heapUsedMiB: heap(t, i), driverCpuPercent: 50, loadAverage1m: 1,
      completed: i, failed: 0, skipped: 0, open: 0, windowRate: 1, windowP50Ms: 1, windowP99Ms: 1,
    });
  }
  return out;
}

describe("soak memory growth", () => {
  it("reads a flat RSS with GC spikes as flat in minute medians, though its last sample is a spike", () => {
    // 500 MiB, every seventh sample 200 MiB higher (a major GC's garbage), the last sample one of them.
    const spiky = samples(15, (_, i) => (i % 7 === 5 ? 700 : 500), (_, i) => (i % 7 === 5 ? 400 : 150));
    const g = memoryGrowth(spiky, 900)!;
    expect(g.end.rssMiB).toBe(700);
    expect(g.growthPercent).toBeGreaterThan(30);
    expect(g.windowed!.growthPercent).toBeCloseTo(0, 5);
    expect(g.liveHeap!.growthPercent).toBeCloseTo(0, 5);
  });

  it("shows RSS and live heap that grow steadily", () => {
    // RSS +40% and the lowest heap +50% over the ten minutes after the baseline.
    const growing = samples(15, (t) => 500 + Math.max(0, t - 300) * (200 / 600), (t, i) => (i % 3 === 0 ? 100 : 300) + Math.max(0, t - 300) * (50 / 600));
    const g = memoryGrowth(growing, 900)!;
    expect(g.windowed!.growthPercent).toBeGreaterThan(30);
    expect(g.liveHeap!.baselineMiB).toBeLessThan(105);
    expect(g.liveHeap!.growthPercent).toBeGreaterThan(30);
  });

  it("leaves the live heap out when the server's heap was not sampled", () => {
    const noHeap = samples(15, () => 500, () => 0).map(({ heapUsedMiB: _, ...s }) => s);
    const g = memoryGrowth(noHeap, 900)!;
    expect(g.windowed!.growthPercent).toBeCloseTo(0, 5);
    expect(g.liveHeap).toBeUndefined();
  });
});
