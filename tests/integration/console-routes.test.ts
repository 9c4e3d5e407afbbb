import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fsConsoleAssets } from "../../src/api/console/fs-assets.ts";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createApp, type AppDeps } from "../../src/api/app.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";

let dir: string;
let engine: Engine;

const testApp = async (deps: Partial<AppDeps>) => ({ app: createApp({ engine, logError: () => {}, ...deps }) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-console-"));
  await mkdir(join(dir, "assets"));
  await writeFile(join(dir, "index.html"), "<!doctype html><script src=/assets/app-1.js></script>");
  await writeFile(join(dir, "assets/app-1.js"), "export {}");
  await writeFile(join(dir, "secret.txt"), "not an asset");
  engine = await createEngine({ store: createMemoryEventStore(), evaluators: await loadEvaluators(), sweepIntervalMs: 50 });
});

afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the console's routes", () => {
  it("serves the page with a same-origin policy and hashed assets as immutable", async () => {
    const { app } = await testApp({ consoleAssets: fsConsoleAssets(dir) });
    const page = await app.request("/");
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
    const script = await app.request("/assets/app-1.js");
    expect(await script.text()).toBe("export {}");
    expect(script.headers.get("cache-control")).toContain("immutable");
  });

  it("gzips assets for browsers that accept it", async () => {
    await writeFile(join(dir, "assets/big-1.js"), "export const x = 1;\n".repeat(5000));
    const { app } = await testApp({ consoleAssets: fsConsoleAssets(dir) });
    const response = await app.request("/assets/big-1.js", { headers: { "accept-encoding": "gzip" } });
    expect(response.headers.get("content-encoding")).toBe("gzip");
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.length).toBeLessThan(5000);
    expect(new TextDecoder().decode(await new Response(new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer())).toBe("export const x = 1;\n".repeat(5000));
  });

  it("answers 404 for files outside assets/, unknown types and traversal", async () => {
    const { app } = await testApp({ consoleAssets: fsConsoleAssets(dir) });
    for (const path of ["/assets/..%2Fsecret.txt", "/assets/missing.js", "/assets/app-1.exe", "/secret.txt", "/assets/.hidden.js"]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it("says how to build the console when it is not built", async () => {
    const { app } = await testApp({ consoleAssets: fsConsoleAssets(join(dir, "nowhere")) });
    const response = await app.request("/");
    expect(response.status).toBe(503);
    expect(((await response.json()) as { message: string }).message).toMatch(/npm run build:console/);
  });

  it("leaves / a JSON 404 when the console is off", async () => {
    const { app } = await testApp({});
    expect((await app.request("/")).status).toBe(404);
  });
});
