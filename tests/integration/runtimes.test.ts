/**
 * The runtime matrix: the same scenario (tests/support/runtime-scenario.ts)
 * against each entry as a user starts it: `npm start`'s entry on Node,
 * `deno task start`, `bun src/api/bun.ts`, and the worker bundle on workerd
 * through miniflare (scripts/workerd.ts). Deno, Bun and workerd come from npm.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../scripts/build-console.ts";
import { serveWorker } from "../../scripts/workerd.ts";
import type { R2BucketLike } from "../../src/adapters/storage/r2.ts";
import { eventually, http } from "../support/baton.ts";
import { freePort } from "../support/process.ts";
import { runScenario } from "../support/runtime-scenario.ts";

const root = new URL("../..", import.meta.url).pathname;
const deno = join(root, "node_modules/.bin/deno");
const bun = join(root, "node_modules/@oven/bun-linux-x64/bin/bun");
const dataDir = mkdtempSync(join(tmpdir(), "baton-runtimes-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts a runtime as its own process group (a task runner's children go with it) and waits for /health. */
async function startProcess(runtime: string, command: string, args: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      BATON_EVENT_STORE: "memory",
      DATA_DIR: join(dataDir, runtime),
      BATON_SWEEP_INTERVAL_MS: "50",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    process.kill(-child.pid!, "SIGKILL");
    await exited;
  };
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`${runtime} exited with ${child.exitCode}:\n${output}`);
      return fetch(`${url}/health`).then((r) => (r.ok ? true : undefined), () => undefined);
    }, 50_000, 200);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

describe("one scenario on every runtime entry", () => {
  // The console is served from its build (npm start builds it in prestart).
  beforeAll(() => ensureConsoleBuilt(), 180_000);
  it("Node: npm start's entry (src/api/node.ts)", async () => {
    const server = await startProcess("node", process.execPath, ["--import", "tsx", "src/api/node.ts"]);
    try {
      await runScenario(server.url, "node", { websocket: true, ingestion: true, console: true });
    } finally {
      await server.stop();
    }
  });

  it("Deno: deno task start", async () => {
    const server = await startProcess("deno", deno, ["task", "start"]);
    try {
      await runScenario(server.url, "deno", { websocket: true, ingestion: true, console: true });
    } finally {
      await server.stop();
    }
  });

  it("Bun: bun src/api/bun.ts", async () => {
    const server = await startProcess("bun", bun, ["src/api/bun.ts"]);
    try {
      await runScenario(server.url, "bun", { websocket: true, ingestion: true, console: true });
    } finally {
      await server.stop();
    }
  });

  it("workerd: the worker bundle under miniflare", async () => {
    const served = await serveWorker({ port: 0, outDir: join(dataDir, "worker-bundle") });
    const url = served.url.href.replace(/\/$/, "");
    try {
      expect((await http(url, "GET", "/health")).json()).toMatchObject({ healthy: true });
      // Ingestion on the R2 binding (before: not mounted, 404); the test reads the objects it stored through miniflare.
      const bucket = (await served.objects()) as unknown as R2BucketLike;
      const readObject = async (uri: string) => {
        const object = await bucket.get(uri.replace(/^r2:\/\/[^/]+\//, ""));
        if (!object) throw new Error(`no object at ${uri}`);
        return new Response(object.body).text();
      };
      await runScenario(url, "workerd", { websocket: true, ingestion: true, readObject, console: false });
    } finally {
      await served.dispose();
    }
  });
});
