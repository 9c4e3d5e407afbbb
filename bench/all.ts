/**
 * `npm run bench`: the SDK workload, replay and the Kafka sink round trip, one
 * after another, each in its own process. `npm run bench -- --scaleout` (or
 * BENCH_SCALEOUT=1) adds bench/scaleout.ts: summed server CPU per workflow,
 * throughput and p99s with 1, 2 and 3 processes, as ratios against one process.
 * It starts three servers per scenario and takes several minutes, so it is off
 * by default. Arguments after `--scaleout` go to bench/scaleout.ts
 * (`npm run bench -- --scaleout --workflows 80`).
 */
import { spawn } from "node:child_process";

const args = process.argv.slice(2);
const at = args.indexOf("--scaleout");
const unknown = at === -1 ? args : args.slice(0, at);
if (unknown.length > 0) {
  console.error(`bench: unknown argument ${unknown[0]}; usage: npm run bench [-- --scaleout [bench/scaleout.ts options]]`);
  process.exit(2);
}
const scaleout = at !== -1 || process.env.BENCH_SCALEOUT === "1";
const steps: [string, string[]][] = [
  ["bench/run.ts", []],
  ["bench/replay.ts", []],
  ["bench/sink.ts", []],
  ...(scaleout ? [["bench/scaleout.ts", at === -1 ? [] : args.slice(at + 1)] as [string, string[]]] : []),
];

for (const [file, options] of steps) {
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...options], { stdio: "inherit" });
    child.once("exit", (exitCode) => resolve(exitCode));
  });
  if (code !== 0) {
    console.error(`bench: ${file} failed (exit ${code})`);
    process.exit(code ?? 1);
  }
}
