/**
 * The soak benchmark's arithmetic: which samples the memory growth is measured
 * between, and the summary table. Kept apart from the driver so the rule
 * ("after the first 5 minutes", or the first fifth of a short run) lives in one place.
 */
import { percentile, table } from "./stats.ts";

/** One look at the server and the driver, every few seconds during the soak. */
export interface SoakSample {
  /** Since the first start, s. */
  atSeconds: number;
  rssMiB: number;
  /** The kernel's high-water mark of the server's RSS so far (VmHWM), MiB. */
  peakRssMiB?: number;
  /** Server CPU since the previous sample, % of one core. */
  serverCpuPercent?: number;
  /** This process's CPU (SDK workers and the starter) since the previous sample, % of one core. */
  driverCpuPercent: number;
  /** The machine's 1-minute load average: other work on the machine shows here. */
  loadAverage1m: number;
  completed: number;
  failed: number;
  skipped: number;
  open: number;
  /** Completions per second since the previous sample. */
  windowRate: number;
  windowP50Ms: number;
  windowP99Ms: number;
  /** Workflows the server's read models hold, from /health. */
  serverWorkflows?: number;
  /** The server's `process.memoryUsage()` from its /metrics, MiB: which part of RSS grows. */
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
  arrayBuffersMiB?: number;
}

/** Memory growth is measured from here: 5 minutes in, or a fifth of a run shorter than 10 minutes. */
export function baselineSeconds(durationSeconds: number): { seconds: number; rule: string } {
  return durationSeconds >= 600
    ? { seconds: 300, rule: "from 5 minutes in" }
    : { seconds: durationSeconds / 5, rule: "from the first fifth of the run, as it is shorter than 10 minutes" };
}

export interface MemoryGrowth {
  rule: string;
  baseline: SoakSample;
  end: SoakSample;
  growthPercent: number;
  maxSampledRssMiB: number;
  peakRssMiB?: number;
  /**
   * The same growth between the median RSS of the minute from the baseline and
   * of the run's last minute: one sample can land just before or after a major
   * GC (they differ by 100+ MiB under load), a minute's median cannot.
   */
  windowed?: { baselineMiB: number; endMiB: number; growthPercent: number };
  /**
   * The JS heap in use at its lowest in the first and the last quarter of the
   * measured span (a major GC falls in each): about the live data. When it stays flat while RSS grows, what grows is
   * V8's reserve for garbage, not what the server keeps.
   */
  liveHeap?: { baselineMiB: number; endMiB: number; growthPercent: number };
}

