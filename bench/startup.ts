/**
 * Cold start and idle memory, the TypeScript runner against the compiled build:
 * `node --import tsx src/api/node.ts` (what `npm start` ran before the build) and
 * `node dist/api/node.js` (what it runs when the build is current), in alternating
 * rounds on the same machine, with a floor measured in the same rounds: a bare
 * `node` that serves one HTTP answer (the least any Node server costs).
 *
 *   npx tsx bench/startup.ts [rounds=5]
 *
 * For each: milliseconds from spawn to the first /health answer and to
 * /health/ready answering 200, and RSS (VmRSS from /proc) 2 s after ready.
 * Memory store, in-process bus: what is measured is Baton's own start, not a dependency's.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { buildServer } from "../scripts/build-server.ts";
import { describeMachine } from "./machine.ts";

type Variant = "floor" | "tsx" | "compiled";
const COMMANDS: Record<Variant, string[]> = {
  floor: ["-e", "require('node:http').createServer((q,s)=>s.end('ok')).listen(Number(process.env.PORT))"],
  tsx: ["--import", "tsx", "src/api/node.ts"],
  compiled: ["dist/api/node.js"],
};

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function firstAnswer(url: string, ok: (status: number) => boolean, deadline: number): Promise<number> {
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (ok(response.status)) return performance.now();
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url}: no answer in time`);
    await sleep(10);
  }
}

async function measure(variant: Variant, port: number): Promise<{ healthMs: number; readyMs: number; rssMiB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, COMMANDS[variant], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", NODE_OPTIONS: "" },
    stdio: "ignore",
  });
  try {
    const deadline = started + 120_000;
    const base = `http://127.0.0.1:${port}`;
    const health = await firstAnswer(`${base}/health`, () => true, deadline);
    const ready = variant === "floor" ? health : await firstAnswer(`${base}/health/ready`, (s) => s === 200, deadline);
    await sleep(2000);
    return { healthMs: health - started, readyMs: ready - started, rssMiB: await rssMiB(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const rounds = Number(process.argv[2] ?? 5);
describeMachine();
const build = await buildServer();
console.log(build.built ? `built dist/ in ${Math.round(build.ms)} ms` : "dist/ is current");
const results: Record<Variant, { healthMs: number; readyMs: number; rssMiB: number }[]> = { floor: [], tsx: [], compiled: [] };
for (let round = 0; round < rounds; round++) {
  // Alternate the order so neither variant always runs on a warmer machine.
  const order: Variant[] = round % 2 === 0 ? ["floor", "tsx", "compiled"] : ["compiled", "tsx", "floor"];
  for (const variant of order) results[variant].push(await measure(variant, 19_500 + round));
  console.log(`round ${round + 1}/${rounds}: ${order.map((v) => `${v} ready ${Math.round(results[v].at(-1)!.readyMs)} ms`).join(", ")}`);
}
console.log("\n| variant | first /health (ms) | ready (ms) | RSS idle (MiB) |\n|---|---|---|---|");
for (const variant of ["floor", "tsx", "compiled"] as const) {
  const r = results[variant];
  console.log(`| ${variant} | ${Math.round(median(r.map((x) => x.healthMs)))} | ${Math.round(median(r.map((x) => x.readyMs)))} | ${median(r.map((x) => x.rssMiB)).toFixed(0)} |`);
}
const m = (v: Variant, k: "healthMs" | "readyMs" | "rssMiB") => median(results[v].map((x) => x[k]));
console.log(
  `\ncompiled / tsx (medians of ${rounds} rounds): first /health ${(m("compiled", "healthMs") / m("tsx", "healthMs")).toFixed(2)}, ` +
    `ready ${(m("compiled", "readyMs") / m("tsx", "readyMs")).toFixed(2)}, RSS ${(m("compiled", "rssMiB") / m("tsx", "rssMiB")).toFixed(2)}; ` +
    `above the floor: ready ${Math.round(m("tsx", "readyMs") - m("floor", "readyMs"))} ms vs ${Math.round(m("compiled", "readyMs") - m("floor", "readyMs"))} ms, ` +
    `RSS ${Math.round(m("tsx", "rssMiB") - m("floor", "rssMiB"))} MiB vs ${Math.round(m("compiled", "rssMiB") - m("floor", "rssMiB"))} MiB`,
);
