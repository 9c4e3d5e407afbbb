import type { Context, MiddlewareHandler } from "hono";
import { ValidationError } from "../domain/errors.ts";
import { DEFAULT_MAX_JSON_DEPTH, depthExcessMessage, jsonTextDepthExcess, servableJson } from "../domain/json-depth.ts";
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from "../projections/search-query.ts";
import type { Config } from "./config.ts";

/** What a request may carry (BATON_MAX_* settings); the same limits hold for REST, GraphQL and ingestion. */
export interface InputLimits {
  /** Request body bytes (BATON_MAX_BODY_BYTES): larger bodies get 413. */
  maxBodyBytes: number;
  /** Containers nested in a JSON body, GraphQL variables or document, or a bus message (BATON_MAX_JSON_DEPTH). */
  maxJsonDepth: number;
  /** Search `query` length and parenthesis nesting (BATON_MAX_SEARCH_QUERY_CHARS, BATON_MAX_SEARCH_QUERY_DEPTH). */
  searchQuery: QueryLimits;
  /** Lexical tokens of a GraphQL document, counted while parsing stops at the limit (BATON_MAX_GRAPHQL_TOKENS). */
  maxGraphqlTokens: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  searchQuery: DEFAULT_QUERY_LIMITS,
  maxGraphqlTokens: 20_000,
};

export function inputLimitsOf(config: Config): InputLimits {
  return {
    maxBodyBytes: config.BATON_MAX_BODY_BYTES,
    maxJsonDepth: config.BATON_MAX_JSON_DEPTH,
    searchQuery: { maxChars: config.BATON_MAX_SEARCH_QUERY_CHARS, maxDepth: config.BATON_MAX_SEARCH_QUERY_DEPTH },
    maxGraphqlTokens: config.BATON_MAX_GRAPHQL_TOKENS,
  };
}

const LIMITS_KEY = "inputLimits";

/** The limits the request's app was made with (the defaults outside one). */
export function limitsOf(c: Context): InputLimits {
  return (c.get(LIMITS_KEY) as InputLimits | undefined) ?? DEFAULT_INPUT_LIMITS;
}

function bodyTooLarge(c: Context, maxBytes: number): Response {
  return c.json(
    {
      status: 413,
      message: `Request body is larger than ${maxBytes} bytes (the limit is BATON_MAX_BODY_BYTES)`,
      instance: c.req.path,
      retryable: false,
      validationErrors: [{ path: "(body)", message: `must be at most ${maxBytes} bytes (BATON_MAX_BODY_BYTES)` }],
    },
    413,
  );
}

/**
 * Every request: the limits become readable by the routes, and a body longer
 * than `maxBodyBytes` is refused with 413 before anything parses it: by its
 * Content-Length, or while it streams in without one (chunked), stopping at
 * the limit. Not `hono/body-limit`: it re-wraps a streamed body with
 * `new Request(c.req.raw, ...)`, which throws (a 500) on @hono/node-server's
 * own request objects; here the request is rebuilt from its parts instead.
 */
export function inputLimitsMiddleware(limits: InputLimits): MiddlewareHandler {
  const maxBytes = limits.maxBodyBytes;
  return async (c, next) => {
    c.set(LIMITS_KEY, limits);
    const raw = c.req.raw;
    if (!raw.body) return next();
    const length = raw.headers.get("content-length");
    if (length !== null && !raw.headers.has("transfer-encoding")) {
      return Number(length) > maxBytes ? bodyTooLarge(c, maxBytes) : next();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = raw.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return bodyTooLarge(c, maxBytes);
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    const headers = new Headers(raw.headers);
    headers.delete("transfer-encoding");
    headers.set("content-length", String(size));
    c.req.raw = new Request(raw.url, { method: raw.method, headers, body, signal: raw.signal });
    return next();
  };
}

/** Refuses JSON text nested deeper than the limit, naming where; call before `JSON.parse`. */
export function checkJsonTextDepth(text: string, maxDepth: number, where = ""): void {
  const excess = jsonTextDepthExcess(text, maxDepth);
  if (excess === undefined) return;
  const path = where === "" ? excess.path : excess.path === "(root)" ? where : `${where}.${excess.path}`;
  const message = depthExcessMessage({ ...excess, path });
  throw new ValidationError(message, [{ path, message: `nested deeper than ${maxDepth} levels (BATON_MAX_JSON_DEPTH)` }]);
}

/**
 * Every `c.json(...)` answer serialised with `servableJson`: a stored value
 * too deep for `JSON.stringify` (written before these limits existed) is
 * served cut short with a placeholder instead of failing the read for
 * everyone. Hono's `c.json` is a per-context field, so wrapping it here covers
 * every route, including ones added later, in one place.
 */
export function servableJsonResponses(): MiddlewareHandler {
  return async (c, next) => {
    const json = c.json;
    c.json = ((object: unknown, ...rest: unknown[]) => {
      try {
        return (json as (...args: unknown[]) => Response)(object, ...rest);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        c.header("Content-Type", "application/json");
        return (c.body as (...args: unknown[]) => Response)(servableJson(object), ...rest);
      }
    }) as typeof c.json;
    await next();
  };
}
