/**
 * `npm run compare`: Baton and Conductor OSS side by side, in one run, driven by
 * the same official JS SDK workers and load generator (bench/load.ts), rounds
 * alternating between the servers (issue 17).
 *
 * Variants: `baton` (started as `npm start` runs it: node + tsx, file store,
 * fsync on) and `conductor-<version>-<sqlite|postgres>` (the boot jar from
 * Maven Central, scripts/services/conductor.sh; PostgreSQL from
 * scripts/services/postgres.sh, started before Conductor and not counted in its
 * start-up, but counted in its CPU and memory).
 *
 * Each round starts every variant fresh and measures:
 *   cold start   spawn to healthy (/health)
 *   memory       the server's process tree (PSS summed), idle (2 s after start)
 *                and the highest sample under load
 *   load         the 3-task chain at each --inflight: throughput, p50, p99, and
 *                the server tree's CPU per workflow (/proc/<pid>/stat)
 *   fork, loop   a FORK_JOIN of 10 branches, a 100-iteration DO_WHILE (bench/compare-workloads.ts)
 *   sink         the sink round trip on a real Kafka broker, Baton's router against
 *                Conductor with its Kafka event queue plus the seed's router service,
 *                each on a server of its own started for it (bench/compare-sink.ts)
 * The summary takes each figure's median over the rounds; every run is in the JSON.
 *
 * Completions are seen by the status observer (bench/completion-observer.ts): one
 * bulk status request per round for at most --observe-batch workflows in flight,
 * rounds spaced by 1/20 of the median latency so far (at least --observe-interval
 * ms apart), so each workflow is asked about as often on a fast server as on a
 * slow one. Its requests per workflow are in the table, and its server CPU per
 * request is measured per variant (a few seconds of rounds over finished
 * workflows, nothing else running).
 *
 * A load step that does not finish within --time-cap seconds is stopped, its
 * leftover workflows terminated, and the table says "timed out" for it.
 *
 * Options: --variants LIST (default: baton and the four Conductor variants),
 * --scenarios load,fork,loop,sink, --inflight 10,50,200, --rounds N (2),
 * --workflows N (400: twice the highest in-flight level), --warmup N (20), --fork-workflows N (20), --loop-workflows N (2),
 * --sink-workflows N (150), --sink-inflight N (50),
 * --concurrency N per task type (10), --time-cap S per step (240),
 * --observe-interval MS (10), --observe-batch N (20), --quick (1 round, 40
 * workflows after 10, in flight 10 and 50, 6 fork and 1 loop workflow, 40 sink
 * workflows, time cap 90 s), --charts DIR (where the SVG charts go besides
 * bench/results; default docs/bench). The defaults are the full run: 21
 * minutes for the five variants and every scenario on a quiet 2-core machine.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { buildServer } from "../scripts/build-server.ts";
import { SERVER_ENTRY } from "../scripts/server-build-stamp.mjs";
import { freePort } from "../tests/support/process.ts";
import { forkWorkload, loopWorkload } from "./compare-workloads.ts";
import { type RouterStats, runSinkRound, type SinkServerSettings, stopSinkBroker } from "./compare-sink.ts";
import { type MeasureRow, markdownTable, missedTargets, svgBarChart } from "./compare-report.ts";
import { statusObserver } from "./completion-observer.ts";
import { type LoadResult, runLoad } from "./load.ts";
import { describeMachine } from "./machine.ts";
import { treeCpuMs, treeMemoryMiB } from "./process-tree.ts";
import { chainWorkload as chain, type Workload } from "./workload.ts";

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = dirname(benchDir);
const ALL_VARIANTS = ["baton", "conductor-3.21.14-sqlite", "conductor-3.21.14-postgres", "conductor-3.32.3-sqlite", "conductor-3.32.3-postgres"];
const ALL_SCENARIOS = ["load", "fork", "loop", "sink"] as const;
type ScenarioName = (typeof ALL_SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    variants: { type: "string", default: ALL_VARIANTS.join(",") },
    scenarios: { type: "string", default: ALL_SCENARIOS.join(",") },
    inflight: { type: "string" },
    rounds: { type: "string" },
    workflows: { type: "string" },
    warmup: { type: "string" },
    "fork-workflows": { type: "string" },
    "loop-workflows": { type: "string" },
    "sink-workflows": { type: "string" },
    "sink-inflight": { type: "string" },
    concurrency: { type: "string", default: "10" },
    "time-cap": { type: "string" },
    "observe-interval": { type: "string", default: "10" },
    "observe-batch": { type: "string", default: "20" },
    quick: { type: "boolean", default: false },
    "baton-build": { type: "string", default: "compiled" },
    charts: { type: "string", default: join(repoDir, "docs", "bench") },
  },
});

function fail(message: string): never {
  console.error(`compare: ${message}`);
  process.exit(2);
}
function wholeNumber(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) fail(`--${name} must be a whole number >= ${min}, got '${raw}'`);
  return Number(raw);
}
const quick = values.quick;
const settings = {
  rounds: wholeNumber("rounds", values.rounds, quick ? 1 : 2),
  workflows: wholeNumber("workflows", values.workflows, quick ? 40 : 400),
  warmup: wholeNumber("warmup", values.warmup, quick ? 10 : 20, 0),
  forkWorkflows: wholeNumber("fork-workflows", values["fork-workflows"], quick ? 6 : 20),
  loopWorkflows: wholeNumber("loop-workflows", values["loop-workflows"], quick ? 1 : 2),
  sinkWorkflows: wholeNumber("sink-workflows", values["sink-workflows"], quick ? 40 : 150),
  sinkInflight: wholeNumber("sink-inflight", values["sink-inflight"], 50),
  concurrency: wholeNumber("concurrency", values.concurrency, 10),
  timeCapSeconds: wholeNumber("time-cap", values["time-cap"], quick ? 90 : 240),
  observeIntervalMs: wholeNumber("observe-interval", values["observe-interval"], 10),
  observeBatch: wholeNumber("observe-batch", values["observe-batch"], 20),
  inflight: (values.inflight ?? (quick ? "10,50" : "10,50,200")).split(",").map((v) => wholeNumber("inflight", v, 0)),
};
const variants = values.variants.split(",").map((v) => v.trim());
/** How Baton is started: `compiled` (node dist/api/node.js, what `npm start` runs after `npm run build`) or `sources` (node + tsx). */
const batonBuild = values["baton-build"];
if (batonBuild !== "compiled" && batonBuild !== "sources") fail(`--baton-build must be 'compiled' or 'sources', got '${batonBuild}'`);
for (const v of variants) if (!ALL_VARIANTS.includes(v)) fail(`--variants: unknown variant '${v}' (known: ${ALL_VARIANTS.join(", ")})`);
if (variants[0] !== "baton") fail("--variants must start with baton: ratios are taken against it");
const scenarios = values.scenarios.split(",").map((s) => s.trim()) as ScenarioName[];
for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) fail(`--scenarios: unknown scenario '${s}' (known: ${ALL_SCENARIOS.join(", ")})`);
/** Whether any scenario runs on the plain server (cold start and memory are measured on it); sink starts its own. */
const plainServer = scenarios.some((s) => s !== "sink");

