/**
 * The helper processes of the sink benchmarks (bench/sink.ts, bench/compare-sink.ts):
 * the microservice (bench/sink-service.ts) and the Conductor stack's router
 * (bench/conductor-router.ts). Each is a node process that prints `ready` once
 * its consumer joined its group and, when stopped (SIGTERM or its stdin closing),
 * one line `stats {...}` before it exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = dirname(benchDir);

/** Rejects with `what: no result within N s` when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface SinkChild<Stats> {
  pid: number;
  /** Stops it (SIGTERM) and resolves with the statistics it printed, once it exited. */
  stop(): Promise<Stats | null>;
}

/** Every helper process still running, so an interrupted benchmark can kill them. */
export const sinkChildren = new Set<ChildProcess>();

/** Kills every helper process still running (SIGKILL). */
export function killSinkChildren(): void {
  for (const child of sinkChildren) child.kill("SIGKILL");
}

/**
 * Starts `node --import tsx bench/<script> ...args` and resolves once it printed
 * `ready` (within 60 s); other lines it prints are echoed with `name` in front.
 */
export async function startSinkChild<Stats>(script: string, args: string[], name: string): Promise<SinkChild<Stats>> {
  const child = spawn(process.execPath, ["--import", "tsx", `${benchDir}/${script}`, ...args], {
    cwd: repoDir,
    stdio: ["pipe", "pipe", "inherit"],
  });
  sinkChildren.add(child);
  let stats: Stats | null = null;
  const exited = new Promise<void>((resolve) => child.on("exit", () => (sinkChildren.delete(child), resolve())));
  const ready = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    void exited.then(() => reject(new Error(`the ${name} process exited with code ${child.exitCode} before it was ready`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line === "ready") resolve();
      else if (line.startsWith("stats ")) stats = JSON.parse(line.slice("stats ".length)) as Stats;
      else console.log(`  ${name}: ${line}`);
    });
  });
  try {
    await withTimeout(ready, 60_000, `the ${name} process starting`);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
      return stats;
    },
  };
}

/** What bench/sink-service.ts reports when it stops. */
export interface ServiceStats {
  handled: number;
  requestBytes: number;
  replyBytes: number;
  cpuMs: number;
}

/** Starts the echo microservice: requests from `requests`, replies on `replies`. */
export function startSinkService(brokers: string, requests: string, replies: string, group: string): Promise<SinkChild<ServiceStats>> {
  return startSinkChild<ServiceStats>("sink-service.ts", ["--brokers", brokers, "--in", requests, "--out", replies, "--group", group], "service");
}
