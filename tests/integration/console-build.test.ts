import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSourceHash, ensureConsoleBuilt } from "../../scripts/build-console.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-console-build-"));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the console build npm start runs first", () => {
  it("builds when missing, skips when the sources are unchanged, rebuilds when they differ from the stamp", async () => {
    const outDir = join(dir, "console");
    expect((await ensureConsoleBuilt({ outDir })).built).toBe(true);
    const html = await readFile(join(outDir, "index.html"), "utf8");
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/console-[\w-]+\.js">/);
    expect(JSON.parse(await readFile(join(outDir, "build-stamp.json"), "utf8")).sourceHash).toBe(await consoleSourceHash());

    const again = await ensureConsoleBuilt({ outDir });
    expect(again.built).toBe(false);
    expect(again.ms).toBeLessThan(1000);

    await writeFile(join(outDir, "build-stamp.json"), JSON.stringify({ sourceHash: "from other sources" }));
    expect((await ensureConsoleBuilt({ outDir })).built).toBe(true);
  }, 120_000);
});
