import type { Plugin } from "graphql-yoga";

/** Where the console serves GraphiQL from its own build (src/console/graphiql.html). */
export const LOCAL_GRAPHIQL_PATH = "/graphiql";

/**
 * BATON_GRAPHIQL: a browser opening `GET /graphql` is sent to the console's
 * GraphiQL, built from local assets. Yoga's own GraphiQL page loads its
 * scripts and styles from a CDN, so it is never rendered: nothing Baton serves
 * may depend on another host. A GET that carries a query (or a socket
 * upgrade, or a client asking for JSON) is left to yoga as before.
 */
export function useLocalGraphiQL(): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET" || url.searchParams.has("query")) return;
      if (request.headers.get("upgrade")) return;
      if (!(request.headers.get("accept") ?? "").includes("text/html")) return;
      endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: LOCAL_GRAPHIQL_PATH } }));
    },
  };
}
