/**
 * `npm run worker -- <names>` as its own process group, for tests that run the
 * data services the way an operator would: started, waited for until it says
 * it is ready, and stopped with SIGTERM (SIGKILL after 15 s).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { eventually } from "./baton.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
}

/** Starts the worker in its own process group; resolves once it says it is ready, rejects with its output if it exits first. */
export async function startWorker(names: string[], env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn("npm", ["run", "--silent", "worker", "--", ...names], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`worker ${names.join(" ")} exited ${child.exitCode}: ${output.join("")}`);
      return output.join("").includes("baton worker: ready") ? true : undefined;
    }, 90_000, 100);
  } catch (error) {
    await stopWorker({ child, output });
    throw error;
  }
  return { child, output };
}

/** SIGTERM to the worker's process group (npm, tsx and node), then waits for npm to end (by the signal or its child's exit). */
export async function stopWorker(worker: WorkerProcess | undefined): Promise<void> {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => worker.child.once("exit", () => resolve()));
  process.kill(-worker.child.pid!, "SIGTERM");
  const timer = setTimeout(() => {
    try {
      process.kill(-worker.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
}
