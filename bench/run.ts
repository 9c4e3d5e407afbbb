/**
 * `npm run bench`: the same SDK-driven workload against three servers, each in
 * a fresh child process (see scenario.ts):
 *   stub          the floor: HTTP + SDK only (bench/stub-server.ts)
 *   baton-memory  Baton on the in-memory event store
 *   baton-file    Baton on the file event store, fsync on (the default)
 * Prints a table and writes bench/results/latest.json.
 *
 * The scenarios run interleaved, --rounds times (default 3); the table shows
 * each scenario's median run by throughput, so one disturbed run (another
 * process on the machine) does not decide the result. Every run is in the JSON.
 *
 * Options (or env): --workflows N (BENCH_WORKFLOWS, default 300), --warmup N
 * (BENCH_WARMUP, 30), --inflight N (BENCH_INFLIGHT, 50), --concurrency N per
 * task type (BENCH_CONCURRENCY, 10), --poll-interval MS (BENCH_POLL_INTERVAL, 1),
 * --rounds N (BENCH_ROUNDS, 3), --only stub,baton-file (run a subset).
 */
import { describeMachine } from "./machine.ts";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Scenario, ScenarioResult } from "./scenario.ts";
import { table } from "./stats.ts";

const SCENARIO_ORDER: Scenario[] = ["stub", "baton-memory", "baton-file"];
const SCENARIO_TIMEOUT_MS = 150_000;
const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = dirname(benchDir);

const { values } = parseArgs({
  options: {
    workflows: { type: "string", default: process.env.BENCH_WORKFLOWS || "300" },
    warmup: { type: "string", default: process.env.BENCH_WARMUP || "30" },
    inflight: { type: "string", default: process.env.BENCH_INFLIGHT || "50" },
    concurrency: { type: "string", default: process.env.BENCH_CONCURRENCY || "10" },
    "poll-interval": { type: "string", default: process.env.BENCH_POLL_INTERVAL || "1" },
    rounds: { type: "string", default: process.env.BENCH_ROUNDS || "3" },
    only: { type: "string" },
  },
});
for (const key of ["workflows", "warmup", "inflight", "concurrency", "poll-interval", "rounds"] as const) {
  if (!/^\d+$/.test(values[key]) || (key !== "warmup" && Number(values[key]) < 1)) {
    console.error(`bench: --${key} must be a whole number${key === "warmup" ? "" : " >= 1"}, got '${values[key]}'`);
    process.exit(2);
  }
}
const scenarios = values.only ? (values.only.split(",") as Scenario[]) : SCENARIO_ORDER;
for (const s of scenarios) {
  if (!SCENARIO_ORDER.includes(s)) {
    console.error(`bench: unknown scenario '${s}' (known: ${SCENARIO_ORDER.join(", ")})`);
    process.exit(2);
  }
}

