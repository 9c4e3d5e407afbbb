/**
 * Scale-out CPU (issue 13): the summed CPU of all Baton processes per completed
 * workflow, with one, two and three processes on one EventStoreDB (the test
 * stand-in, running in this process and not counted), with partitioned
 * ownership (BATON_CLUSTER=true); with `--baseline` also three without it
 * (every process sweeping every timer and racing for every reactor, as before).
 * Also throughput, the p99 of the REST calls and the p99 of a workflow's
 * duration (its startTime to endTime).
 *
 *   tsx bench/scaleout.ts [--workflows N] [--processes 1,2,3] [--baseline] [--profile dir] [--out file.json]
 *
 * `--profile dir` writes a V8 CPU profile of the second process of each
 * multi-process run to `dir` (the processes stop with SIGTERM then).
 *
 * Workflows: SIMPLE -> EVENT (a reactor) -> WAIT 0 s (a timer) -> SIMPLE, started
 * round-robin on the processes; workers poll all processes in turn over REST.
 * CPU is read from /proc/<pid>/stat (Linux), from the first start to the last completion.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startEsdbStandin } from "../tests/support/esdb-standin/index.ts";
import { freePort } from "../tests/support/process.ts";

const { values } = parseArgs({
  options: {
    workflows: { type: "string", default: "300" },
    processes: { type: "string", default: "1,2,3" },
    baseline: { type: "boolean", default: false },
    profile: { type: "string" },
    out: { type: "string" },
  },
});
const counts = values.processes.split(",").map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error("bench/scaleout: --processes must be a comma-separated list of whole numbers >= 1, e.g. 1,2,3");
  process.exit(2);
}
const workflows = Number(values.workflows);
if (!Number.isInteger(workflows) || workflows < 1) {
  console.error("bench/scaleout: --workflows must be a whole number >= 1");
  process.exit(2);
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
}

const latencies: number[] = [];

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const begun = performance.now();
  try {
    return await send(url, method, path, body);
  } finally {
    latencies.push(performance.now() - begun);
  }
}

async function send(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

async function waitHealthy(url: string, members: number | undefined): Promise<void> {
  const deadline = Date.now() + 180_000; // three tsx servers starting on a loaded 2-core machine take a while
  let last = "no answer";
  for (;;) {
    try {
      // /health answers 503 while the server starts (degraded start), 200 once it serves the API.
      const answer = await send(url, "GET", "/health");
      const health = JSON.parse(answer.text);
      last = `${answer.status} ${JSON.stringify(health.ownership ?? health.status ?? "")}`;
      if (answer.status === 200 && (members === undefined || health.ownership?.members?.length === members)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become healthy${members === undefined ? "" : ` with ${members} members`} within 180 s; last: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Result {
  scenario: string;
  processes: number;
  workflows: number;
  seconds: number;
  cpuSeconds: number;
  cpuMsPerWorkflow: number;
  /** p99 of every REST call the clients made during the run (ms). */
  requestP99Ms: number;
  /** p99 of the workflows' durations, startTime to endTime on the server (ms). */
  workflowP99Ms: number;
}

