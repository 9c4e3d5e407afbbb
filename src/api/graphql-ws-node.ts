/**
 * Node only: graphql-ws on `/graphql`, with the `ws` package attached to the
 * HTTP server's upgrade event. Each operation runs through yoga's envelop, so
 * the depth and cost limits and error masking apply as they do over HTTP.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { ExecutionArgs, GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { BatonGraphQL } from "./graphql/yoga.ts";

type EnvelopedRoot = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };

/**
 * graphql-ws recognises rejected operations with `instanceof GraphQLError`. graphql
 * ships CommonJS (`main`) and ESM (`module`) builds: Node loads the CommonJS one
 * for graphql-ws, while a bundler (vitest's) may hand this file the ESM one. Errors
 * are rebuilt with the class Node's resolution gives, the one graphql-ws checks.
 */
const NodeGraphQLError = (createRequire(import.meta.url)("graphql") as typeof import("graphql")).GraphQLError;

function sameRealm(error: Pick<GraphQLError, "message" | "nodes" | "source" | "positions" | "path" | "extensions">): GraphQLError {
  if (error instanceof NodeGraphQLError) return error;
  return new NodeGraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: error.extensions,
  });
}

/** Serves graphql-ws subscriptions (and queries/mutations) on `server`; returns the closer. */
export function attachGraphQLWebSocket(server: Server, yoga: BatonGraphQL): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        // Parse and validation errors (limits included: graphql-armor throws
        // them) go back as the operation's errors; the socket stays open.
        let document;
        try {
          document = parse(params.query);
          const errors = validate(schema, document);
          if (errors.length > 0) return errors.map(sameRealm);
        } catch (error) {
          if (error instanceof Error && error.name === "GraphQLError") return [sameRealm(error as GraphQLError)];
          throw error;
        }
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
  return {
    async close() {
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
