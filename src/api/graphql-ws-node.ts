/**
 * Node only: graphql-ws on `/graphql`, with the `ws` package attached to the
 * HTTP server's upgrade event. Operations run through the shared server options
 * (graphql/ws-transport.ts), so the depth and cost limits and error masking
 * apply as they do over HTTP and on the other runtimes.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import { type GraphQLWsAccess, graphqlWsServerOptions, rebuildGraphQLError } from "./graphql/ws-transport.ts";
import type { BatonGraphQL } from "./graphql/yoga.ts";

/**
 * graphql-ws recognises rejected operations with `instanceof GraphQLError`. graphql
 * ships CommonJS (`main`) and ESM (`module`) builds: Node loads the CommonJS one
 * for graphql-ws, while a bundler (vitest's) may hand this file the ESM one. Errors
 * are rebuilt with the class Node's resolution gives, the one graphql-ws checks.
 */
const NodeGraphQLError = (createRequire(import.meta.url)("graphql") as typeof import("graphql")).GraphQLError;

/**
 * Serves graphql-ws subscriptions (and queries/mutations) on `server`; returns
 * the closer. `access` refuses upgrades from other sites' pages and checks each
 * connection's token (src/api/auth).
 */
export function attachGraphQLWebSocket(server: Server, yoga: BatonGraphQL, access?: GraphQLWsAccess): { close(): Promise<void> } {
  const wss = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    verifyClient: access
      ? ({ origin, req }: { origin?: string; req: { headers: { host?: string } } }, done: (ok: boolean, status?: number, message?: string) => void) => {
          const host = req.headers.host ?? "localhost";
          const allowed = [`http://${host}/`, `https://${host}/`].some((url) => access.originAllowed(origin || undefined, url));
          done(allowed, allowed ? undefined : 403, allowed ? undefined : "Forbidden: origin not in BATON_CORS_ORIGINS");
        }
      : undefined,
  });
  const disposable = useServer(graphqlWsServerOptions(yoga, rebuildGraphQLError(NodeGraphQLError), access), wss);
  return {
    async close() {
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
