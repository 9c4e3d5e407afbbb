/** Deno composition root: `deno task start` (see portable-app.ts for what runs). */
import { getConnInfo, upgradeWebSocket } from "hono/deno";
import { loadConfig } from "./config.ts";
import { createPortableApp } from "./portable-app.ts";

const config = loadConfig(Deno.env.toObject());
// graphql-ws on `/graphql` through Hono's Deno helper (Deno.upgradeWebSocket).
const app = await createPortableApp(config, "Deno", { upgradeWebSocket, clientAddress: (c) => getConnInfo(c).remote.address ?? "unknown" });
Deno.serve({ port: config.PORT, hostname: config.HOST }, app.fetch);
