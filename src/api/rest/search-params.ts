import type { Context } from "hono";
import type { SearchRequest } from "../../projections/search.ts";
import { limitsOf } from "../input-limits.ts";
import { SearchQuery } from "./queries.ts";
import { parseQuery } from "./query.ts";

/**
 * Conductor's search parameters (`start`, `size`, `sort`, `freeText`,
 * `query`), shared by the workflow and task searches. The JS SDK's README
 * passes the query as `start`; a non-number there means "from the top" and
 * is taken as the query. Read with SearchQuery, the schema /api-docs describes.
 */
export function searchRequestOf(c: Context): SearchRequest {
  const { start: startRaw, size, sort, freeText, query } = parseQuery(c, SearchQuery);
  const startIsNumber = startRaw !== undefined && /^\d+$/.test(startRaw);
  return {
    start: startIsNumber ? Number(startRaw) : 0,
    size,
    sort,
    freeText,
    query: query ?? (startRaw !== undefined && !startIsNumber ? startRaw : undefined),
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
