/**
 * A small Prometheus registry that runs on every runtime (Node, Deno, Bun,
 * workerd): counters, gauges and histograms with labels, written in the text
 * exposition format 0.0.4. prom-client is the usual choice on Node, but it
 * imports `node:cluster`, `perf_hooks` and `process` at load, which workerd
 * has not, and Baton's app is one portable `fetch`; what it needs of a client
 * (three metric kinds and the text format) fits in this file.
 */

export type Labels = Record<string, string>;

interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  lines(): string[];
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}

export interface Gauge {
  set(labels: Labels, value: number): void;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
  count(labels?: Labels): number;
}

export interface Registry {
  counter(name: string, help: string): Counter;
  /** A gauge; `collect` (when given) sets its values at every scrape. */
  gauge(name: string, help: string, collect?: (gauge: Gauge) => void): Gauge;
  /** A counter whose values another component already counts; read at every scrape. */
  collectedCounter(name: string, help: string, collect: () => { labels: Labels; value: number }[]): void;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** The text exposition of every metric. */
  render(): string;
}

/** Seconds, from a millisecond to five minutes: HTTP calls, appends, tasks and workflows alike. */
export const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] as const;

/** What the text format's content type is. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function createRegistry(): Registry {
  const metrics = new Map<string, Metric>();
  const add = (metric: Metric) => {
    if (!NAME.test(metric.name)) throw new Error(`metric name ${metric.name} is not a Prometheus name`);
    if (metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    metrics.set(metric.name, metric);
  };
  return {
    counter(name, help) {
      const values = new Map<string, number>();
      add({ name, help, type: "counter", lines: () => [...values].map(([key, value]) => `${name}${key} ${number(value)}`) });
      return {
        inc(labels = {}, by = 1) {
          if (!(by >= 0)) throw new Error(`counter ${name} can only go up (asked to add ${by})`);
          const key = labelText(labels);
          values.set(key, (values.get(key) ?? 0) + by);
        },
        get: (labels = {}) => values.get(labelText(labels)) ?? 0,
      };
    },
    gauge(name, help, collect) {
      const values = new Map<string, number>();
      const gauge: Gauge = { set: (labels, value) => void values.set(labelText(labels), value) };
      add({
        name,
        help,
        type: "gauge",
        lines: () => {
          if (collect) {
            values.clear();
            collect(gauge);
          }
          return [...values].map(([key, value]) => `${name}${key} ${number(value)}`);
        },
      });
      return gauge;
    },
    collectedCounter(name, help, collect) {
      add({ name, help, type: "counter", lines: () => collect().map(({ labels, value }) => `${name}${labelText(labels)} ${number(value)}`) });
    },
    histogram(name, help, buckets) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
      add({
        name,
        help,
        type: "histogram",
        lines: () =>
          [...series.values()].flatMap(({ labels, counts, sum, count }) => [
            ...bounds.map((bound, i) => `${name}_bucket${labelText({ ...labels, le: number(bound) })} ${counts[i]}`),
            `${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${count}`,
            `${name}_sum${labelText(labels)} ${number(sum)}`,
            `${name}_count${labelText(labels)} ${count}`,
          ]),
      });
      return {
        observe(labels, value) {
          const key = labelText(labels);
          let entry = series.get(key);
          if (!entry) series.set(key, (entry = { labels, counts: bounds.map(() => 0), sum: 0, count: 0 }));
          // Cumulative buckets: each counts every observation at or below its bound.
          for (let i = bounds.length - 1; i >= 0 && value <= bounds[i]!; i--) entry.counts[i]! += 1;
          entry.sum += value;
          entry.count += 1;
        },
        count: (labels = {}) => series.get(labelText(labels))?.count ?? 0,
      };
    },
    render() {
      const out: string[] = [];
      for (const metric of metrics.values()) {
        out.push(`# HELP ${metric.name} ${metric.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${metric.name} ${metric.type}`, ...metric.lines());
      }
      return `${out.join("\n")}\n`;
    },
  };
}

/** Label names already checked: every increment names its labels again, and the set of names is small. */
const checkedLabelNames = new Set<string>();
/** Characters the text format escapes in a label value. */
const NEEDS_ESCAPE = /[\\"\n]/;

/**
 * The series key and its text: `{a="1",b="2"}`, names sorted. It runs on
 * every increment and observation (each request, append and task change), so
 * a name is checked once and a value is escaped only when it needs it.
 */
function labelText(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return "";
  if (names.length > 1) names.sort();
  let text = "{";
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (!checkedLabelNames.has(name)) {
      if (!LABEL.test(name)) throw new Error(`label name ${name} is not a Prometheus name`);
      checkedLabelNames.add(name);
    }
    const value = labels[name]!;
    text += `${i === 0 ? "" : ","}${name}="${NEEDS_ESCAPE.test(value) ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : value}"`;
  }
  return `${text}}`;
}

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
