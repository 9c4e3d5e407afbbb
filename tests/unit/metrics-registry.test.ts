import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/api/observability/metrics-registry.ts";

describe("the Prometheus registry", () => {
  it("writes counters with HELP, TYPE and sorted, escaped labels", () => {
    const registry = createRegistry();
    const counter = registry.counter("jobs_total", "Jobs done.");
    counter.inc({ type: 'a"b\\c\nd', kind: "x" });
    counter.inc({ type: 'a"b\\c\nd', kind: "x" }, 2);
    counter.inc();
    expect(registry.render()).toBe(['# HELP jobs_total Jobs done.', "# TYPE jobs_total counter", 'jobs_total{kind="x",type="a\\"b\\\\c\\nd"} 3', "jobs_total 1", ""].join("\n"));
  });

  it("refuses a counter going down, a bad name and a name used twice", () => {
    const registry = createRegistry();
    const counter = registry.counter("ok_total", "ok");
    expect(() => counter.inc({}, -1)).toThrow("can only go up");
    expect(() => registry.counter("bad-name", "x")).toThrow("not a Prometheus name");
    expect(() => registry.counter("ok_total", "again")).toThrow("registered twice");
    expect(() => counter.inc({ "bad-label": "x" })).toThrow("label name bad-label is not a Prometheus name");
  });

  it("writes cumulative histogram buckets, +Inf, sum and count", () => {
    const registry = createRegistry();
    const histogram = registry.histogram("latency_seconds", "Latency.", [0.1, 1, 0.5]);
    for (const value of [0.05, 0.3, 0.3, 2]) histogram.observe({ route: "/x" }, value);
    const lines = registry.render().split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        'latency_seconds_bucket{le="0.1",route="/x"} 1',
        'latency_seconds_bucket{le="0.5",route="/x"} 3',
        'latency_seconds_bucket{le="1",route="/x"} 3',
        'latency_seconds_bucket{le="+Inf",route="/x"} 4',
        'latency_seconds_sum{route="/x"} 2.65',
        'latency_seconds_count{route="/x"} 4',
      ]),
    );
    expect(histogram.count({ route: "/x" })).toBe(4);
  });

  it("asks collected gauges and counters for their values at each scrape", () => {
    const registry = createRegistry();
    let depth = 3;
    registry.gauge("depth", "Depth.", (gauge) => gauge.set({ queue: "q" }, depth));
    registry.collectedCounter("seen_total", "Seen.", () => [{ labels: { outcome: "ok" }, value: depth * 2 }]);
    expect(registry.render()).toContain('depth{queue="q"} 3\n');
    depth = 5;
    const text = registry.render();
    expect(text).toContain('depth{queue="q"} 5\n');
    expect(text).toContain("# TYPE seen_total counter\nseen_total{outcome=\"ok\"} 10\n");
  });
});
