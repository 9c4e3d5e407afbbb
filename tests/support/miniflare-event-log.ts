/**
 * A miniflare (workerd) that hosts only the event log Durable Object
 * (src/adapters/eventstore/durable-object-log.ts, SQLite storage), for tests that
 * drive the Durable Object event store from Node through miniflare's proxy of the binding.
 */
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import type { DurableObjectNamespaceLike } from "../../src/adapters/eventstore/durable-object.ts";

const root = resolve(import.meta.dirname, "../..");

export async function startEventLogHost(outDir: string, persistDir?: string): Promise<{ namespace: DurableObjectNamespaceLike; dispose: () => Promise<void> }> {
  const scriptPath = join(outDir, "event-log.mjs");
  await build({
    stdin: {
      contents: `export { BatonEventLog } from "./src/adapters/eventstore/durable-object-log.ts";\nexport default { fetch: () => new Response("the event log only", { status: 404 }) };\n`,
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outfile: scriptPath,
    logLevel: "warning",
  });
  const miniflare = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: outDir,
    compatibilityDate: "2026-07-01",
    durableObjects: { EVENT_LOG: { className: "BatonEventLog", useSQLite: true } },
    ...(persistDir ? { durableObjectsPersist: persistDir } : {}),
  });
  await miniflare.ready;
  const namespace = (await miniflare.getDurableObjectNamespace("EVENT_LOG")) as unknown as DurableObjectNamespaceLike;
  return { namespace, dispose: () => miniflare.dispose() };
}
