/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent`
 * header, `00-<trace-id 32 hex>-<parent-id 16 hex>-<flags 2 hex>`. Pure: the
 * new span id for an outgoing call comes in from the caller.
 */

export interface TraceParent {
  traceId: string;
  parentId: string;
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Reads a `traceparent` header; undefined when it is absent or malformed (the
 * spec says a receiver then ignores it and starts afresh, it does not refuse
 * the request). Version ff and all-zero ids are invalid; a later version may
 * carry more fields after the four this version defines.
 */
export function parseTraceparent(header: string | undefined | null): TraceParent | undefined {
  if (header === undefined || header === null) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

export function formatTraceparent(trace: TraceParent): string {
  return `00-${trace.traceId}-${trace.parentId}-${trace.flags}`;
}

/** The `traceparent` of a call made within `trace`: the same trace and flags, `spanId` as its parent. */
export function childTraceparent(traceparent: string | undefined, spanId: string): string | undefined {
  const trace = parseTraceparent(traceparent);
  return trace ? formatTraceparent({ ...trace, parentId: spanId }) : undefined;
}
