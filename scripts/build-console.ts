/**
 * Builds the web console (src/console) into dist/console with Vite, unless the
 * build there was made from the same sources: `npm start` runs this first, so
 * an up-to-date build costs one hash of the sources (a few ms).
 *
 *   tsx scripts/build-console.ts           build when missing or stale
 *   tsx scripts/build-console.ts --force   build regardless
 */
import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const sourceDir = join(root, "src/console");
/** Where the console is built: dist/console, which the Node entry serves. */
export const CONSOLE_OUT_DIR = join(root, "dist/console");
const stampOf = (outDir: string) => join(outDir, "build-stamp.json");
const lockOf = (outDir: string) => `${outDir}.build.lock`;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)).sort();
}

/** A hash of everything the build reads: the console's sources, this script and the locked dependency versions. */
export async function consoleSourceHash(): Promise<string> {
  const hash = createHash("sha256");
  for (const file of [...(await filesUnder(sourceDir)), fileURLToPath(import.meta.url), join(root, "package-lock.json")]) {
    hash.update(relative(root, file)).update("\0").update(await readFile(file)).update("\0");
  }
  return hash.digest("hex");
}

async function builtHash(outDir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(stampOf(outDir), "utf8")) as { sourceHash?: string }).sourceHash;
  } catch {
    return undefined;
  }
}

/**
 * One build at a time across processes (test files and `npm start` may ask
 * together): an exclusive lock file, taken over when a crashed builder left
 * it behind for longer than a build can take.
 */
async function withBuildLock<T>(outDir: string, work: () => Promise<T>): Promise<T> {
  const lockFile = lockOf(outDir);
  await mkdir(dirname(outDir), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const handle = await open(lockFile, "wx");
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(lockFile).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 120_000) await rm(lockFile, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lockFile} is held by another build for too long; remove it if no build is running`);
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/** Builds the console when its build is missing or was made from other sources; says whether it built. */
export async function ensureConsoleBuilt(options: { force?: boolean; outDir?: string } = {}): Promise<{ built: boolean; ms: number }> {
  const started = performance.now();
  const outDir = options.outDir ?? CONSOLE_OUT_DIR;
  const sourceHash = await consoleSourceHash();
  if (!options.force && (await builtHash(outDir)) === sourceHash) return { built: false, ms: performance.now() - started };
  return withBuildLock(outDir, async () => {
    // Another process may have built it while this one waited.
    if (!options.force && (await builtHash(outDir)) === sourceHash) return { built: false, ms: performance.now() - started };
    await runVite(outDir);
    await writeFile(stampOf(outDir), JSON.stringify({ sourceHash, builtAt: new Date().toISOString() }, null, 2));
    return { built: true, ms: performance.now() - started };
  });
}

async function runVite(outDir: string): Promise<void> {
  const { build } = await import("vite");
  // React's production build, and the JSX transform to match, whoever runs this: under
  // vitest NODE_ENV is "test", and Vite then bundled React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await viteBuild(build, outDir);
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

async function viteBuild(build: typeof import("vite").build, outDir: string): Promise<void> {
  await build({
    root: sourceDir,
    base: "/",
    configFile: false,
    logLevel: "warn",
    mode: "production",
    build: {
      outDir,
      emptyOutDir: true,
      chunkSizeWarningLimit: 4096,
      sourcemap: false,
      rollupOptions: {
        // The console, and GraphiQL as a page of its own (it is large, and only some visitors open it).
        input: { console: join(sourceDir, "index.html"), graphiql: join(sourceDir, "graphiql.html") },
        // React Flow marks its module "use client" for server-component bundlers; a browser bundle has no use for it.
        onwarn(warning, warn) {
          if (warning.code !== "MODULE_LEVEL_DIRECTIVE" && warning.code !== "PLUGIN_TIMINGS") warn(warning);
        },
      },
    },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { built, ms } = await ensureConsoleBuilt({ force: process.argv.includes("--force") });
  console.log(built ? `console: built into dist/console in ${Math.round(ms)} ms` : `console: dist/console is up to date (checked in ${Math.round(ms)} ms)`);
}
