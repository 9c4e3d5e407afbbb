/**
 * One Baton process per DATA_DIR, with `src/api/node.ts` run as real processes:
 * a second one is refused without touching the log, and after the owner is
 * SIGKILLed (its lock left behind, stale) a new one takes over and serves
 * what was written before.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { http, removeDir } from "../support/baton.ts";
import { freePort, kill, startBatonProcess } from "../support/process.ts";

/** Runs `npm start`'s entry until it exits by itself; its exit code and stderr. */
function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/api/node.ts"], {
    env: { ...process.env, HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

describe("one Baton process per DATA_DIR", () => {
  let dataDir: string | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) await kill(child);
    await removeDir(dataDir);
  });

  it("refuses a second process, leaving the log as it was, and lets a new one take over from a SIGKILLed owner", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "baton-lock-"));
    const env = { DATA_DIR: dataDir, BATON_EVENT_STORE: "file" };
    const port = await freePort();
    const owner = await startBatonProcess(port, env);
    children.push(owner);
    const url = `http://127.0.0.1:${port}`;
    expect((await http(url, "POST", "/api/metadata/taskdefs", [{ name: "lock_step", retryCount: 0 }])).status).toBe(200);
    const definition = { name: "lock_flow", tasks: [{ name: "lock_step", taskReferenceName: "only" }] };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const logFile = join(dataDir, "events.log");
    const logBefore = await readFile(logFile);

    const second = await runUntilExit({ ...env, PORT: String(await freePort()) });
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toContain(`baton: failed to start: DATA_DIR ${dataDir} is in use by process ${owner.pid} on host `);
    expect(second.stderr).toContain("; stop it or choose another DATA_DIR");
    expect(second.stderr).not.toMatch(/^\s+at /m);
    expect((await readFile(logFile)).equals(logBefore)).toBe(true);
    expect((await http(url, "GET", "/api/metadata/workflow/lock_flow")).status).toBe(200);

    await kill(owner);
    // SIGKILL ran no exit handler: the lock is left behind, naming a process that is gone.
    expect(JSON.parse(await readFile(join(dataDir, "baton.lock"), "utf8")).pid).toBe(owner.pid);
    const successor = await startBatonProcess(port, env);
    children.push(successor);
    const served = await http(url, "GET", "/api/metadata/workflow/lock_flow");
    expect(served.status).toBe(200);
    expect(served.json()).toMatchObject({ name: "lock_flow", tasks: [{ name: "lock_step", taskReferenceName: "only" }] });
    expect(JSON.parse(await readFile(join(dataDir, "baton.lock"), "utf8")).pid).toBe(successor.pid);
  });
});
