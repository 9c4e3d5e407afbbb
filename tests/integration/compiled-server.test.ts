import { spawn, spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildServer } from "../../scripts/build-server.ts";
import { SERVER_STAMP, serverBuildState } from "../../scripts/server-build-stamp.mjs";

const TSX_FALLBACK = "starting from the TypeScript sources with tsx";

/** Starts `node args` on a free port and resolves with its port once it logs "ready on", or rejects with its output. */
function startNode(args: string[]): Promise<{ port: number; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", BATON_LOG_FORMAT: "json", NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  };
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const check = () => {
      const ready = stdout.split("\n").find((line) => line.includes("baton: ready on"));
      if (ready) return resolve({ port: (JSON.parse(ready) as { port: number }).port, stderr: () => stderr, stop });
      if (child.exitCode !== null || Date.now() > deadline) {
        void stop();
        return reject(new Error(`server did not become ready:\n${stdout}\n${stderr}`));
      }
      setTimeout(check, 50);
    };
    check();
  });
}

describe("the compiled production build (npm run build, node dist/api/node.js)", () => {
  it("npm start's entry runs the compiled server when it is current: health, a workflow with user code, no tsx", async () => {
    await buildServer();
    expect(await serverBuildState()).toBe("current");
    const server = await startNode(["scripts/start.mjs"]);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { status: string }).status).toBe("ready");
      // INLINE runs in a user-code worker thread: its entry in dist/ must load without tsx.
      const definition = {
        name: "compiled_inline",
        version: 1,
        schemaVersion: 2,
        tasks: [{ name: "sum", taskReferenceName: "sum", type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "(function(){ return 40 + 2; })()" } }],
      };
      expect((await fetch(`${base}/api/metadata/workflow`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(definition) })).status).toBe(200);
      const id = await (await fetch(`${base}/api/workflow/compiled_inline`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).text();
      await expect
        .poll(async () => ((await (await fetch(`${base}/api/workflow/${id}`)).json()) as { status: string; output?: { result?: unknown } }), { timeout: 20_000 })
        .toMatchObject({ status: "COMPLETED" });
      const workflow = (await (await fetch(`${base}/api/workflow/${id}`)).json()) as { tasks: { outputData: { result: unknown } }[] };
      expect(workflow.tasks[0]?.outputData.result).toBe(42);
      expect(server.stderr()).not.toContain(TSX_FALLBACK);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it("dist/api/node.js runs on its own under plain node (the Dockerfile's command) and refuses bad configuration", async () => {
    await buildServer();
    const run = spawnSync(process.execPath, ["dist/api/node.js"], { env: { ...process.env, PORT: "eighty", NODE_OPTIONS: "" }, encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("PORT: PORT must be a whole number");
  }, 60_000);

  it("npm start falls back to tsx and says so when the build is older than the sources", async () => {
    await buildServer();
    const stamp = await readFile(SERVER_STAMP, "utf8");
    try {
      await writeFile(SERVER_STAMP, JSON.stringify({ sourceHash: "made-from-other-sources" }));
      expect(await serverBuildState()).toBe("stale");
      const run = spawnSync(process.execPath, ["scripts/start.mjs"], { env: { ...process.env, PORT: "eighty", NODE_OPTIONS: "" }, encoding: "utf8", timeout: 60_000 });
      expect(run.stderr).toContain(`the compiled build in dist/ is older than the sources; ${TSX_FALLBACK}`);
      // ...and the sources then ran (under tsx): the same configuration check answered.
      expect(run.stderr).toContain("PORT: PORT must be a whole number");
      expect(run.status).toBe(2);
    } finally {
      await writeFile(SERVER_STAMP, stamp);
    }
    expect(await serverBuildState()).toBe("current");
  }, 90_000);
});
