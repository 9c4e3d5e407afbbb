/** Bun composition root: `bun src/api/bun.ts`; Bun serves the default export's `fetch`. */
import { getConnInfo, upgradeWebSocket, websocket } from "hono/bun";
import { loadConfig } from "./config.ts";
import { createPortableApp } from "./portable-app.ts";

const config = loadConfig(process.env);
// graphql-ws on `/graphql` through Hono's Bun helper: Bun hands `fetch` its server
// (for `server.upgrade`) and runs the sockets through `websocket`.
const app = await createPortableApp(config, "Bun", { upgradeWebSocket, clientAddress: (c) => getConnInfo(c).remote.address ?? "unknown" });

export default { port: config.PORT, hostname: config.HOST, fetch: app.fetch, websocket };
