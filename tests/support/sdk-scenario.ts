import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** One check of an SDK scenario, as the scenario program wrote it. */
export interface ScenarioCheck {
  name: string;
  ok: boolean;
  error?: string;
  trace?: string;
  ms?: number;
}

/** What a scenario run left behind: its checks, and its output for diagnosis. */
export interface ScenarioRun {
  checks: Map<string, ScenarioCheck>;
  exitCode: number | null;
  output: string;
  seconds: number;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs a provisioning script of scripts/services and returns `NAME=value` lines of its stdout as a record. */
export function runServiceScript(script: string, args: string[], timeoutMs = 900_000): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(ROOT, "scripts/services", script), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`scripts/services/${script} ${args.join(" ")} failed (exit ${code}): ${stderr.trim().split("\n").slice(-20).join("\n")}`));
        return;
      }
      const values: Record<string, string> = {};
      for (const match of stdout.matchAll(/^([A-Z_]+)=(.*)$/gm)) values[match[1]!] = match[2]!.trim();
      resolve(values);
    });
  });
}

/**
 * Runs an SDK scenario program (`command args... <apiUrl> <resultsFile>`) against
 * Baton and reads the per-check results it writes. The program runs
 * asynchronously: Baton may live in this very process and must keep serving.
 */
export async function runScenario(
  command: string,
  args: string[],
  apiUrl: string,
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<ScenarioRun> {
  const dir = await mkdtemp(join(tmpdir(), "baton-sdk-scenario-"));
  const resultsFile = join(dir, "results.json");
  const started = Date.now();
  try {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      // Its own process group: the Python SDK's TaskHandler runs workers as child
      // processes, and a scenario killed on time-out must not leave them polling.
      const child = spawn(command, [...args, apiUrl, resultsFile], {
        cwd: options.cwd ?? ROOT,
        env: { ...clientNeutralEnv(), ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // The group has already gone.
        }
      };
      let output = "";
      const keep = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.length > 200_000) output = output.slice(-100_000);
      };
      child.stdout.on("data", keep);
      child.stderr.on("data", keep);
      const timer = setTimeout(killGroup, options.timeoutMs);
      child.once("error", reject);
      child.once("close", (exitCode) => {
        clearTimeout(timer);
        killGroup();
        resolve({ code: exitCode, output });
      });
    });
    let written: { checks?: ScenarioCheck[] } = {};
    try {
      written = JSON.parse(await readFile(resultsFile, "utf8"));
    } catch {
      // No results at all: every expected check then fails, naming this output.
    }
    const checks = new Map((written.checks ?? []).map((check) => [check.name, check]));
    return { checks, exitCode: code, output, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * This process's environment without the SDKs' own settings (CONDUCTOR_SERVER_URL,
 * CONDUCTOR_AUTH_KEY, ...), which would point a scenario elsewhere or make it log in.
 */
function clientNeutralEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CONDUCTOR_")));
}

/**
 * The failure message of one expected check: undefined when it passed, else what
 * went wrong (including a scenario that never ran it).
 */
export function checkFailure(run: ScenarioRun | undefined, name: string): string | undefined {
  if (!run) return `the scenario did not run`;
  const check = run.checks.get(name);
  if (!check) {
    return `the scenario reported no check "${name}" (exit ${run.exitCode}); its output ends:\n${run.output.slice(-4000)}`;
  }
  return check.ok ? undefined : `${check.error ?? "failed"}${check.trace ? `\n${check.trace}` : ""}`;
}

/** True when BATON_SKIP_SERVICES names `service` (or `all`). CI never sets it. */
export function serviceSkipped(service: string, env: Record<string, string | undefined> = process.env): boolean {
  const names = (env.BATON_SKIP_SERVICES ?? "").toLowerCase().split(/[\s,]+/);
  return names.includes(service) || names.includes("all");
}