/** Samples whose time lies in [from, from + seconds). */
function window(samples: SoakSample[], from: number, seconds: number): SoakSample[] {
  return samples.filter((s) => s.atSeconds >= from - 0.5 && s.atSeconds < from + seconds - 0.5);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const growth = (baseline: number, end: number) => ((end - baseline) / baseline) * 100;

/** The windowed measures: RSS over a minute (at most a quarter of the span) from the baseline and at the end; the live heap over a quarter of the span. */
function windowedGrowth(samples: SoakSample[], baselineAt: number, endAt: number): Pick<MemoryGrowth, "windowed" | "liveHeap"> {
  const quarter = Math.max(1, (endAt - baselineAt) / 4);
  const seconds = Math.min(60, quarter);
  const first = window(samples, baselineAt, seconds);
  const last = window(samples, endAt - seconds + 1, seconds);
  if (first.length === 0 || last.length === 0) return {};
  const baselineMiB = median(first.map((s) => s.rssMiB));
  const endMiB = median(last.map((s) => s.rssMiB));
  const heaps = (xs: SoakSample[]) => xs.map((s) => s.heapUsedMiB).filter((h): h is number => h !== undefined);
  const [heapFirst, heapLast] = [heaps(window(samples, baselineAt, quarter)), heaps(window(samples, endAt - quarter + 1, quarter))];
  return {
    windowed: { baselineMiB, endMiB, growthPercent: growth(baselineMiB, endMiB) },
    ...(heapFirst.length > 0 && heapLast.length > 0
      ? { liveHeap: { baselineMiB: Math.min(...heapFirst), endMiB: Math.min(...heapLast), growthPercent: growth(Math.min(...heapFirst), Math.min(...heapLast)) } }
      : {}),
  };
}

export function memoryGrowth(samples: SoakSample[], durationSeconds: number): MemoryGrowth | undefined {
  const { seconds, rule } = baselineSeconds(durationSeconds);
  // Samples fall on fixed offsets; allow for the last one landing a hair early.
  const baseline = samples.find((s) => s.atSeconds >= seconds - 0.5);
  const end = samples[samples.length - 1];
  if (!baseline || !end) return undefined;
  return {
    rule,
    baseline,
    end,
    growthPercent: growth(baseline.rssMiB, end.rssMiB),
    maxSampledRssMiB: Math.max(...samples.map((s) => s.rssMiB)),
    peakRssMiB: end.peakRssMiB,
    ...windowedGrowth(samples, baseline.atSeconds, end.atSeconds),
  };
}

export const GROWTH_TARGET_PERCENT = 10;

export const mib = (kib: number) => kib / 1024;
export const fmt = (n: number | undefined, digits = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : "-");
export const count = (n: number) => n.toLocaleString("en-US");
export const clock = (seconds: number) => {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
};

/** The closed-loop run the soak rate is derived from. */
export interface PeakResult {
  workflowsPerSecond: number;
  inflight: number;
  /** Completions counted (after the warm-up). */
  workflows: number;
  measuredSeconds: number;
  warmupSeconds: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

export interface SummaryInput {
  peak?: PeakResult;
  targetRate: number;
  achievedRate: number;
  durationSeconds: number;
  growth?: MemoryGrowth;
  completed: number;
  failed: number;
  skipped: number;
  latencies: number[];
  serverCpuMsPerWorkflow?: number;
  serverWorkflowsAtEnd?: number;
  /** The machine's 1-minute load average at each sample. */
  loadAverages: number[];
  /** This process's CPU per sample, % of one core. */
  driverCpuPercents: number[];
}

export function summaryTable(s: SummaryInput): string {
  const rows: string[][] = [];
  rows.push([
    "peak rate",
    s.peak
      ? `${fmt(s.peak.workflowsPerSecond)} workflows/s (closed loop, ${s.peak.inflight} in flight, ${count(s.peak.workflows)} workflows in ${fmt(s.peak.measuredSeconds)} s after ${fmt(s.peak.warmupSeconds, 0)} s warm-up, p50 ${fmt(s.peak.p50Ms, 0)} ms, p99 ${fmt(s.peak.p99Ms, 0)} ms)`
      : "not measured (--rate given)",
  ]);
  rows.push(["soak rate", `${fmt(s.targetRate)} workflows/s asked, ${fmt(s.achievedRate)} completed/s, for ${fmt(s.durationSeconds / 60, 1)} min`]);
  const g = s.growth;
  if (g) {
    rows.push([`RSS at ${clock(g.baseline.atSeconds)}`, `${fmt(g.baseline.rssMiB)} MiB (baseline: growth is measured ${g.rule})`]);
    rows.push([`RSS at end (${clock(g.end.atSeconds)})`, `${fmt(g.end.rssMiB)} MiB`]);
    const verdict = g.growthPercent < GROWTH_TARGET_PERCENT ? "within" : "ABOVE";
    rows.push(["RSS growth after baseline", `${g.growthPercent >= 0 ? "+" : ""}${fmt(g.growthPercent)}% (${verdict} the < ${GROWTH_TARGET_PERCENT}% target)`]);
    if (g.windowed) {
      const w = g.windowed;
      rows.push(["RSS growth, minute medians", `${fmt(w.baselineMiB)} -> ${fmt(w.endMiB)} MiB, ${w.growthPercent >= 0 ? "+" : ""}${fmt(w.growthPercent)}% (median of the samples in the minute from the baseline and in the last minute)`]);
    }
    if (g.liveHeap) {
      const h = g.liveHeap;
      rows.push(["live JS heap (lowest heap in use)", `${fmt(h.baselineMiB)} -> ${fmt(h.endMiB)} MiB, ${h.growthPercent >= 0 ? "+" : ""}${fmt(h.growthPercent)}% (lowest in the first and last quarter after the baseline: about what the server keeps; RSS minus this is V8's reserve, native memory and code)`]);
    }
    rows.push(["max RSS", `${fmt(g.maxSampledRssMiB)} MiB sampled${g.peakRssMiB !== undefined ? `, ${fmt(g.peakRssMiB)} MiB kernel high-water mark` : ""}`]);
  } else {
    rows.push(["RSS growth", "not measured: no sample at or after the baseline time"]);
  }
  rows.push(["workflows completed", count(s.completed)]);
  rows.push(["failures", `${count(s.failed)}${s.skipped > 0 ? `; ${count(s.skipped)} starts skipped (too many open)` : ""}`]);
  rows.push([
    "latency (execute -> COMPLETED)",
    `p50 ${fmt(percentile(s.latencies, 50), 0)} ms, p90 ${fmt(percentile(s.latencies, 90), 0)} ms, p99 ${fmt(percentile(s.latencies, 99), 0)} ms, max ${fmt(s.latencies.reduce((a, b) => Math.max(a, b), -Infinity), 0)} ms`,
  ]);
  rows.push(["server CPU per workflow", s.serverCpuMsPerWorkflow !== undefined ? `${fmt(s.serverCpuMsPerWorkflow, 2)} ms` : "-"]);
  const range = (xs: number[], digits: number) =>
    xs.length ? `${fmt(Math.min(...xs), digits)}-${fmt(Math.max(...xs), digits)}` : "-";
  rows.push(["driver CPU (workers, starter)", `${range(s.driverCpuPercents, 0)}% of a core per sample`]);
  rows.push(["machine load average (1 min)", `${range(s.loadAverages, 2)} during the soak (other work on the machine shows here)`]);
  rows.push(["workflows in server memory at end", s.serverWorkflowsAtEnd !== undefined ? `${count(s.serverWorkflowsAtEnd)} (from /health)` : "-"]);
  return table(["measure", "value"], rows);
}
