/**
 * Serves the workerd entry locally on workerd itself, through miniflare:
 * `npx tsx scripts/workerd.ts` builds src/api/worker.ts (scripts/build-worker.ts)
 * and listens on HOST:PORT (default 127.0.0.1:8787) until SIGINT/SIGTERM.
 * The event log (Durable Object `EVENT_LOG`) and the ingestion bucket (R2
 * `OBJECTS`) persist in WORKERD_PERSIST_DIR (default `data/workerd`), so a
 * restart keeps every workflow. wrangler.json declares the same bindings for a deployment.
 */
import { dirname, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { buildWorker } from "./build-worker.ts";

/** The settings the bundle needs on workerd; wrangler.json says the same for wrangler. */
export const WORKERD_SETTINGS = {
  name: "baton",
  modules: true,
  modulesRules: [{ type: "CompiledWasm" as const, include: ["**/*.wasm"] }],
  compatibilityDate: "2026-07-01",
  compatibilityFlags: ["nodejs_compat"],
  durableObjects: { EVENT_LOG: { className: "BatonEventLog", useSQLite: true } },
  r2Buckets: ["OBJECTS"],
  // The worker itself, for the event log object's alarm to wake it (timers without requests).
  serviceBindings: { BATON_SELF: "baton" },
  bindings: { OBJECTS_BUCKET_NAME: "baton-objects" },
};

export interface ServeWorkerOptions {
  host?: string;
  port?: number;
  outDir?: string;
  /** Where the Durable Objects and R2 keep their data; miniflare's temporary storage (gone on dispose) when absent. */
  persistDir?: string;
}

export async function serveWorker({ host = "127.0.0.1", port = 8787, outDir, persistDir }: ServeWorkerOptions = {}) {
  const { scriptPath } = await buildWorker(outDir);
  // Module names are paths relative to modulesRoot: the bundle's own directory, wherever it is.
  const miniflare = new Miniflare({
    ...WORKERD_SETTINGS,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    host,
    port,
    ...(persistDir ? { durableObjectsPersist: resolve(persistDir, "do"), r2Persist: resolve(persistDir, "r2") } : {}),
  });
  const url = await miniflare.ready;
  return { url, objects: () => miniflare.getR2Bucket("OBJECTS"), eventLog: () => miniflare.getDurableObjectNamespace("EVENT_LOG"), dispose: () => miniflare.dispose() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = process.env.PORT === undefined ? 8787 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`);
    process.exit(2);
  }
  const persistDir = process.env.WORKERD_PERSIST_DIR || "data/workerd";
  const served = await serveWorker({ host: process.env.HOST ?? "127.0.0.1", port, persistDir });
  console.log(`Baton on workerd (miniflare) at ${served.url.href}; its event log and objects persist in ${resolve(persistDir)}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void served.dispose().then(() => process.exit(0)));
}
