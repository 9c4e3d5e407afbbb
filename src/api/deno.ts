/** Deno composition root: `deno task start` (see portable-app.ts for what runs). */
import { loadConfig } from "./config.ts";
import { createPortableApp } from "./portable-app.ts";

const config = loadConfig(Deno.env.toObject());
const app = await createPortableApp(config, "Deno");
Deno.serve({ port: config.PORT, hostname: config.HOST }, app.fetch);
