/**
 * A miniflare (workerd) that hosts only the event log Durable Object
 * (src/adapters/eventstore/durable-object-log.ts, SQLite storage), for tests that
 * drive the Durable Object event store from Node.
 *
 * Two ways in: `namespace` is miniflare's own proxy of the binding; `forwarded`
 * reaches the same objects through a one-line worker that forwards
 * `/<object name>/<operation>` to them, over plain HTTP with keep-alive. Both
 * end in the real object and its storage on workerd; the proxy costs several
 * round trips per call (about 7 ms here), too slow for the contract's thousands of appends.
 */
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import type { DurableObjectNamespaceLike } from "../../src/adapters/eventstore/durable-object.ts";

const root = resolve(import.meta.dirname, "../..");

const HOST_WORKER = `export { BatonEventLog } from "./src/adapters/eventstore/durable-object-log.ts";
export default {
  async fetch(request, env) {
    const [, name, operation] = new URL(request.url).pathname.split("/");
    const stub = env.EVENT_LOG.get(env.EVENT_LOG.idFromName(decodeURIComponent(name)));
    const answer = await stub.fetch("https://event-log/" + operation, { method: "POST", headers: { "content-type": "application/json" }, body: await request.text() });
    return new Response(await answer.text(), { status: answer.status, headers: { "content-type": "application/json" } });
  },
};
`;

export interface EventLogHost {
  namespace: DurableObjectNamespaceLike;
  forwarded: DurableObjectNamespaceLike;
  dispose(): Promise<void>;
}

export async function startEventLogHost(outDir: string, persistDir?: string): Promise<EventLogHost> {
  const scriptPath = join(outDir, "event-log.mjs");
  await build({
    stdin: { contents: HOST_WORKER, resolveDir: root, loader: "ts" },
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
  const url = await miniflare.ready;
  const namespace = (await miniflare.getDurableObjectNamespace("EVENT_LOG")) as unknown as DurableObjectNamespaceLike;
  const limited = limitConcurrency(16);
  const forwarded: DurableObjectNamespaceLike = {
    idFromName: (name) => name,
    get: (name) => ({
      fetch: (operationUrl, init) => limited(() => fetch(new URL(`/${encodeURIComponent(name as string)}${new URL(operationUrl).pathname}`, url), init)),
    }),
  };
  return { namespace, forwarded, dispose: () => miniflare.dispose() };
}

/**
 * At most `max` calls in flight: a thousand concurrent appends would open a
 * thousand sockets to workerd, which resets some of them (ECONNRESET).
 */
function limitConcurrency(max: number): <T>(run: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (run) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await run();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}
