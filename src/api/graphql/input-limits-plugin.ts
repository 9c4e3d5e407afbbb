import type { Plugin } from "graphql-yoga";
import { ValidationError } from "../../domain/errors.ts";
import { jsonTextDepthExcess } from "../../domain/json-depth.ts";
import { checkValueDepth, type InputLimits } from "../input-limits.ts";

const sourceText = (source: unknown): string =>
  typeof source === "string" ? source : typeof (source as { body?: unknown })?.body === "string" ? (source as { body: string }).body : "";

/**
 * The edge's limits for GraphQL, applied before the work they bound: a
 * document nested deeper than BATON_MAX_JSON_DEPTH is refused before it is
 * parsed (the parser recurses per level), parsing stops after
 * BATON_MAX_GRAPHQL_TOKENS tokens, and variables nested too deep are refused
 * before execution coerces them. Over HTTP and graphql-ws alike (both go
 * through yoga's envelop).
 */
export function useInputLimits(limits: InputLimits): Plugin {
  const checkVariables = (variables: unknown) => checkValueDepth(variables ?? {}, limits.maxJsonDepth, "variables");
  return {
    onParse({ params, parseFn, setParseFn }) {
      const text = sourceText(params.source);
      const excess = jsonTextDepthExcess(text, limits.maxJsonDepth);
      if (excess !== undefined) {
        const message = `GraphQL document nested deeper than ${limits.maxJsonDepth} levels (the limit is BATON_MAX_JSON_DEPTH)`;
        throw new ValidationError(message, [{ path: "query", message }]);
      }
      setParseFn((source, options) => {
        try {
          // Yoga's own parse (its copy of graphql), so its parse errors keep their code and 400.
          return parseFn(source, { ...options, maxTokens: limits.maxGraphqlTokens });
        } catch (error) {
          // graphql-js 16 words it "Document contains more that N tokens" (sic).
          if (error instanceof Error && /contains more th\w+ \d+ tokens/.test(error.message)) {
            const message = `GraphQL document has more than ${limits.maxGraphqlTokens} tokens (the limit is BATON_MAX_GRAPHQL_TOKENS)`;
            throw new ValidationError(message, [{ path: "query", message }]);
          }
          throw error;
        }
      });
    },
    onExecute({ args }) {
      checkVariables(args.variableValues);
    },
    onSubscribe({ args }) {
      checkVariables(args.variableValues);
    },
  };
}
