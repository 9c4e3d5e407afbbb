import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { eventually } from "./baton.ts";

/** A free loopback port, found by binding port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Runs `npm start`'s entry as a separate process and waits until it answers /health.
 * Its output is dropped, or appended to `options.logFile` (what a failing scale-out run needs to be read);
 * `options.readyWithinMs` (60 s) bounds the wait.
 */
export async function startBatonProcess(port: number, env: Record<string, string>, options: { logFile?: string; readyWithinMs?: number } = {}): Promise<ChildProcess> {
  const log = options.logFile === undefined ? "ignore" : openSync(options.logFile, "a");
  const child = spawn(process.execPath, ["--import", "tsx", "src/api/node.ts"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", log, log],
  });
  if (typeof log === "number") closeSync(log);
  try {
    await eventually(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined;
      } catch {
        return undefined;
      }
    }, options.readyWithinMs ?? 60_000, 100);
  } catch (error) {
    // The caller never gets this child, so nothing else would stop it: a server left
    // running after its test (its store gone) keeps a loaded machine busier still.
    child.kill("SIGKILL");
    throw error;
  }
  return child;
}

/** SIGKILLs a child process (no-op if it already ended) and waits for it to go. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** SIGTERMs a child process and waits for it to exit (SIGKILL after `graceMs`); no-op if it already ended. */
export async function terminate(child: ChildProcess, graceMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
    child.kill("SIGTERM");
  });
}
