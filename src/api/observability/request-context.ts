/**
 * Gives every request an id: the caller's `X-Request-Id` when it is a sane
 * token, else a fresh UUID. The id is echoed in the response header and
 * carried by every log line written for the request, so a caller's report
 * ("request 7f3c… failed") finds its lines. A valid W3C `traceparent` is kept
 * for the request (traceparentOf): its trace id is logged with the request and
 * carried to the events the request causes (restSource).
 */
import type { Context, MiddlewareHandler } from "hono";
import { parseTraceparent, formatTraceparent } from "../../domain/trace-context.ts";
import type { BatonLogger } from "./logger.ts";

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id the middleware chose, or undefined outside a request. */
export function requestIdOf(c: Context): string | undefined {
  return c.get("requestId" as never) as string | undefined;
}

/** The request's valid W3C `traceparent` (normalized), or undefined when it sent none or a malformed one. */
export function traceparentOf(c: Context): string | undefined {
  return c.get("traceparent" as never) as string | undefined;
}

/**
 * Sets the request id and logs each finished request at debug (method, path,
 * status, duration); answers of 500 and above at warn.
 */
export function requestContext(logger: BatonLogger, now: () => number = () => performance.now()): MiddlewareHandler {
  return async (c, next) => {
    const offered = c.req.header("x-request-id");
    const requestId = offered !== undefined && SANE_ID.test(offered) ? offered : crypto.randomUUID();
    c.set("requestId" as never, requestId as never);
    const trace = parseTraceparent(c.req.header("traceparent"));
    if (trace) c.set("traceparent" as never, formatTraceparent(trace) as never);
    const started = now();
    await next();
    // Hono's c.header() after the answer exists re-wraps its body in a new Response, and a
    // re-wrapped stream throws "ReadableStream is already closed" out of undici when the client
    // goes away, ending the process. A streamed answer (GraphQL over SSE) therefore carries the
    // id already (set by its route on the answer itself) and is left alone here.
    if (!c.res.headers.has("x-request-id") && !(c.res.headers.get("content-type") ?? "").includes("text/event-stream")) c.header("x-request-id", requestId);
    const status = c.res.status;
    const level = status >= 500 ? "warn" : "debug";
    if (logger.isEnabled(level)) {
      logger[level]("request", {
        requestId,
        ...(trace ? { traceId: trace.traceId } : {}),
        method: c.req.method,
        path: c.req.path,
        status,
        durationMs: Math.round((now() - started) * 10) / 10,
      });
    }
  };
}
