/**
 * Bundles the workerd entry (src/api/worker.ts) into `<outDir>/worker.mjs` the
 * way wrangler would: workerd's export conditions, and every `.wasm` import left
 * as a module beside the bundle (copied there) for workerd to load as compiled
 * WASM (`CompiledWasm`). `npx tsx scripts/build-worker.ts [outDir]` (default
 * dist/worker); scripts/workerd.ts serves the result with miniflare.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Resolves each `.wasm` import, copies the file next to the bundle and imports it from there. */
function wasmBesideBundle(outDir: string): Plugin {
  return {
    name: "wasm-beside-bundle",
    setup(esbuild) {
      // `x.wasm`, and package subpaths that map to one (`@jitl/quickjs-wasmfile-release-sync/wasm`).
      esbuild.onResolve({ filter: /[./]wasm$/ }, async (args) => {
        if (args.pluginData === "wasm-beside-bundle") return undefined;
        const resolved = await esbuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "wasm-beside-bundle" });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (!resolved.path.endsWith(".wasm")) return resolved;
        await copyFile(resolved.path, join(outDir, basename(resolved.path)));
        return { path: `./${basename(resolved.path)}`, external: true };
      });
    },
  };
}

export async function buildWorker(outDir = join(root, "dist", "worker")): Promise<{ scriptPath: string }> {
  await mkdir(outDir, { recursive: true });
  const scriptPath = join(outDir, "worker.mjs");
  await build({
    entryPoints: [join(root, "src/api/worker.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    // workerd provides these with the nodejs_compat flag.
    external: ["node:*"],
    outfile: scriptPath,
    plugins: [wasmBesideBundle(outDir)],
    logLevel: "warning",
  });
  return { scriptPath };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { scriptPath } = await buildWorker(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${scriptPath}`);
}
