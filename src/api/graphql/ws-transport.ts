/**
 * graphql-ws on `/graphql`, transport-agnostic (no node: imports): the server
 * options every runtime shares, and a Hono route that binds them to a runtime's
 * `upgradeWebSocket` helper (`hono/deno`, `hono/bun`). Each operation runs
 * through yoga's envelop, so the depth and cost limits and error masking apply
 * as they do over HTTP. Node attaches the same options to the `ws` package
 * (graphql-ws-node.ts).
 */
import { type ExecutionArgs, GraphQLError } from "graphql";
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols, makeServer, type ServerOptions } from "graphql-ws";
import type { Context, MiddlewareHandler } from "hono";
import type { UpgradeWebSocket, WSContext, WSMessageReceive } from "hono/ws";
import type { BatonGraphQL } from "./yoga.ts";

type EnvelopedRoot = { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
type ErrorFields = Pick<GraphQLError, "message" | "nodes" | "source" | "positions" | "path" | "extensions">;

/**
 * graphql-ws recognises rejected operations with `instanceof GraphQLError`, so
 * errors must be of the class graphql-ws itself loaded. By default that is the one
 * this module imports; Node passes its own (see graphql-ws-node.ts).
 */
export function rebuildGraphQLError(ErrorClass: typeof GraphQLError = GraphQLError): (error: ErrorFields) => GraphQLError {
  return (error) =>
    error instanceof ErrorClass
      ? error
      : new ErrorClass(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          extensions: error.extensions,
        });
}

/** What a runtime binding hands graphql-ws as the context's `extra`. */
export interface GraphQLWsExtra {
  /** The upgrade request (a fetch `Request` or Node's `IncomingMessage`). */
  request: unknown;
  /** The runtime's socket, when the binding exposes it. */
  socket?: unknown;
}

/** What graphql-ws asks of authentication (src/api/auth/auth.ts): whether a connection may open, and from which page. */
export interface GraphQLWsAccess {
  onGraphQLWsConnect(ctx: { connectionParams?: Readonly<Record<string, unknown>>; extra: object }): Promise<boolean>;
  originAllowed(origin: string | undefined, requestUrl: string): boolean;
}

/** graphql-ws server options that execute every operation through `yoga`; `access` checks each connection's token. */
export function graphqlWsServerOptions<E extends GraphQLWsExtra>(
  yoga: BatonGraphQL,
  toGraphQLError: (error: ErrorFields) => GraphQLError = rebuildGraphQLError(),
  access?: Pick<GraphQLWsAccess, "onGraphQLWsConnect">,
): ServerOptions<Record<string, unknown> | undefined, E> {
  return {
    onConnect: access ? (ctx) => access.onGraphQLWsConnect(ctx) : undefined,
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
        if (errors.length > 0) return errors.map(toGraphQLError);
      } catch (error) {
        if (error instanceof Error && error.name === "GraphQLError") return [toGraphQLError(error as GraphQLError)];
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
  };
}

async function messageText(data: WSMessageReceive): Promise<string> {
  if (typeof data === "string") return data;
  if (data instanceof Blob) return await data.text();
  return new TextDecoder().decode(new Uint8Array(data));
}

/** A runtime's Hono upgrade helper (`upgradeWebSocket` from `hono/deno` or `hono/bun`). */
// deno-lint-ignore no-explicit-any
export type UpgradeHelper = UpgradeWebSocket<any, any>;

/**
 * Middleware for `GET /graphql`: WebSocket upgrades offering the
 * `graphql-transport-ws` subprotocol become graphql-ws connections; upgrades
 * without it are refused (400); every other request goes on (to GraphiQL and
 * yoga's HTTP handling).
 */
export function graphqlWsRoute(yoga: BatonGraphQL, upgradeWebSocket: UpgradeHelper, access?: GraphQLWsAccess): MiddlewareHandler {
  const server = makeServer<Record<string, unknown> | undefined, GraphQLWsExtra>(graphqlWsServerOptions(yoga, rebuildGraphQLError(), access));
  return async (c: Context, next) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return next();
    // Browsers let any page open a WebSocket anywhere; only the allowed ones may (cross-site WebSocket hijacking).
    if (access && !access.originAllowed(c.req.header("origin"), c.req.url)) {
      return c.json({ status: 403, message: `WebSocket from origin ${c.req.header("origin")} refused: add it to BATON_CORS_ORIGINS to allow it`, retryable: false }, 403);
    }
    const offered = c.req.header("sec-websocket-protocol") ?? "";
    if (handleProtocols(offered) !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      return c.json(
        { status: 400, message: `WebSocket connections to /graphql need the ${GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol`, retryable: false },
        400,
      );
    }
    const request = c.req.raw;
    let receive: ((data: string) => Promise<void>) | undefined;
    let closed: ((code?: number, reason?: string) => Promise<void>) | undefined;
    let decoded: Promise<void> = Promise.resolve();
    const fail = (ws: WSContext, error: unknown) => {
      console.error("graphql-ws: internal error", error);
      ws.close(CloseCode.InternalServerError, "Internal server error");
    };
    const response = await upgradeWebSocket(
      c,
      {
        onOpen: (_event, ws) => {
          closed = server.opened(
            {
              // What the runtime reports, else what was negotiated: Deno's server socket
              // reports "" although it answered with the subprotocol it was told to pick
              // (below); Bun's helper reports the first one offered, which Bun answers with.
              protocol: (ws.raw as { protocol?: string } | undefined)?.protocol || ws.protocol || GRAPHQL_TRANSPORT_WS_PROTOCOL,
              send: (data) => {
                if (ws.readyState === 1) ws.send(data);
              },
              close: (code, reason) => ws.close(code, reason),
              onMessage: (callback) => {
                receive = callback;
              },
            },
            { request },
          );
        },
        onMessage: (event, ws) => {
          // Decoding is queued to keep the messages' order; handling is not (a
          // subscription's callback settles only when the subscription ends).
          decoded = decoded
            .then(() => messageText(event.data))
            .then((text) => {
              receive?.(text).catch((error: unknown) => fail(ws, error));
            })
            .catch((error: unknown) => fail(ws, error));
        },
        onClose: (event) => {
          void closed?.(event.code, event.reason);
        },
        onError: (event, ws) => fail(ws, event),
      },
      { protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL },
    );
    return response ?? next();
  };
}
