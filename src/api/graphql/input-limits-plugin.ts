import { createGraphQLError, type Plugin } from "graphql-yoga";
import { depthExcessMessage, jsonTextDepthExcess, valueDepthExcess } from "../../domain/json-depth.ts";
import type { InputLimits } from "../input-limits.ts";

const sourceText = (source: unknown): string =>
  typeof source === "string" ? source : typeof (source as { body?: unknown })?.body === "string" ? (source as { body: string }).body : "";

/**
 * A client-facing error in Baton's GraphQL shape (`BAD_USER_INPUT` with
 * `validationErrors`), made as a GraphQLError so both transports pass it on:
 * yoga answers it with 400, and graphql-ws returns it as the operation's
 * errors instead of closing the socket.
 */
const inputError = (path: string, message: string) =>
  createGraphQLError(message, { extensions: { code: "BAD_USER_INPUT", validationErrors: [{ path, message }], http: { status: 400 } } });

/**
 * The edge's limits for GraphQL, applied before the work they bound: a
 * document nested deeper than BATON_MAX_JSON_DEPTH is refused before it is
 * parsed (the parser recurses per level), parsing stops after
 * BATON_MAX_GRAPHQL_TOKENS tokens, and variables nested too deep are refused
 * before execution coerces them. Over HTTP and graphql-ws alike (both go
 * through yoga's envelop).
 */
export function useInputLimits(limits: InputLimits): Plugin {
  const variablesError = (variables: unknown) => {
    const excess = valueDepthExcess(variables ?? {}, limits.maxJsonDepth);
    if (excess === undefined) return undefined;
    const path = excess.path === "(root)" ? "variables" : `variables.${excess.path}`;
    return inputError(path, depthExcessMessage({ ...excess, path }));
  };
  return {
    onParse({ params, parseFn, setParseFn }) {
      if (jsonTextDepthExcess(sourceText(params.source), limits.maxJsonDepth) !== undefined) {
        throw inputError("query", `GraphQL document nested deeper than ${limits.maxJsonDepth} levels (the limit is BATON_MAX_JSON_DEPTH)`);
      }
      setParseFn((source, options) => {
        try {
          // Yoga's own parse (its copy of graphql), so its parse errors keep their code and 400.
          return parseFn(source, { ...options, maxTokens: limits.maxGraphqlTokens });
        } catch (error) {
          // graphql-js 16 words it "Document contains more that N tokens" (sic).
          if (error instanceof Error && /contains more th\w+ \d+ tokens/.test(error.message)) {
            throw inputError("query", `GraphQL document has more than ${limits.maxGraphqlTokens} tokens (the limit is BATON_MAX_GRAPHQL_TOKENS)`);
          }
          throw error;
        }
      });
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = variablesError(args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = variablesError(args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
