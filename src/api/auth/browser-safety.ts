/**
 * Refuses what a web page on another site could make a browser send without
 * asking (a "simple" cross-site request: a form post, or fetch with a
 * text/plain body, which CORS never preflights):
 *
 * - a changing request (POST/PUT/PATCH/DELETE) whose `Origin` is neither the
 *   server's own nor in BATON_CORS_ORIGINS: 403;
 * - a body whose Content-Type is not JSON (`application/json`,
 *   `application/*+json`): 415. Conductor's task log
 *   (`POST /api/tasks/{taskId}/log`) also takes `text/plain`, as Conductor
 *   does. A body with no Content-Type at all is read as JSON: the JS SDK's
 *   retry after a token refresh sends one so (its retry replaces the request's
 *   headers); a browser page can send one too, but with its `Origin`, which
 *   the first rule checks.
 *
 * The official SDKs send JSON bodies and no `Origin`, so they pass.
 */
import type { MiddlewareHandler } from "hono";
import { originAllowed } from "./origins.ts";
import { refuse } from "./responses.ts";

const CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Routes whose body may also be plain text. */
const TEXT_BODY_ROUTES = [/^\/api\/tasks\/[^/]+\/log$/];

function isJson(contentType: string): boolean {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.headers.has("transfer-encoding") || request.body !== null;
}

export function browserSafety(allowedOrigins: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const request = c.req.raw;
    if (!CHANGING.has(request.method)) return next();
    const origin = request.headers.get("origin") ?? undefined;
    if (!originAllowed(origin, request.url, allowedOrigins)) {
      return refuse(c, 403, `Cross-origin ${request.method} from ${origin} refused: add the origin to BATON_CORS_ORIGINS to allow it`);
    }
    if (hasBody(request)) {
      const contentType = request.headers.get("content-type") ?? "";
      if (contentType === "") return next();
      const textAllowed = TEXT_BODY_ROUTES.some((route) => route.test(c.req.path));
      const plainText = contentType.split(";")[0]!.trim().toLowerCase() === "text/plain";
      if (!isJson(contentType) && !(textAllowed && plainText)) {
        const expected = textAllowed ? "application/json or text/plain" : "application/json";
        return refuse(c, 415, `Content-Type: expected ${expected}, got '${contentType}'`);
      }
    }
    return next();
  };
}
