/**
 * `npm run soak`: does Baton's memory stay flat under steady load, and how
 * long does it take to start on a long history? Baton runs as a child process
 * (`node --import tsx src/api/node.ts`, file store, fsync on, a temp DATA_DIR,
 * 127.0.0.1 only); this process drives it and watches its RSS.
 *
 * Soak (default), with the workload and SDK workers of `npm run bench`
 * (bench/workload.ts, bench/load.ts `startWorkload`), driven by bench/soak-load.ts:
 *   1. peak: a fresh server, closed loop with 50 workflows in flight for
 *      --peak-seconds (default 40; the first quarter, at most 10 s, is warm-up
 *      and not counted); skipped with --rate.
 *   2. soak: a second fresh server, workflows started open-loop at half the peak
 *      (or --rate) for --minutes (default 30); every --sample-seconds the
 *      server's RSS, CPU and /health, and the completions and latencies since.
 *   Reports RSS growth from 5 minutes in to the end (target < 10%), or from the
 *   first fifth of runs shorter than 10 minutes. Writes bench/results/soak.json.
 *
 * Start-up (--startup-events N): writes a log of at least N real events
 * (bench/soak-startup.ts), starts a server on an empty directory (the floor:
 * Node, tsx and module loading) and one on the log; times each until /health
 * answers and reads its RSS; then once more on the same directory, where the
 * first start left a read-model checkpoint. Writes bench/results/soak-startup.json.
 *
 * Crash trial (--crash-workflows N, --crash-kills K, default N/25, --seed S):
 * tests/support/crash-trial.ts with N workflows and K SIGKILLs at seeded random
 * moments; checks every workflow completed with the right output, no task
 * completion or workflow start stored twice, and `baton replay --url` equal.
 * Writes bench/results/crash-trial.json; exits 1 when a check fails.
 *
 * The exit status says whether the run was valid (no failed workflow, the
 * server stayed up), not whether the growth target was met; the table says that.
 */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runCrashTrial } from "../tests/support/crash-trial.ts";
import { describeMachine } from "./machine.ts";
import { drive } from "./soak-load.ts";
import { baselineSeconds, clock, count, fmt, memoryGrowth, mib, type PeakResult, type SoakSample, summaryTable } from "./soak-report.ts";
import { fetchHealth, fetchProcessMemory, readCpuMs, readMemory, startBatonChild } from "./soak-server.ts";
import { checkLoaded, generateEventLog, measureStartup } from "./soak-startup.ts";
import { percentile, table } from "./stats.ts";

const benchDir = dirname(fileURLToPath(import.meta.url));
const WORKERS = { concurrency: 10, pollInterval: 1 };
const SERVER_START_TIMEOUT_MS = 60_000;
const PEAK_INFLIGHT = 50;
const EXECUTE_WAIT_SECONDS = 30;

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    rate: { type: "string" },
    "peak-seconds": { type: "string", default: "40" },
    "sample-seconds": { type: "string", default: "5" },
    "max-open": { type: "string", default: "500" },
    "startup-events": { type: "string" },
    "crash-workflows": { type: "string" },
    "crash-kills": { type: "string" },
    seed: { type: "string", default: "20261203" },
    "startup-timeout-seconds": { type: "string", default: "900" },
    out: { type: "string" },
    "keep-data": { type: "boolean", default: false },
    /** Node flags for the soak's server, space-separated (e.g. "--max-semi-space-size=8"). */
    "server-node-args": { type: "string" },
    /** BATON_ settings for the soak's server, comma-separated NAME=VALUE. */
    "server-env": { type: "string" },
  },
});