function runScenario(scenario: Scenario, out: string): Promise<void> {
  const args = [
    "--import", "tsx", join(benchDir, "scenario.ts"),
    "--scenario", scenario, "--out", out,
    "--workflows", values.workflows, "--warmup", values.warmup, "--inflight", values.inflight,
    "--concurrency", values.concurrency, "--poll-interval", values["poll-interval"],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoDir, stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => {
      console.error(`bench: ${scenario} took longer than ${SCENARIO_TIMEOUT_MS / 1000} s; stopping it`);
      child.kill("SIGKILL");
    }, SCENARIO_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${scenario} exited with ${signal ?? `code ${code}`}`));
    });
  });
}

const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log(
    `workload: ${values.workflows} workflows of 3 SIMPLE tasks (+${values.warmup} warm-up), at most ${values.inflight} in flight; ` +
      `SDK TaskHandler workers: concurrency ${values.concurrency} per task type, pollInterval ${values["poll-interval"]} ms, ` +
      `batch-poll timeout 100 ms (SDK default); SDK HTTP pool: 10 keep-alive connections (SDK default); ` +
      `server, SDK and workers share one process per scenario`,
  );

  const rounds = Number(values.rounds);
  const scratch = await mkdtemp(join(tmpdir(), "baton-bench-results-"));
  const runs = new Map<Scenario, ScenarioResult[]>(scenarios.map((s) => [s, []]));
  const errors: string[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const scenario of scenarios) {
        process.stdout.write(`round ${round}/${rounds}: ${scenario.padEnd(12)} ... `);
        const out = join(scratch, `${scenario}-${round}.json`);
        try {
          await runScenario(scenario, out);
          const result = JSON.parse(await readFile(out, "utf8")) as ScenarioResult;
          runs.get(scenario)!.push(result);
          console.log(
            result.failures.length === 0
              ? `${fmt(result.workflowsPerSecond, 1)} workflows/s, p50 ${fmt(result.latencyMs.p50, 0)} ms, p99 ${fmt(result.latencyMs.p99, 0)} ms`
              : `FAILED (${result.failures.length} problems)`,
          );
          for (const failure of result.failures.slice(0, 10)) errors.push(`${scenario} (round ${round}): ${failure}`);
          if (result.failures.length > 10) errors.push(`${scenario} (round ${round}): ... and ${result.failures.length - 10} more`);
        } catch (error) {
          console.log("FAILED");
          errors.push(`${scenario} (round ${round}): ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  // Each scenario's median run by throughput (of the runs that passed their checks).
  const median = (list: ScenarioResult[]): ScenarioResult | undefined => {
    const ok = list.filter((r) => r.failures.length === 0).sort((a, b) => a.workflowsPerSecond - b.workflowsPerSecond);
    return ok[Math.floor((ok.length - 1) / 2)];
  };
  const chosen = scenarios.flatMap((s) => {
    const m = median(runs.get(s)!);
    return m ? [m] : [];
  });
  const floor = chosen.find((r) => r.scenario === "stub");
  const ratio = (r: ScenarioResult) => (floor ? r.workflowsPerSecond / floor.workflowsPerSecond : Number.NaN);
  const label = (s: Scenario) => (s === "stub" ? "stub" : s === "baton-file" ? "baton(file)" : "baton(memory)");
  const spread = (s: Scenario) => {
    const all = runs.get(s)!.filter((r) => r.failures.length === 0).map((r) => r.workflowsPerSecond);
    return all.length > 1 ? `${fmt(Math.min(...all), 0)}-${fmt(Math.max(...all), 0)}` : "-";
  };
  const rows = chosen.map((r) => [
    label(r.scenario),
    String(r.workflows),
    fmt(r.wallSeconds, 2),
    fmt(r.workflowsPerSecond, 1),
    fmt(r.latencyMs.p50, 1),
    fmt(r.latencyMs.p99, 1),
    floor ? `${fmt(ratio(r), 2)}x stub` : "-",
    spread(r.scenario),
    fmt(r.cpuMsPerWorkflow, 2),
  ]);
  console.log();
  console.log(`median of ${rounds} round(s) per scenario:`);
  console.log(
    table(["scenario", "workflows", "wall s", "workflows/s", "p50 ms", "p99 ms", "vs floor", "w/s range", "cpu ms/wf"], rows),
  );
  if (floor) {
    for (const r of chosen) if (r.scenario !== "stub") console.log(`${label(r.scenario)} = ${fmt(ratio(r), 2)}x stub`);
  }
  console.log(
    "(latency: start request sent -> COMPLETED seen by the observer; cpu ms/wf: CPU of the whole process, server + SDK + workers, per workflow)",
  );

  const resultsDir = join(benchDir, "results");
  await mkdir(resultsDir, { recursive: true });
  const report = {
    date: new Date().toISOString(),
    machine,
    settings: {
      workflows: Number(values.workflows),
      warmup: Number(values.warmup),
      inflight: Number(values.inflight),
      workerConcurrencyPerTaskType: Number(values.concurrency),
      pollIntervalMs: Number(values["poll-interval"]),
      batchPollTimeoutMs: 100,
      fsync: true,
      sdkHttpConnections: 10,
    },
    rounds,
    summary: chosen.map((r) => ({ ...r, throughputVsStub: floor ? ratio(r) : null })),
    runs: Object.fromEntries([...runs].map(([scenario, list]) => [scenario, list])),
    errors,
  };
  await writeFile(join(resultsDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${join("bench", "results", "latest.json")}`);

  const missing = scenarios.filter((s) => !chosen.some((r) => r.scenario === s));
  if (missing.length > 0) errors.push(`no passing run for: ${missing.join(", ")}`);
  if (errors.length > 0) {
    console.error("\nbench: FAILED");
    for (const error of errors) console.error(`  ${error}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error("bench: failed:", error);
  process.exitCode = 1;
});
