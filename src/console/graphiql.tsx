/**
 * GraphiQL for Baton's schema, bundled from npm with the console (its assets
 * come from Baton, not a CDN): queries and mutations over HTTP, subscriptions
 * over graphql-ws, with the console's token when authentication is on.
 */
import "graphiql/style.css";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createClient } from "graphql-ws";

const token = sessionStorage.getItem("baton.console.token") ?? undefined;
const fetcher = createGraphiQLFetcher({
  url: "/graphql",
  headers: token ? { "x-authorization": token } : {},
  wsClient: createClient({ url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`, connectionParams: token ? { token } : {}, lazy: true }),
});

const example = `# Baton's GraphQL API: try a query, then a subscription.
{
  workflowDefs { name version }
  queues { name size }
}
`;

createRoot(document.getElementById("graphiql")!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={example} />
  </StrictMode>,
);
