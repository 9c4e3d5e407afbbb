/** Bun composition root: `bun src/api/bun.ts`; Bun serves the default export's `fetch`. */
import { getConnInfo, upgradeWebSocket, websocket } from "hono/bun";
import { loadConfig } from "./config.ts";
import { createPortableApp } from "./portable-app.ts";
import { consoleOutput, loggerFromConfig } from "./observability/runtime-logger.ts";

const config = loadConfig(process.env);
const logger = loggerFromConfig(config, consoleOutput(process.stdout.isTTY === true));
// graphql-ws on `/graphql` through Hono's Bun helper: Bun hands `fetch` its server
// (for `server.upgrade`) and runs the sockets through `websocket`.
const app = await createPortableApp(config, "Bun", { upgradeWebSocket, clientAddress: (c) => getConnInfo(c).remote.address ?? "unknown", logger });
logger.info(`baton: listening on http://${config.HOST}:${config.PORT}`, { port: config.PORT, runtime: "bun", eventStore: config.BATON_EVENT_STORE });

export default { port: config.PORT, hostname: config.HOST, fetch: app.fetch, websocket };