async function scenario(name: string, processes: number, cluster: boolean): Promise<Result> {
  const standin = await startEsdbStandin();
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  try {
    const urls: string[] = [];
    for (let i = 0; i < processes; i++) {
      const port = await freePort();
      const dir = await mkdtemp(join(tmpdir(), "baton-bench-scaleout-"));
      dirs.push(dir);
      children.push(
        spawn(process.execPath, [...(values.profile && processes > 1 && i === 1 ? ["--cpu-prof", `--cpu-prof-dir=${values.profile}`] : []), "--import", "tsx", "src/api/node.ts"], {
          stdio: process.env.BENCH_VERBOSE ? "inherit" : "ignore",
          env: {
            ...process.env,
            PORT: String(port),
            HOST: "127.0.0.1",
            DATA_DIR: dir,
            BATON_EVENT_STORE: "esdb",
            ESDB_URL: standin.connectionString,
            BATON_CLUSTER: String(cluster),
            BATON_PARTITIONS: "64",
            BATON_HEARTBEAT_MS: "1000",
            BATON_TAKEOVER_MS: "5000",
          },
        }),
      );
      urls.push(`http://127.0.0.1:${port}`);
    }
    for (const url of urls) await waitHealthy(url, cluster ? processes : undefined);
    if (process.env.BENCH_VERBOSE) console.error("bench/scaleout: healthy");
    const taskDefs = await call(urls[0]!, "POST", "/api/metadata/taskdefs", [{ name: "bench_step", retryCount: 1, responseTimeoutSeconds: 30 }]);
    if (taskDefs.status >= 300) throw new Error(`registering the task definition failed: ${taskDefs.status} ${taskDefs.text}`);
    const workflowDef = await call(urls[0]!, "POST", "/api/metadata/workflow", {
      name: "bench_scaleout",
      tasks: [
        { name: "bench_step", taskReferenceName: "one" },
        { name: "tell", taskReferenceName: "tell", type: "EVENT", sink: "bench_topic" },
        { name: "pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "0 seconds" } },
        { name: "bench_step", taskReferenceName: "two" },
      ],
    });
    if (workflowDef.status >= 300) throw new Error(`registering the workflow definition failed: ${workflowDef.status} ${workflowDef.text}`);
    for (const url of urls) {
      while ((await call(url, "GET", "/api/metadata/workflow/bench_scaleout")).status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    if (process.env.BENCH_VERBOSE) console.error("bench/scaleout: definitions registered");
    const pids = children.map((child) => child.pid!);
    const cpuBefore = await Promise.all(pids.map(cpuSeconds));
    latencies.length = 0;
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: workflows }, async (_, n) => (await call(urls[n % processes]!, "POST", "/api/workflow", { name: "bench_scaleout", input: { n } })).text),
    );
    let done = false;
    let turn = 0;
    let durations: number[] = [];
    const worker = async () => {
      while (!done) {
        const url = urls[turn++ % processes]!;
        const polled = JSON.parse((await call(url, "GET", "/api/tasks/poll/batch/bench_step?workerid=bench&count=10&timeout=100")).text || "[]") as {
          taskId: string;
          workflowInstanceId: string;
        }[];
        for (const task of polled) {
          await call(urls[turn++ % processes]!, "POST", "/api/tasks", { workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, status: "COMPLETED", workerId: "bench" });
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    for (;;) {
      const search = JSON.parse((await call(urls[0]!, "GET", `/api/workflow/search?size=1&query=${encodeURIComponent("status IN (RUNNING)")}`)).text);
      if (process.env.BENCH_VERBOSE) console.error(`bench/scaleout: ${search.totalHits} running`, search.results?.[0]?.workflowId);
      if (search.totalHits === 0) {
        const finals = await Promise.all(ids.map(async (id) => JSON.parse((await send(urls[0]!, "GET", `/api/workflow/${id}?includeTasks=false`)).text)));
        if (finals.every((workflow) => workflow.status === "COMPLETED")) {
          durations = finals.map((workflow) => workflow.endTime - workflow.startTime);
          break;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = (Date.now() - started) / 1000;
    const cpuAfter = await Promise.all(pids.map(cpuSeconds));
    done = true;
    await Promise.all(workers);
    const cpu = cpuAfter.reduce((sum, after, i) => sum + after - cpuBefore[i]!, 0);
    return {
      scenario: name,
      processes,
      workflows,
      seconds,
      cpuSeconds: cpu,
      cpuMsPerWorkflow: (cpu * 1000) / workflows,
      requestP99Ms: p99(latencies),
      workflowP99Ms: p99(durations),
    };
  } finally {
    // A profiled process writes its profile on a clean exit only.
    const exited = children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve))));
    for (const child of children) child.kill(values.profile ? "SIGTERM" : "SIGKILL");
    if (values.profile) await Promise.race([Promise.all(exited), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    await standin.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
for (const n of counts) {
  results.push(n === 1 ? await scenario("1 process", 1, false) : await scenario(`${n} processes, BATON_CLUSTER=true`, n, true));
}
if (values.baseline) results.push(await scenario("3 processes, no ownership (every process sweeps and drains everything)", 3, false));
const base = results[0]!.cpuMsPerWorkflow;
console.log(`\nsummed server CPU per completed workflow (${workflows} workflows: SIMPLE, EVENT, WAIT, SIMPLE; ratios against the first row)`);
for (const r of results) {
  console.log(
    `${r.scenario.padEnd(45)} ${r.cpuMsPerWorkflow.toFixed(1).padStart(7)} ms/workflow  ${(r.cpuMsPerWorkflow / base).toFixed(2)}x  ${(r.workflows / r.seconds).toFixed(1).padStart(5)} workflows/s  p99 request ${r.requestP99Ms.toFixed(0)} ms  p99 workflow ${r.workflowP99Ms.toFixed(0)} ms`,
  );
}
if (values.out) await writeFile(values.out, JSON.stringify(results, null, 2));
process.exit(0);
