/**
 * A Baton server in a child process, the way `npm start` runs it
 * (`node --import tsx src/api/node.ts`), for the soak benchmark: file store
 * with fsync on (the default) in the given DATA_DIR, loopback only. It listens
 * on PORT=0 and the port is read from its "listening on" line, so no other
 * process can take the port between choosing and binding it.
 *
 * Its memory and CPU are read from /proc/<pid> (or `ps` where there is no
 * /proc). Every child started here is SIGKILLed when this process exits, on
 * SIGINT/SIGTERM too, so an aborted benchmark leaves no server behind.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const repoDir = dirname(dirname(fileURLToPath(import.meta.url)));
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}
process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export interface BatonChild {
  pid: number;
  url: string;
  /** Spawn -> first 200 from /health, ms. */
  startupMs: number;
  /** The /health body of that first answer. */
  health: HealthBody;
  /** The last lines the server wrote to stderr (for error reports). */
  stderrTail(): string;
  /** False once the process has ended. */
  alive(): boolean;
  /** SIGKILLs the server (no graceful shutdown: nothing is measured after) and waits for it to go. */
  kill(): Promise<void>;
}

/** What Baton's /health answers. */
export interface HealthBody {
  healthy: boolean;
  /** Workflows held in the read models. */
  workflows: number;
  /** Global position of the last event the read models applied. */
  position: number;
}

export interface StartOptions {
  dataDir: string;
  /** Give up when /health has not answered after this long, ms. */
  timeoutMs: number;
  /** Extra Node flags for the server (e.g. `--heapsnapshot-signal=SIGUSR2`, heap sizes). */
  nodeArgs?: string[];
  /** Extra environment for the server (settings under test). */
  env?: Record<string, string>;
}

/** Environment variables that choose adapters; the parent's must not leak into the child. */
const ADAPTER_ENV = /^(BATON_|ESDB_|KAFKA_|S3_|MINIO_|AIRFLOW_|MWAA_)/;

/** Starts Baton on `dataDir` and resolves once /health answers. */
export async function startBatonChild(options: StartOptions): Promise<BatonChild> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !ADAPTER_ENV.test(key)) env[key] = value;
  Object.assign(env, { PORT: "0", HOST: "127.0.0.1", BATON_EVENT_STORE: "file", DATA_DIR: options.dataDir }, options.env);

  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", "src/api/node.ts"], {
    cwd: repoDir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  // Pipes must be drained or a chatty server blocks on a full pipe.
  let port: number | undefined;
  let stdout = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    if (port !== undefined) return;
    stdout = (stdout + chunk.toString("utf8")).slice(-4000);
    const match = /listening on http:\/\/[^\s:]+:(\d+)/.exec(stdout);
    if (match) port = Number(match[1]);
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async () => {
    if (!alive()) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  };

  try {
    const deadline = performance.now() + options.timeoutMs;
    while (port === undefined) {
      if (!alive()) throw new Error("the server exited before it listened");
      if (performance.now() > deadline) throw new Error(`the server did not listen within ${options.timeoutMs / 1000} s`);
      await sleep(10);
    }
    const url = `http://127.0.0.1:${port}`;
    const health = await waitForHealth(url, alive, deadline);
    return {
      pid: child.pid!,
      url,
      startupMs: performance.now() - spawnedAt,
      health,
      stderrTail: () => stderr,
      alive,
      kill,
    };
  } catch (error) {
    await kill();
    throw new Error(`${error instanceof Error ? error.message : String(error)}${stderr ? `\nserver stderr:\n${stderr}` : ""}`);
  }
}

async function waitForHealth(url: string, alive: () => boolean, deadline: number): Promise<HealthBody> {
  for (;;) {
    if (!alive()) throw new Error("the server exited before /health answered");
    const health = await fetchHealth(url, 5000).catch(() => undefined);
    if (health) return health;
    if (performance.now() > deadline) throw new Error("/health did not answer in time");
    await sleep(10);
  }
}

/** GET /health; rejects on anything but a 200. */
export async function fetchHealth(url: string, timeoutMs: number): Promise<HealthBody> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`/health answered ${response.status}`);
  return (await response.json()) as HealthBody;
}

/** The server's `process.memoryUsage()` as its /metrics shows it, bytes. */
export interface ProcessMemory {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const PROCESS_MEMORY_METRICS: Record<string, keyof ProcessMemory> = {
  nodejs_heap_size_used_bytes: "heapUsed",
  nodejs_heap_size_total_bytes: "heapTotal",
  nodejs_external_memory_bytes: "external",
  nodejs_array_buffers_bytes: "arrayBuffers",
};

/** GET /metrics and picks the process memory gauges; rejects when one is missing. */
export async function fetchProcessMemory(url: string, timeoutMs: number): Promise<ProcessMemory> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  const found: Partial<ProcessMemory> = {};
  for (const line of (await response.text()).split("\n")) {
    const [name, value] = line.split(" ");
    const field = name ? PROCESS_MEMORY_METRICS[name] : undefined;
    if (field) found[field] = Number(value);
  }
  for (const [name, field] of Object.entries(PROCESS_MEMORY_METRICS)) if (found[field] === undefined) throw new Error(`/metrics has no ${name}`);
  return found as ProcessMemory;
}

export interface MemorySample {
  /** Resident set size now, KiB. */
  rssKiB: number;
  /** Highest RSS the kernel saw for the process so far (VmHWM), KiB; undefined without /proc. */
  peakKiB?: number;
}

/** The process's resident memory, from /proc/<pid>/status, else `ps`. */
export function readMemory(pid: number): MemorySample {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
      return match ? Number(match[1]) : undefined;
    };
    const rssKiB = field("VmRSS");
    if (rssKiB !== undefined) return { rssKiB, peakKiB: field("VmHWM") };
  } catch {
    // No /proc (macOS): fall through to ps.
  }
  return { rssKiB: Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) };
}

let ticksPerSecond: number | undefined;

/** CPU time (user + system) the process has used so far, ms; undefined without /proc. */
export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state, field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}
