import { type Context, Hono } from "hono";
import { compress } from "hono/compress";

/**
 * Reads one file of the built console (relative to its build directory), or
 * undefined when it does not exist. Each runtime supplies its own reader, so
 * this module stays free of `node:` imports.
 */
export type ConsoleAssetReader = (relativePath: string) => Promise<Uint8Array | undefined>;

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
  woff2: "font/woff2",
  map: "application/json",
};

/**
 * The console's pages may talk to this server only: the policy makes the
 * browser refuse any other host (scripts, styles, fetches and sockets alike).
 * Inline style attributes are allowed because the graph library positions
 * nodes with them; inline scripts are not.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

// A file name the build emits: no directories, no dot files, no traversal.
const ASSET_NAME = /^[A-Za-z0-9_.-]+$/;

/** `GET /` (the console's page), `GET /graphiql` (GraphiQL, from the same build) and `GET /assets/:file` (their hashed, immutable files). */
export function consoleRoutes(read: ConsoleAssetReader): Hono {
  const routes = new Hono();
  // The bundles are large (elkjs alone is ~1 MB) and gzip to about a third.
  routes.use("/assets/*", compress());
  const page = (file: string) => async (c: Context) => {
    const page = await read(file);
    if (!page) {
      return c.json({ status: 503, message: "The console is not built: run `npm run build:console` (npm start builds it)", retryable: false }, 503);
    }
    return c.body(page as Uint8Array<ArrayBuffer>, 200, { "content-type": CONTENT_TYPES.html!, "cache-control": "no-cache", "content-security-policy": CONSOLE_CSP, "x-content-type-options": "nosniff" });
  };
  routes.get("/", page("index.html"));
  routes.get("/graphiql", page("graphiql.html"));
  routes.get("/assets/:file", async (c) => {
    const file = c.req.param("file");
    const extension = file.slice(file.lastIndexOf(".") + 1);
    const type = CONTENT_TYPES[extension];
    const body = ASSET_NAME.test(file) && !file.startsWith(".") && type ? await read(`assets/${file}`) : undefined;
    if (!body) return c.json({ status: 404, message: `No console asset ${file}`, retryable: false }, 404);
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { "content-type": type!, "cache-control": "public, max-age=31536000, immutable", "x-content-type-options": "nosniff" });
  });
  return routes;
}
