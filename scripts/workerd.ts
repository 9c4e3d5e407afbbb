/**
 * Serves the workerd entry locally on workerd itself, through miniflare:
 * `npx tsx scripts/workerd.ts` builds src/api/worker.ts (scripts/build-worker.ts)
 * and listens on HOST:PORT (default 127.0.0.1:8787) until SIGINT/SIGTERM.
 * A deployment with wrangler takes the same bundle and module rules.
 */
import { dirname } from "node:path";
import { Miniflare } from "miniflare";
import { buildWorker } from "./build-worker.ts";

/** The settings the bundle needs on workerd; wrangler.toml's equivalents in the README. */
export const WORKERD_SETTINGS = {
  modules: true,
  modulesRules: [{ type: "CompiledWasm" as const, include: ["**/*.wasm"] }],
  compatibilityDate: "2026-07-01",
  compatibilityFlags: ["nodejs_compat"],
};

export async function serveWorker({ host = "127.0.0.1", port = 8787, outDir }: { host?: string; port?: number; outDir?: string } = {}) {
  const { scriptPath } = await buildWorker(outDir);
  // Module names are paths relative to modulesRoot: the bundle's own directory, wherever it is.
  const miniflare = new Miniflare({ ...WORKERD_SETTINGS, scriptPath, modulesRoot: dirname(scriptPath), host, port });
  const url = await miniflare.ready;
  return { url, dispose: () => miniflare.dispose() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = process.env.PORT === undefined ? 8787 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`);
    process.exit(2);
  }
  const served = await serveWorker({ host: process.env.HOST ?? "127.0.0.1", port });
  console.log(`Baton on workerd (miniflare) at ${served.url.href}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void served.dispose().then(() => process.exit(0)));
}
