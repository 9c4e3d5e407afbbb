/** Bun composition root: `bun src/api/bun.ts`; Bun serves the default export's `fetch`. */
import { loadConfig } from "./config.ts";
import { createPortableApp } from "./portable-app.ts";

const config = loadConfig(process.env);
const app = await createPortableApp(config, "Bun");

export default { port: config.PORT, hostname: config.HOST, fetch: app.fetch };
