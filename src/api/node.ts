/**
 * Node.js composition root: `npm start`. Reads the environment, opens the
 * event store, runs the engine and serves the HTTP app until SIGTERM/SIGINT.
 */
import { loadEvaluators } from "../adapters/evaluators/index.ts";
import { serve } from "@hono/node-server";
import type { EventStore } from "../domain/ports.ts";
import { createEngine, type Engine } from "../engine/engine.ts";
import { createApp } from "./app.ts";
import { type Config, loadConfig } from "./config.ts";
import { openStore } from "./open-store.ts";

export interface RunningServer {
  port: number;
  /** The running engine and its store, for in-process tools and tests. */
  engine: Engine;
  store: EventStore;
  close(): Promise<void>;
}

/** Starts Baton with `config`; resolves once it listens. */
export async function startServer(config: Config): Promise<RunningServer> {
  const store = await openStore(config);
  const engine = await createEngine({
    store,
    evaluators: await loadEvaluators(),
    sweepIntervalMs: config.BATON_SWEEP_INTERVAL_MS,
    logger: {
      info: (message, fields) => console.log(message, fields ?? ""),
      error: (message, fields) => console.error(message, fields ?? ""),
    },
  });
  const app = createApp({ engine });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    // Keep Node's own Request/Response: replacing them breaks other fetch users in
    // the same process (the Conductor SDK's undici transport, for one).
    const s = serve(
      { fetch: app.fetch, port: config.PORT, hostname: config.HOST, overrideGlobalObjects: false },
      () => resolve(s),
    );
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  return {
    port,
    engine,
    store,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    console.error(`baton: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const running = await startServer(config);
  console.log(
    `baton: listening on http://${config.HOST}:${running.port} (event store: ${config.BATON_EVENT_STORE}${
      config.BATON_EVENT_STORE === "file" ? ` in ${config.DATA_DIR}` : ""
    })`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`baton: ${signal} received, shutting down`);
    await running.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("src/api/node.ts")) {
  main().catch((error) => {
    console.error("baton: failed to start:", error);
    process.exit(1);
  });
}
