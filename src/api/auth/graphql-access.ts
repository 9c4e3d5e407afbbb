/**
 * GraphQL's share of authorisation, per operation: queries and subscriptions
 * need `reader` (or `admin`), mutations `admin`. Over HTTP the principal comes
 * from the access middleware (access.ts); over graphql-ws from the token in
 * `connectionParams`, checked when the socket connects.
 */
import { getOperationAST, GraphQLError, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { tokenOf } from "./access.ts";
import type { Principal } from "./ports.ts";
import type { TokenSigner } from "./tokens.ts";

function refusal(document: DocumentNode, operationName: string | null | undefined, principal: Principal | undefined): GraphQLError | undefined {
  if (principal === undefined) {
    return new GraphQLError("Authentication required: send a token from POST /api/token", {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  if (principal.role === "admin") return undefined;
  const operation = getOperationAST(document, operationName)?.operation ?? "query";
  const needs = operation === "mutation" ? "admin" : "reader or admin";
  if (principal.role === "reader" && operation !== "mutation") return undefined;
  return new GraphQLError(`Forbidden: role ${principal.role} may not run a ${operation} (needs ${needs})`, {
    extensions: { code: "FORBIDDEN", http: { status: 403 } },
  });
}

/** Over HTTP the app passes `principal` as yoga's server context; graphql-ws keeps it in the connection's `extra`. */
type AuthContext = { principal?: Principal; extra?: { principal?: Principal } };

function principalIn(context: unknown): Principal | undefined {
  const { principal, extra } = (context ?? {}) as AuthContext;
  return principal ?? extra?.principal;
}

/** The yoga plugin; does nothing when authentication is off. */
export function graphqlAccessPlugin(required: boolean): Plugin {
  if (!required) return {};
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(args.document, args.operationName, principalIn(args.contextValue));
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refusal(args.document, args.operationName, principalIn(args.contextValue));
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

/**
 * graphql-ws `onConnect`: with authentication on, the connection's
 * `connectionParams` must carry a valid token (`{"X-Authorization": token}`,
 * `{"Authorization": "Bearer token"}` or `{"token": token}`); otherwise the
 * socket is closed with 4403 Forbidden. The key is kept in the connection's `extra`.
 */
export function graphqlWsAuthenticator(required: boolean, signer: TokenSigner | undefined) {
  return async (ctx: { connectionParams?: Readonly<Record<string, unknown>>; extra: object }): Promise<boolean> => {
    if (!required || !signer) return true;
    const params = ctx.connectionParams ?? {};
    const lookup = new Map(Object.entries(params).map(([key, value]) => [key.toLowerCase(), typeof value === "string" ? value : null]));
    const token = tokenOf({ get: (name) => lookup.get(name) ?? null }) ?? lookup.get("token") ?? undefined;
    if (!token) return false;
    const checked = await signer.check(token);
    if (!checked.ok || (checked.principal.role !== "admin" && checked.principal.role !== "reader")) return false;
    (ctx.extra as { principal?: Principal }).principal = checked.principal;
    return true;
  };
}