/** The soak server's extra Node flags and settings (`--server-node-args`, `--server-env`). */
function serverOptions(): { nodeArgs: string[]; env: Record<string, string> } {
  const nodeArgs = (values["server-node-args"] ?? "").split(" ").filter(Boolean);
  const env: Record<string, string> = {};
  for (const pair of (values["server-env"] ?? "").split(",").filter(Boolean)) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`--server-env: expected NAME=VALUE pairs separated by commas, got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { nodeArgs, env };
}

function positive(name: keyof typeof values, whole: boolean): number {
  const raw = String(values[name]);
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) {
    console.error(`soak: --${name} must be a ${whole ? "whole " : ""}number > 0, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

// Every data directory lives under one scratch directory, removed on any exit.
const scratch = await mkdtemp(join(tmpdir(), "baton-soak-"));
process.once("exit", () => {
  if (values["keep-data"]) console.log(`soak: data kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
});
let dirs = 0;
const freshDir = () => mkdtemp(join(scratch, `${++dirs}-`));

async function writeResults(defaultName: string, report: unknown): Promise<void> {
  const out = values.out ? resolve(values.out) : join(benchDir, "results", defaultName);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

async function measurePeak(): Promise<PeakResult> {
  const seconds = positive("peak-seconds", false);
  const warmupSeconds = Math.min(10, seconds / 4);
  const server = await startBatonChild({ dataDir: await freshDir(), timeoutMs: SERVER_START_TIMEOUT_MS });
  console.log(`peak: closed loop, ${PEAK_INFLIGHT} workflows in flight, ${fmt(seconds, 0)} s (the first ${fmt(warmupSeconds, 0)} s not counted) ...`);
  try {
    const result = await drive({
      serverUrl: server.url,
      pacing: { kind: "closed", inflight: PEAK_INFLIGHT },
      durationMs: seconds * 1000,
      sampleEveryMs: seconds * 1000,
      waitForSeconds: EXECUTE_WAIT_SECONDS,
      workers: WORKERS,
      shouldStop: () => !server.alive(),
    });
    const problems = [...result.failures];
    if (result.stoppedEarly) problems.push(`stopped early: ${result.stoppedEarly}`);
    if (problems.length > 0) throw new Error(`peak run failed (${result.failed} failures):\n  ${problems.slice(0, 10).join("\n  ")}`);
    const counted = result.completions.filter((c) => c.atMs > warmupSeconds * 1000 && c.atMs <= result.elapsedMs);
    const measuredSeconds = result.elapsedMs / 1000 - warmupSeconds;
    const latencies = counted.map((c) => c.latencyMs);
    const peak: PeakResult = {
      workflowsPerSecond: counted.length / measuredSeconds,
      inflight: PEAK_INFLIGHT,
      workflows: counted.length,
      measuredSeconds,
      warmupSeconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      failed: result.failed,
    };
    console.log(
      `peak: ${fmt(peak.workflowsPerSecond)} workflows/s, p50 ${fmt(peak.p50Ms, 0)} ms, p99 ${fmt(peak.p99Ms, 0)} ms; ` +
        `server RSS ${fmt(mib(readMemory(server.pid).rssKiB))} MiB after ${count(result.completed)} workflows`,
    );
    return peak;
  } finally {
    await server.kill();
  }
}

async function crashTrial(): Promise<boolean> {
  const workflows = positive("crash-workflows", true);
  const kills = values["crash-kills"] === undefined ? Math.max(1, Math.round(workflows / 25)) : positive("crash-kills", true);
  const seed = positive("seed", true);
  console.log(`crash trial: ${workflows} workflows, ${kills} SIGKILLs, seed ${seed}, file store with fsync ...`);
  const result = await runCrashTrial({ dataDir: await freshDir(), workflows, kills, seed, log: (line) => console.log(`  ${line}`) });
  const checks = {
    "every workflow COMPLETED": result.notCompleted.length === 0,
    "every output right": result.wrongOutputs.length === 0,
    "no task completion stored twice": result.completedTwice.length === 0,
    "no workflow started twice": result.startedTwice.length === 0,
    "replay equal to live": result.replayStatus === 0 && /result: equal/.test(result.replayOutput),
  };
  console.log(table(["check", "result"], Object.entries(checks).map(([check, ok]) => [check, ok ? "yes" : "NO"])));
  console.log(`${result.completed}/${workflows} completed in ${fmt(result.elapsedMs / 1000, 1)} s; task updates before each kill: ${result.updatesAtKill.join(", ")}`);
  for (const problem of [...result.notCompleted, ...result.wrongOutputs, ...result.completedTwice, ...result.startedTwice.map(String)].slice(0, 10)) console.log(`  ${problem}`);
  await writeResults("crash-trial.json", { machine: describeMachine(), seed, checks, ...result });
  return Object.values(checks).every(Boolean);
}

async function soak(): Promise<boolean> {
  const machine = describeMachine();
  const minutes = positive("minutes", false);
  const sampleSeconds = positive("sample-seconds", false);
  const maxOpen = positive("max-open", true);
  const printEverySeconds = Math.max(30, sampleSeconds);
  const peak = values.rate === undefined ? await measurePeak() : undefined;
  const rate = peak ? Number((peak.workflowsPerSecond / 2).toFixed(1)) : positive("rate", false);
  const durationSeconds = minutes * 60;

  const server = await startBatonChild({ dataDir: await freshDir(), timeoutMs: SERVER_START_TIMEOUT_MS, ...serverOptions() });
  console.log(
    `soak: ${fmt(rate)} workflows/s open loop (${peak ? "half the peak" : "--rate"}) for ${fmt(minutes, 1)} min; server pid ${server.pid}, ` +
      `RSS ${fmt(mib(readMemory(server.pid).rssKiB))} MiB at start; a line every ${printEverySeconds} s`,
  );
  const baseline = baselineSeconds(durationSeconds);
  console.log(`soak: RSS growth is measured ${baseline.rule}: ${clock(baseline.seconds)} -> ${clock(durationSeconds)}`);
  const samples: SoakSample[] = [];
  const cpuAtStart = readCpuMs(server.pid);
  let lastCpu = { ms: cpuAtStart, at: 0, driver: process.cpuUsage() };
  // Progress lines summarise the samples since the previous line.
  let lastPrint = { atSeconds: 0, completed: 0, cpuMs: cpuAtStart, driver: process.cpuUsage() };
  let printLatencies: number[] = [];
  const result = await drive({
    serverUrl: server.url,
    pacing: { kind: "rate", perSecond: rate, maxOpen },
    durationMs: durationSeconds * 1000,
    sampleEveryMs: sampleSeconds * 1000,
    waitForSeconds: EXECUTE_WAIT_SECONDS,
    workers: WORKERS,
    shouldStop: () => !server.alive(),
    async onSample(p) {
      const atSeconds = p.elapsedMs / 1000;
      const memory = readMemory(server.pid);
      const cpuMs = readCpuMs(server.pid);
      const driver = process.cpuUsage(lastCpu.driver);
      const health = await fetchHealth(server.url, 5000).catch(() => undefined);
      const processMemory = await fetchProcessMemory(server.url, 5000).catch(() => undefined);
      const previous = samples[samples.length - 1];
      const sinceSeconds = atSeconds - (previous?.atSeconds ?? 0);
      const sample: SoakSample = {
        atSeconds: Number(atSeconds.toFixed(1)),
        rssMiB: Number(mib(memory.rssKiB).toFixed(1)),
        peakRssMiB: memory.peakKiB !== undefined ? Number(mib(memory.peakKiB).toFixed(1)) : undefined,
        serverCpuPercent:
          cpuMs !== undefined && lastCpu.ms !== undefined ? Number(((100 * (cpuMs - lastCpu.ms)) / (p.elapsedMs - lastCpu.at)).toFixed(1)) : undefined,
        driverCpuPercent: Number(((100 * (driver.user + driver.system)) / 1000 / (p.elapsedMs - lastCpu.at)).toFixed(1)),
        loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
        completed: p.completed,
        failed: p.failed,
        skipped: p.skipped,
        open: p.open,
        windowRate: Number(((p.completed - (previous?.completed ?? 0)) / sinceSeconds).toFixed(1)),
        windowP50Ms: percentile(p.windowLatencies, 50),
        windowP99Ms: percentile(p.windowLatencies, 99),
        serverWorkflows: health?.workflows,
        heapUsedMiB: processMemory && Number((processMemory.heapUsed / 2 ** 20).toFixed(1)),
        heapTotalMiB: processMemory && Number((processMemory.heapTotal / 2 ** 20).toFixed(1)),
        externalMiB: processMemory && Number((processMemory.external / 2 ** 20).toFixed(1)),
        arrayBuffersMiB: processMemory && Number((processMemory.arrayBuffers / 2 ** 20).toFixed(1)),
      };
      lastCpu = { ms: cpuMs, at: p.elapsedMs, driver: process.cpuUsage() };
      samples.push(sample);
      printLatencies = printLatencies.concat(p.windowLatencies);
      if (atSeconds + 0.5 >= lastPrint.atSeconds + printEverySeconds || atSeconds + 0.5 >= durationSeconds) {
        const span = atSeconds - lastPrint.atSeconds;
        const cpu = cpuMs !== undefined && lastPrint.cpuMs !== undefined ? (100 * (cpuMs - lastPrint.cpuMs)) / (span * 1000) : undefined;
        const driverCpu = process.cpuUsage(lastPrint.driver);
        console.log(
          `  ${clock(atSeconds).padStart(6)}  RSS ${fmt(sample.rssMiB).padStart(7)} MiB  completed ${count(p.completed).padStart(9)}  ` +
            `${fmt((p.completed - lastPrint.completed) / span).padStart(6)}/s  p50 ${fmt(percentile(printLatencies, 50), 0).padStart(5)} ms  ` +
            `p99 ${fmt(percentile(printLatencies, 99), 0).padStart(5)} ms  open ${String(p.open).padStart(3)}  failed ${p.failed}  ` +
            `skipped ${p.skipped}  cpu: server ${fmt(cpu, 0).padStart(3)}% driver ${fmt((driverCpu.user + driverCpu.system) / 10 / (span * 1000), 0).padStart(3)}%  ` +
            `load ${fmt(sample.loadAverage1m)}  workflows held ${sample.serverWorkflows !== undefined ? count(sample.serverWorkflows) : "?"}  ` +
            `heap ${fmt(sample.heapUsedMiB, 0)}/${fmt(sample.heapTotalMiB, 0)} MiB external ${fmt(sample.externalMiB, 0)} MiB`,
        );
        lastPrint = { atSeconds, completed: p.completed, cpuMs, driver: process.cpuUsage() };
        printLatencies = [];
      }
    },
  });
  const cpuAtEnd = readCpuMs(server.pid);
  const serverAlive = server.alive();
  const stderr = server.stderrTail();
  await server.kill();

  const growth = memoryGrowth(samples, durationSeconds);
  const inTime = result.completions.filter((c) => c.atMs <= result.elapsedMs);
  const achievedRate = inTime.length / (result.elapsedMs / 1000);
  const latencies = result.completions.map((c) => c.latencyMs);
  const serverCpuMsPerWorkflow =
    cpuAtStart !== undefined && cpuAtEnd !== undefined && result.completed > 0 ? (cpuAtEnd - cpuAtStart) / result.completed : undefined;
  console.log();
  console.log(
    summaryTable({
      peak,
      targetRate: rate,
      achievedRate,
      durationSeconds: result.elapsedMs / 1000,
      growth,
      completed: result.completed,
      failed: result.failed,
      skipped: result.skipped,
      latencies,
      serverCpuMsPerWorkflow,
      serverWorkflowsAtEnd: samples[samples.length - 1]?.serverWorkflows,
      loadAverages: samples.map((s) => s.loadAverage1m),
      driverCpuPercents: samples.map((s) => s.driverCpuPercent),
    }),
  );
  // The first sample, the first of every minute, and the last.
  const perMinute = samples.filter(
    (s, i) => i === 0 || i === samples.length - 1 || Math.floor(s.atSeconds / 60) > Math.floor(samples[i - 1]!.atSeconds / 60),
  );
  console.log(`RSS (MiB) by minute: ${perMinute.map((s) => `${clock(s.atSeconds)} ${fmt(s.rssMiB, 0)}`).join(", ")}`);
  console.log(
    `heap used/reserved, external (MiB) by minute: ${perMinute.map((s) => `${clock(s.atSeconds)} ${fmt(s.heapUsedMiB, 0)}/${fmt(s.heapTotalMiB, 0)}, ${fmt(s.externalMiB, 0)}`).join("; ")}`,
  );

  const problems = [...result.failures];
  if (result.failed > result.failures.length) problems.push(`... ${result.failed - result.failures.length} more failures`);
  if (result.stoppedEarly) problems.push(`stopped early: ${result.stoppedEarly}`);
  if (!serverAlive) problems.push(`the server died; its stderr ended with:\n${stderr}`);
  await writeResults("soak.json", {
    date: new Date().toISOString(),
    machine,
    settings: {
      minutes,
      rate,
      rateFrom: peak ? "half the measured peak" : "--rate",
      peakSeconds: peak ? Number(values["peak-seconds"]) : null,
      peakInflight: peak ? PEAK_INFLIGHT : null,
      sampleSeconds,
      maxOpen,
      workers: { ...WORKERS, batchPollTimeoutMs: 100 },
      start: `POST /api/workflow/execute (waitForSeconds ${EXECUTE_WAIT_SECONDS}), plain fetch`,
      store: "file, fsync on",
      server: serverOptions(),
    },
    peak: peak ?? null,
    soak: {
      targetRate: rate,
      achievedRate,
      elapsedSeconds: result.elapsedMs / 1000,
      started: result.started,
      completed: result.completed,
      failed: result.failed,
      skipped: result.skipped,
      latencyMs: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies.reduce((a, b) => Math.max(a, b), 0),
      },
      serverCpuMsPerWorkflow: serverCpuMsPerWorkflow ?? null,
      memory: growth
        ? {
            rule: growth.rule,
            baselineAtSeconds: growth.baseline.atSeconds,
            baselineRssMiB: growth.baseline.rssMiB,
            endAtSeconds: growth.end.atSeconds,
            endRssMiB: growth.end.rssMiB,
            growthPercent: growth.growthPercent,
            targetPercent: 10,
            withinTarget: growth.growthPercent < 10,
            maxSampledRssMiB: growth.maxSampledRssMiB,
            peakRssMiB: growth.peakRssMiB ?? null,
          }
        : null,
    },
    problems,
    samples,
  });
  if (problems.length > 0) {
    console.error("\nsoak: the run is not valid:");
    for (const problem of problems) console.error(`  ${problem}`);
    return false;
  }
  return true;
}

async function startup(): Promise<boolean> {
  const machine = describeMachine();
  const target = positive("startup-events", true);
  const timeoutMs = positive("startup-timeout-seconds", false) * 1000;
  console.log(`start-up: writing at least ${count(target)} events (the soak's workflows, run by the engine in-process, fsync off) ...`);
  const dataDir = await freshDir();
  const log = await generateEventLog(dataDir, target, (line) => console.log(line));
  console.log(
    `start-up: ${count(log.events)} events, ${count(log.workflows)} workflows, ${fmt(log.bytes / 2 ** 20)} MiB of log, written in ${fmt(log.ms / 1000)} s`,
  );
  const settleMs = 5000;
  const empty = await measureStartup(await freshDir(), timeoutMs, settleMs);
  const loaded = await measureStartup(dataDir, timeoutMs, settleMs, checkLoaded(log));
  // The first start folded the whole log and wrote a read-model checkpoint when it had caught up.
  const again = await measureStartup(dataDir, timeoutMs, settleMs, checkLoaded(log));
  const row = (name: string, m: typeof empty) => [
    name,
    fmt(m.startupMs / 1000, 2),
    fmt(mib(m.rssAtHealthKiB)),
    fmt(mib(m.rssSettledKiB)),
    m.peakRssKiB !== undefined ? fmt(mib(m.peakRssKiB)) : "-",
    count(m.health.workflows),
  ];
  console.log();
  console.log(
    table(
      ["data directory", "spawn -> /health s", "RSS at /health MiB", `RSS ${settleMs / 1000} s later MiB`, "peak RSS MiB", "workflows held"],
      [
        row("empty (floor: node, tsx, modules)", empty),
        row(`${count(log.events)} events, first start`, loaded),
        row(`${count(log.events)} events, from its checkpoint`, again),
      ],
    ),
  );
  console.log(
    `loading the history added ${fmt((loaded.startupMs - empty.startupMs) / 1000, 2)} s and ${fmt(mib(loaded.rssSettledKiB - empty.rssSettledKiB))} MiB; ` +
      `checked: /health position matches the log, workflow ${log.firstWorkflowId} reads COMPLETED with its output`,
  );
  await writeResults("soak-startup.json", {
    date: new Date().toISOString(),
    machine,
    log: { events: log.events, workflows: log.workflows, bytes: log.bytes, generatedSeconds: log.ms / 1000 },
    empty,
    loaded,
    again,
  });
  return true;
}

try {
  const ok = values["crash-workflows"] !== undefined ? await crashTrial() : values["startup-events"] !== undefined ? await startup() : await soak();
  if (!ok) process.exitCode = 1;
} catch (error) {
  console.error("soak: failed:", error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
// Everything is closed by now; a leaked handle must not keep the benchmark (and its server) alive.
setTimeout(() => process.exit(), 5000).unref();
