/**
 * Compiles the Node server (src/ without the console) to JavaScript under dist/,
 * file for file, so `node dist/api/node.js` starts without a TypeScript runner:
 * no compile on start, no loader in memory. The tree mirrors src/ (dist/api,
 * dist/engine, ...), so paths resolved from `import.meta.url` (schema.graphql,
 * dist/console, the user-code worker) hold in both. Packages stay in
 * node_modules. Skipped when dist/ already holds a build of the same sources.
 *
 *   tsx scripts/build-server.ts           build when missing or stale
 *   tsx scripts/build-server.ts --force   build regardless
 */
import { mkdir, open, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { ROOT, SERVER_ENTRY, SERVER_OUT_DIR, SERVER_STAMP, serverBuildState, serverSourceFiles, serverSourceHash } from "./server-build-stamp.mjs";

/** Entries for other runtimes (Deno, Bun, workerd): they run from source or from scripts/build-worker.ts. */
const OTHER_RUNTIMES = new Set(["src/api/deno.ts", "src/api/bun.ts", "src/api/worker.ts"]);

/**
 * Compiles each file alone: a relative `.ts` import becomes the sibling `.js`,
 * packages and `node:` modules stay imports; JSON imports are inlined.
 */
function fileForFile(): Plugin {
  return {
    name: "file-for-file",
    setup(esbuild) {
      esbuild.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        if (args.path.startsWith(".")) {
          if (args.path.endsWith(".ts")) return { path: args.path.replace(/\.ts$/, ".js"), external: true };
          if (args.path.endsWith(".mjs")) return { path: args.path, external: true };
          return undefined;
        }
        return { path: args.path, external: true };
      });
    },
  };
}

/** The compiled user-code worker's entry: the tsx shim beside the sources becomes a plain import. */
const USER_CODE_WORKER_SHIM = `// Compiled build: the worker's code is JavaScript already (see src/adapters/evaluators/node-user-code-worker.mjs).
await import("./node-user-code-worker.js");
`;

async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  const lockFile = `${SERVER_OUT_DIR}/.server-build.lock`;
  await mkdir(SERVER_OUT_DIR, { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await (await open(lockFile, "wx")).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A builder that crashed leaves its lock behind; a build takes seconds.
      const age = await stat(lockFile).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 60_000) await rm(lockFile, { force: true });
      if (Date.now() > deadline) throw new Error(`build-server: ${lockFile} held for over 2 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/** Builds the server into dist/ unless a build of the same sources is there; returns what it did. */
export async function buildServer(options: { force?: boolean } = {}): Promise<{ built: boolean; entry: string; ms: number }> {
  const started = performance.now();
  return withBuildLock(async () => {
    if (!options.force && (await serverBuildState()) === "current") return { built: false, entry: SERVER_ENTRY, ms: performance.now() - started };
    const sources = await serverSourceFiles();
    const topDirs = [...new Set(sources.map((file) => relative(join(ROOT, "src"), file).split("/")[0]!))];
    await rm(SERVER_STAMP, { force: true });
    for (const dir of topDirs) await rm(join(SERVER_OUT_DIR, dir), { recursive: true, force: true });
    const entryPoints = sources.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !OTHER_RUNTIMES.has(relative(ROOT, file)));
    await build({
      entryPoints,
      outbase: join(ROOT, "src"),
      outdir: SERVER_OUT_DIR,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: "linked",
      jsx: "automatic",
      plugins: [fileForFile()],
      logLevel: "warning",
    });
    for (const shim of sources.filter((file) => basename(file) === "node-user-code-worker.mjs")) {
      const out = join(SERVER_OUT_DIR, relative(join(ROOT, "src"), shim));
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, USER_CODE_WORKER_SHIM);
    }
    await writeFile(SERVER_STAMP, `${JSON.stringify({ sourceHash: await serverSourceHash(), builtAt: new Date().toISOString() }, null, 2)}\n`);
    return { built: true, entry: SERVER_ENTRY, ms: performance.now() - started };
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await buildServer({ force: process.argv.includes("--force") });
  console.log(result.built ? `built ${relative(ROOT, result.entry)} in ${Math.round(result.ms)} ms` : `${relative(ROOT, result.entry)} is current`);
}
