/** Deno composition root: `deno task start` (see portable-app.ts for what runs). */
import { getConnInfo, upgradeWebSocket } from "hono/deno";
import { loadConfig } from "./config.ts";
import { createPortableApp } from "./portable-app.ts";
import { consoleOutput, loggerFromConfig } from "./observability/runtime-logger.ts";

const config = loadConfig(Deno.env.toObject());
const logger = loggerFromConfig(config, consoleOutput(Deno.stdout.isTerminal()));
// graphql-ws on `/graphql` through Hono's Deno helper (Deno.upgradeWebSocket).
const app = await createPortableApp(config, "Deno", { upgradeWebSocket, clientAddress: (c) => getConnInfo(c).remote.address ?? "unknown", logger });
Deno.serve({
  port: config.PORT,
  hostname: config.HOST,
  onListen: ({ hostname, port }) => logger.info(`baton: listening on http://${hostname}:${port}`, { port, runtime: "deno", eventStore: config.BATON_EVENT_STORE }),
}, app.fetch);
