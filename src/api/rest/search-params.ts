import type { Context } from "hono";
import { ValidationError } from "../../domain/errors.ts";
import { MAX_SEARCH_SIZE, type SearchRequest } from "../../projections/search.ts";
import { limitsOf } from "../input-limits.ts";
import { intQuery } from "./request.ts";

/**
 * Conductor's search parameters (`start`, `size`, `sort`, `freeText`,
 * `query`), shared by the workflow and task searches. The JS SDK's README
 * passes the query as `start`; a non-number there means "from the top" and
 * is taken as the query.
 */
export function searchRequestOf(c: Context): SearchRequest {
  const startRaw = c.req.query("start");
  const startIsNumber = startRaw !== undefined && /^\d+$/.test(startRaw);
  const size = intQuery(c, "size", 100, { min: 0 });
  if (size > MAX_SEARCH_SIZE) {
    throw new ValidationError(`size: cannot return more than ${MAX_SEARCH_SIZE} results; use start to page`, [
      { path: "size", message: `must be <= ${MAX_SEARCH_SIZE}`, invalidValue: size },
    ]);
  }
  return {
    start: startIsNumber ? Number(startRaw) : 0,
    size,
    sort: c.req.query("sort"),
    freeText: c.req.query("freeText"),
    query: c.req.query("query") ?? (startRaw !== undefined && !startIsNumber ? startRaw : undefined),
    queryLimits: limitsOf(c).searchQuery,
  };
}

/**
 * Conductor's `externalstoragelocation`: where a client should upload a
 * payload too large to send inline. Baton keeps every payload in its events
 * and has no external payload storage, so it says so instead of letting the
 * path fall through to a route that reads it as an id.
 */
export function externalStorageUnsupported(c: Context) {
  return c.json(
    {
      status: 501,
      message: "Baton has no external payload storage: payloads are sent inline and kept in the event log",
      instance: c.req.path,
      retryable: false,
    },
    501,
  );
}