// ---- servers -------------------------------------------------------------------

interface RunningServer {
  url: string;
  /** Roots of the process trees whose CPU and memory count as the server's. */
  roots: number[];
  coldStartSeconds: number;
  version: string;
  stop(): Promise<void>;
}

function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile("bash", [join(repoDir, "scripts", "services", script), ...args], { env: { ...process.env, ...env }, timeout: 900_000, maxBuffer: 1 << 22 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/services/${script} ${args.join(" ")} failed: ${stderr.trim().split("\n").slice(-15).join("\n") || error.message}`));
      else resolve(parseAssignments(stdout));
    });
  });
}

/** The `NAME=value` lines a service script prints. */
function parseAssignments(stdout: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const match of stdout.matchAll(/^([A-Z_]+)=(.*)$/gm)) pairs[match[1]!] = match[2]!.trim();
  return pairs;
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} during start-up`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url} was not healthy within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

async function startBaton(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "baton-compare-"));
  const port = await freePort();
  const started = performance.now();
  // As `npm start` runs it: the compiled build (made current before the run) or the
  // sources through tsx. BATON_FSYNC is left unset: the default (fsync on) is measured.
  const entry = batonBuild === "compiled" ? ["--enable-source-maps", SERVER_ENTRY] : ["--import", "tsx", "src/api/node.ts"];
  const child = spawn(process.execPath, entry, {
    cwd: repoDir,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, BATON_EVENT_STORE: "file", BATON_LOG_LEVEL: "warn", ...extraEnv },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, 120_000);
  const coldStartSeconds = (performance.now() - started) / 1000;
  return {
    url,
    roots: [child.pid!],
    coldStartSeconds,
    version: `baton (this checkout, ${batonBuild === "compiled" ? "compiled build" : "sources through tsx"}), node ${process.version}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await Promise.race([exited, sleep(15_000).then(() => child.kill("SIGKILL"))]);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function startConductor(variant: string, extraProperties: string[] = []): Promise<RunningServer> {
  const [, version, db] = /^conductor-(.+)-(sqlite|postgres)$/.exec(variant)!;
  const env: Record<string, string> = { CONDUCTOR_VERSION: version!, CONDUCTOR_DB: db!, CONDUCTOR_OWNER_PID: String(process.pid) };
  if (extraProperties.length > 0) env.CONDUCTOR_EXTRA_PROPERTIES = extraProperties.join("\n");
  let pg: Record<string, string> | undefined;
  if (db === "postgres") {
    pg = await runScript("postgres.sh", ["start"], { PG_OWNER_PID: String(process.pid) });
    env.CONDUCTOR_PG_URL = pg.PG_URL!;
    env.CONDUCTOR_PG_USER = pg.PG_USER!;
  }
  try {
    const out = await runScript("conductor.sh", ["start"], env);
    return {
      url: out.CONDUCTOR_URL!,
      roots: [Number(out.CONDUCTOR_PID), ...(pg ? [Number(pg.PG_PID)] : [])],
      coldStartSeconds: Number(out.CONDUCTOR_READY_SECONDS),
      version: `Conductor OSS ${version} (${db})`,
      async stop() {
        await runScript("conductor.sh", ["stop", out.CONDUCTOR_DIR!]);
        if (pg) await runScript("postgres.sh", ["stop", pg.PG_DIR!]);
      },
    };
  } catch (error) {
    if (pg) await runScript("postgres.sh", ["stop", pg.PG_DIR!]).catch(() => undefined);
    throw error;
  }
}

// ---- measuring -------------------------------------------------------------------

interface Measured extends LoadResult {
  serverCpuMsPerWorkflow: number;
  peakMemoryMiB: number;
  /** The measured workflows' ids (kept out of the JSON: only the observer's calibration uses them). */
  workflowIds?: string[];
}

const runStarted = performance.now();
/** Progress lines carry the run's elapsed time, so a long run can be followed. */
function progress(line: string): void {
  const s = Math.round((performance.now() - runStarted) / 1000);
  console.log(`[${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}] ${line}`);
}

async function measure(server: RunningServer, workload: Workload, workflows: number, warmup: number, inflight: number, stallTimeoutMs = 90_000): Promise<Measured> {
  let cpuStart = 0;
  let cpuEnd = 0;
  let peak = 0;
  let workflowIds: string[] = [];
  const sampler = setInterval(() => (peak = Math.max(peak, treeMemoryMiB(server.roots))), 500);
  try {
    const result = await runLoad({
      serverUrl: server.url,
      workflows,
      warmup,
      inflight,
      observer: "status",
      observeIntervalMs: settings.observeIntervalMs,
      observeLatencyFraction: 1 / 20,
      observeBatch: settings.observeBatch,
      timeCapMs: settings.timeCapSeconds * 1000,
      stallTimeoutMs,
      workers: { concurrency: settings.concurrency, pollInterval: 1 },
      workload,
      onMeasuredStart: () => (cpuStart = treeCpuMs(server.roots)),
      onMeasuredEnd: (ids) => {
        cpuEnd = treeCpuMs(server.roots);
        workflowIds = ids;
      },
    });
    peak = Math.max(peak, treeMemoryMiB(server.roots));
    return { ...result, serverCpuMsPerWorkflow: (cpuEnd - cpuStart) / workflows, peakMemoryMiB: peak, workflowIds };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * The observer's own cost on a server: its rounds alone, at the run's interval and
 * batch, over finished workflows, for a few seconds; the server tree's CPU per
 * second of that. The same requests on every variant, so the same load offered.
 */
async function observerCost(server: RunningServer, workflowIds: string[], seconds = 3): Promise<{ requestsPerSecond: number; serverCpuMsPerRequest: number }> {
  const observer = statusObserver(server.url, settings.observeBatch);
  const cpuStart = treeCpuMs(server.roots);
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const roundStart = performance.now();
    await observer.round(workflowIds);
    await sleep(Math.max(0, settings.observeIntervalMs - (performance.now() - roundStart)));
  }
  const elapsed = (performance.now() - started) / 1000;
  return { requestsPerSecond: observer.requests / elapsed, serverCpuMsPerRequest: (treeCpuMs(server.roots) - cpuStart) / Math.max(1, observer.requests) };
}

interface RoundResult {
  variant: string;
  round: number;
  version?: string;
  coldStartSeconds?: number;
  idleMemoryMiB?: number;
  loadedMemoryMiB?: number;
  load: Record<string, Measured>;
  fork?: Measured;
  loop?: Measured;
  /** Why a step has no figures ("timed out ...", "failed"), by step name (load@50, fork10, loop100). */
  notes: Record<string, string>;
  observer?: { requestsPerSecond: number; serverCpuMsPerRequest: number };
  /** Up to three workflows per failed step that were never seen ending, as the server returned them. */
  stuck: Record<string, unknown[]>;
  sink?: Measured & { router?: RouterStats };
  errors: string[];
}

/** A workflow that never ended, in one line: id, status and where each of its tasks stands. */
function describeStuck(workflow: unknown): string {
  const w = workflow as { workflowId?: string; status?: string; error?: string; tasks?: Array<{ referenceTaskName?: string; status?: string }> };
  if (w.error) return `${w.workflowId}: ${w.error}`;
  return `${w.workflowId} ${w.status} [${(w.tasks ?? []).map((t) => `${t.referenceTaskName} ${t.status}`).join(", ")}]`;
}
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
const fmt = (n: number | undefined, digits = 1) => (n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits));

type Step = <T extends Measured>(name: string, run: () => Promise<T>) => Promise<T | undefined>;

/** Cold start, memory and the scenarios that share one plain server (all but sink). */
async function runOnPlainServer(variant: string, result: RoundResult, step: Step, lastIds: () => string[]): Promise<void> {
  let server: RunningServer;
  try {
    server = variant === "baton" ? await startBaton() : await startConductor(variant);
  } catch (error) {
    result.errors.push(`start: ${describe(error)}`);
    progress(`  ${variant}: did not start (${describe(error).split("\n")[0]})`);
    return;
  }
  result.version = server.version;
  result.coldStartSeconds = server.coldStartSeconds;
  progress(`  ${variant}: healthy after ${fmt(server.coldStartSeconds, 2)} s`);
  try {
    await sleep(2000);
    result.idleMemoryMiB = treeMemoryMiB(server.roots);
    if (scenarios.includes("load")) {
      for (const inflight of settings.inflight) {
        const m = await step(`load@${inflight}`, () => measure(server, chain, settings.workflows, settings.warmup, inflight));
        if (m) result.load[String(inflight)] = m;
      }
    }
    if (scenarios.includes("fork")) result.fork = await step("fork10", () => measure(server, forkWorkload, settings.forkWorkflows, 2, 10));
    if (scenarios.includes("loop")) result.loop = await step("loop100", () => measure(server, loopWorkload, settings.loopWorkflows, 0, settings.loopWorkflows));
    const peaks = [...Object.values(result.load), result.fork, result.loop].flatMap((m) => (m ? [m.peakMemoryMiB] : []));
    if (peaks.length > 0) result.loadedMemoryMiB = Math.max(...peaks);
    const ids = lastIds();
    if (ids.length > 0) {
      try {
        result.observer = await observerCost(server, ids);
        progress(`  ${variant} observer alone: ${fmt(result.observer.requestsPerSecond, 0)} req/s, server cpu ${fmt(result.observer.serverCpuMsPerRequest, 2)} ms per request`);
      } catch (error) {
        result.errors.push(`observer cost: ${describe(error)}`);
      }
    }
  } finally {
    await server.stop().catch((error: unknown) => result.errors.push(`stop: ${describe(error)}`));
  }
}

async function runVariant(variant: string, round: number): Promise<RoundResult> {
  const result: RoundResult = { variant, round, load: {}, notes: {}, stuck: {}, errors: [] };
  let lastIds: string[] = [];
  const step: Step = async (name, run) => {
    try {
      const m = await run();
      if (m.workflowIds && m.workflowIds.length > lastIds.length) lastIds = m.workflowIds;
      delete m.workflowIds;
      const observed = `observer ${fmt(m.observerRequests / m.wallSeconds, 0)} req/s, ${fmt(m.observerRequests / m.workflows, 2)} per workflow`;
      if (m.failures.length > 0) {
        result.errors.push(`${name}: ${m.failures.slice(0, 3).join("; ")}`);
        if (m.stuck.length > 0) {
          result.stuck[name] = m.stuck;
          result.errors.push(`${name}: never seen ending (full JSON under runs[].stuck): ${m.stuck.map(describeStuck).join("; ")}`);
        }
        result.notes[name] = m.timedOut ? `timed out (cap ${settings.timeCapSeconds} s)` : "failed";
        progress(`  ${variant} ${name}: ${m.timedOut ? "TIMED OUT" : "FAILED"}: ${m.failures[0]}`);
        return undefined;
      }
      progress(
        `  ${variant} ${name}: ${fmt(m.workflowsPerSecond)} wf/s, p50 ${fmt(m.latencyMs.p50, 0)} ms, p99 ${fmt(m.latencyMs.p99, 0)} ms, ` +
          `server cpu ${fmt(m.serverCpuMsPerWorkflow, 2)} ms/wf, memory ${fmt(m.peakMemoryMiB, 0)} MiB, ${observed}`,
      );
      return m;
    } catch (error) {
      result.errors.push(`${name}: ${describe(error)}`);
      result.notes[name] = "failed";
      progress(`  ${variant} ${name}: FAILED (${describe(error)})`);
      return undefined;
    }
  };
  // A sink-only run starts no plain server: the sink scenario starts its own.
  if (plainServer) await runOnPlainServer(variant, result, step, () => lastIds);
  if (scenarios.includes("sink")) {
    // On a server of its own, told about the broker: the other scenarios run without one.
    const start = async (kafka: SinkServerSettings) => {
      const server = variant === "baton" ? await startBaton(kafka.batonEnv) : await startConductor(variant, kafka.conductorProperties);
      result.version ??= server.version;
      return server;
    };
    result.sink = await step(`sink@${settings.sinkInflight}`, async () => {
      const round = await runSinkRound(variant, result.round, start, (sinkServer, workload) =>
        // 180 s: Conductor 3.32.3 leaves a workflow whose decide after POST /api/tasks
        // missed the execution lock to its sweeper, which completes it about 100 s later.
        measure(sinkServer, workload, settings.sinkWorkflows, settings.warmup, settings.sinkInflight, 180_000),
      );
      return { ...round.measured, ...(round.router ? { router: round.router } : {}), failures: [...round.measured.failures, ...round.problems] };
    });
  }
  return result;
}

// ---- summary --------------------------------------------------------------------

function median(list: Array<number | undefined>): number | undefined {
  const ok = list.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (ok.length === 0) return undefined;
  const mid = Math.floor(ok.length / 2);
  return ok.length % 2 ? ok[mid] : (ok[mid - 1]! + ok[mid]!) / 2;
}

function label(variant: string): string {
  if (variant === "baton") return "Baton";
  const [, version, db] = /^conductor-(.+)-(sqlite|postgres)$/.exec(variant)!;
  return `Conductor ${version} ${db === "sqlite" ? "SQLite" : "PostgreSQL"}`;
}

function summaryRows(runs: RoundResult[]): MeasureRow[] {
  const per = (pick: (r: RoundResult) => number | undefined) =>
    Object.fromEntries(variants.map((v) => [label(v), median(runs.filter((r) => r.variant === v).map(pick))]));
  // Where no round of a variant has a figure for a step, the table says why (e.g. "timed out").
  const notes = (step: string) =>
    Object.fromEntries(variants.flatMap((v) => runs.filter((r) => r.variant === v).flatMap((r) => (r.notes[step] ? [[label(v), r.notes[step]!]] : [])).slice(0, 1)));
  const rows: MeasureRow[] = [];
  for (const inflight of scenarios.includes("load") ? settings.inflight : []) {
    const key = String(inflight);
    const why = notes(`load@${inflight}`);
    rows.push({ measure: `throughput, ${inflight} in flight`, unit: "wf/s", better: "higher", target: 10, values: per((r) => r.load[key]?.workflowsPerSecond), notes: why });
    rows.push({ measure: `p50 latency, ${inflight} in flight`, unit: "ms", better: "lower", values: per((r) => r.load[key]?.latencyMs.p50), notes: why });
    rows.push({ measure: `p99 latency, ${inflight} in flight`, unit: "ms", better: "lower", target: 0.1, values: per((r) => r.load[key]?.latencyMs.p99), notes: why });
    rows.push({ measure: `server CPU per workflow, ${inflight} in flight`, unit: "ms", better: "lower", values: per((r) => r.load[key]?.serverCpuMsPerWorkflow), notes: why });
    rows.push({ measure: `observer requests per workflow, ${inflight} in flight`, unit: "req", better: "lower", values: per((r) => (r.load[key] ? r.load[key].observerRequests / r.load[key].workflows : undefined)), notes: why });
  }
  for (const [name, step, pick] of [["FORK_JOIN of 10", "fork10", (r: RoundResult) => r.fork], ["DO_WHILE of 100", "loop100", (r: RoundResult) => r.loop]] as const) {
    if (!scenarios.includes(name.startsWith("FORK") ? "fork" : "loop")) continue;
    const why = notes(step);
    rows.push({ measure: `${name}: throughput`, unit: "wf/s", better: "higher", values: per((r) => pick(r)?.workflowsPerSecond), notes: why });
    rows.push({ measure: `${name}: p99 latency`, unit: "ms", better: "lower", values: per((r) => pick(r)?.latencyMs.p99), notes: why });
    rows.push({ measure: `${name}: server CPU per workflow`, unit: "ms", better: "lower", values: per((r) => pick(r)?.serverCpuMsPerWorkflow), notes: why });
  }
  if (scenarios.includes("sink")) {
    const at = `${settings.sinkInflight} in flight`;
    const why = notes(`sink@${settings.sinkInflight}`);
    rows.push({ measure: `sink round trip: throughput, ${at}`, unit: "wf/s", better: "higher", values: per((r) => r.sink?.workflowsPerSecond), notes: why });
    rows.push({ measure: `sink round trip: p50 latency, ${at}`, unit: "ms", better: "lower", values: per((r) => r.sink?.latencyMs.p50), notes: why });
    rows.push({ measure: `sink round trip: p99 latency, ${at}`, unit: "ms", better: "lower", target: 0.2, values: per((r) => r.sink?.latencyMs.p99), notes: why });
    rows.push({ measure: `sink round trip: server CPU per workflow, ${at}`, unit: "ms", better: "lower", values: per((r) => r.sink?.serverCpuMsPerWorkflow), notes: why });
  }
  if (!plainServer) return rows;
  // What one of the completion observer's requests costs each server (its requests alone, at a fixed rate).
  rows.push({ measure: "observer alone: server CPU per request", unit: "ms", better: "lower", values: per((r) => r.observer?.serverCpuMsPerRequest) });
  rows.push({ measure: "memory idle", unit: "MiB", better: "lower", values: per((r) => r.idleMemoryMiB) });
  rows.push({ measure: "memory under load (peak)", unit: "MiB", better: "lower", target: 0.25, values: per((r) => r.loadedMemoryMiB) });
  rows.push({ measure: "cold start to healthy", unit: "s", better: "lower", target: 0.05, values: per((r) => r.coldStartSeconds) });
  return rows;
}

function charts(rows: MeasureRow[]): Record<string, string> {
  const series = variants.map(label);
  const group = (measure: string, groupLabel: string) => ({ label: groupLabel, values: rows.find((r) => r.measure === measure)?.values ?? {} });
  const out: Record<string, string> = {};
  if (scenarios.includes("load")) {
    out["compare-throughput.svg"] = svgBarChart({ title: "Throughput, 3-task workflow (higher is better)", unit: "workflows/s", series, groups: settings.inflight.map((n) => group(`throughput, ${n} in flight`, `${n} in flight`)) });
    out["compare-p99.svg"] = svgBarChart({ title: "p99 latency, 3-task workflow (lower is better)", unit: "ms", series, groups: settings.inflight.map((n) => group(`p99 latency, ${n} in flight`, `${n} in flight`)) });
    out["compare-cpu.svg"] = svgBarChart({ title: "Server CPU per workflow (lower is better)", unit: "ms", series, groups: settings.inflight.map((n) => group(`server CPU per workflow, ${n} in flight`, `${n} in flight`)) });
  }
  if (scenarios.includes("sink")) {
    const at = `${settings.sinkInflight} in flight`;
    out["compare-sink-latency.svg"] = svgBarChart({
      title: "Sink round trip latency, Kafka (lower is better)",
      unit: "ms",
      series,
      groups: [group(`sink round trip: p50 latency, ${at}`, `p50, ${at}`), group(`sink round trip: p99 latency, ${at}`, `p99, ${at}`)],
    });
    out["compare-sink-cpu.svg"] = svgBarChart({
      title: "Sink round trip: server CPU per workflow (lower is better)",
      unit: "ms",
      series,
      groups: [group(`sink round trip: server CPU per workflow, ${at}`, at)],
    });
  }
  if (!plainServer) return out;
  out["compare-memory.svg"] = svgBarChart({ title: "Server memory, PSS of the process tree (lower is better)", unit: "MiB", series, groups: [group("memory idle", "idle"), group("memory under load (peak)", "under load")] });
  out["compare-cold-start.svg"] = svgBarChart({ title: "Cold start to healthy (lower is better)", unit: "s", series, groups: [group("cold start to healthy", "cold start")] });
  return out;
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const command = `npm run compare -- ${process.argv.slice(2).join(" ")}`.trim();
  console.log(`variants: ${variants.join(", ")}; scenarios: ${scenarios.join(", ")}; ${JSON.stringify(settings)}`);
  if (variants.includes("baton") && batonBuild === "compiled") {
    const build = await buildServer();
    progress(build.built ? `built the server (${Math.round(build.ms)} ms)` : "the compiled server build is current");
  }
  const runs: RoundResult[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    // Alternate the order each round so no variant always runs first (or last) on a warming machine.
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const variant of order) {
      progress(`round ${round}/${settings.rounds}, variant ${runs.length + 1} of ${settings.rounds * variants.length}: ${variant}`);
      runs.push(await runVariant(variant, round));
    }
  }
  await stopSinkBroker().catch((error: unknown) => console.error(`compare: stopping the sink scenario's broker: ${describe(error)}`));
  const rows = summaryRows(runs);
  const input = { variants: variants.map(label), rows };
  const table = markdownTable(input);
  const missed = missedTargets(input);
  const versions = Object.fromEntries(variants.map((v) => [label(v), runs.find((r) => r.variant === v && r.version)?.version]));
  const errors = runs.flatMap((r) => r.errors.map((e) => `${r.variant} (round ${r.round}): ${e}`));
  console.log(`\nmedian of ${settings.rounds} round(s); in brackets Baton's figure over the other's\n`);
  console.log(table);
  if (missed.length > 0) console.log(`\ntargets missed:\n${missed.map((m) => `  ${m}`).join("\n")}`);

  const resultsDir = join(benchDir, "results");
  const chartsDir = values.charts;
  await mkdir(resultsDir, { recursive: true });
  await mkdir(chartsDir, { recursive: true });
  const date = new Date().toISOString();
  await writeFile(join(resultsDir, "compare-latest.json"), `${JSON.stringify({ date, command, machine, settings, variants, scenarios, versions, summary: rows, missed, runs, errors }, null, 2)}\n`);
  const svgs = charts(rows);
  for (const [name, svg] of Object.entries(svgs)) {
    await writeFile(join(resultsDir, name), svg);
    await writeFile(join(chartsDir, name), svg);
  }
  const chartLinks = Object.keys(svgs).map((name) => `![${name}](${relative(repoDir, join(chartsDir, name))})`).join("\n");
  const markdown = [
    `Measured ${date} with \`${command}\` on ${machine.cpus} cpus (${machine.cpuModel}), ${machine.totalMemGiB} GiB, load average ${machine.loadAverage1m} at start; node ${machine.node}.`,
    `Versions: ${Object.entries(versions).map(([k, v]) => `${k}: ${v ?? "did not start"}`).join("; ")}.`,
    `Median of ${settings.rounds} round(s); ${[
      ...(plainServer ? [`${settings.workflows} workflows per load step after ${settings.warmup} warm-up, SDK workers at concurrency ${settings.concurrency} per task type`] : []),
      ...(scenarios.includes("sink") ? [`sink: ${settings.sinkWorkflows} workflows after ${settings.warmup} warm-up, ${settings.sinkInflight} in flight, on Kafka ${process.env.KAFKA_VERSION ?? "3.9.2"}`] : []),
    ].join("; ")}. In brackets: Baton's figure over the other's.`,
    "",
    table,
    "",
    missed.length > 0 ? `Targets missed:\n\n${missed.map((m) => `- ${m}`).join("\n")}` : "Every target with a figure on both sides was met.",
    errors.length > 0 ? `\nErrors:\n\n${errors.map((e) => `- ${e}`).join("\n")}` : "",
    "",
    chartLinks,
    "",
  ].join("\n");
  await writeFile(join(resultsDir, "compare-latest.md"), markdown);
  console.log(`\nwrote bench/results/compare-latest.{json,md} and ${Object.keys(svgs).length} charts (also in ${relative(repoDir, chartsDir)})`);
  if (errors.length > 0) {
    console.error(`\ncompare: ${errors.length} problem(s):\n${errors.map((e) => `  ${e}`).join("\n")}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error("compare: failed:", error);
  process.exitCode = 1;
});
