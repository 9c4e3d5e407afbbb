import { outgoingTraceparent } from "./trace.ts";
import type { EgressPolicy } from "./egress-policy.ts";
import type { SystemTaskExecutor, SystemTaskOutcome } from "./outcome.ts";

interface HttpRequest {
  uri?: string;
  method?: string;
  headers?: Record<string, unknown>;
  body?: unknown;
  accept?: string;
  contentType?: string;
  connectionTimeOut?: number;
  readTimeOut?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Redirects followed before the task fails (each hop is checked against the egress policy). */
const MAX_REDIRECTS = 10;

function requestOf(input: Record<string, unknown>): HttpRequest {
  const nested = input.http_request;
  return (nested && typeof nested === "object" ? nested : input) as HttpRequest;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

class Refused extends Error {}

/**
 * Calls `url`, following redirects by hand so that every hop is checked
 * against the egress policy (a redirect to a metadata address is refused like
 * a direct call). 303, and 301/302 after a POST, continue as GET without a body.
 */
async function fetchWithin(fetchImpl: typeof fetch, policy: EgressPolicy | undefined, url: string, init: RequestInit): Promise<Response> {
  let target = new URL(url);
  let request = init;
  for (let hop = 0; ; hop++) {
    const refusal = await policy?.refusal(target);
    if (refusal) throw new Refused(hop === 0 ? refusal : `redirect ${hop} to ${target.href}: ${refusal}`);
    const response = await fetchImpl(target, { ...request, redirect: "manual" });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || response.status === 304 || location === null) return response;
    if (hop === MAX_REDIRECTS) throw new Refused(`more than ${MAX_REDIRECTS} redirects`);
    await response.body?.cancel();
    target = new URL(location, target);
    const method = (request.method ?? "GET").toUpperCase();
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
      const headers = { ...(request.headers as Record<string, string>) };
      delete headers["Content-Type"];
      request = { ...request, method: method === "HEAD" ? "HEAD" : "GET", body: undefined, headers };
    }
  }
}

/**
 * HTTP: calls `uri` with the runtime's fetch, within the egress policy. Output
 * is Conductor's `response {headers, reasonPhrase, body, statusCode}`; a
 * non-2xx status fails the task with the response body as the reason
 * (retried per the task's def). A call the policy refuses fails at once,
 * without retries, naming the rule.
 */
export function createHttpExecutor(fetchImpl: typeof fetch = fetch, policy?: EgressPolicy): SystemTaskExecutor {
  return async (task, workflow): Promise<SystemTaskOutcome> => {
    const request = requestOf(task.inputData);
    if (typeof request.uri !== "string" || request.uri === "") {
      return { kind: "fail", reason: "HTTP task: http_request.uri is required", outputData: {}, terminal: true };
    }
    if (!URL.canParse(request.uri)) {
      return { kind: "fail", reason: `HTTP task: http_request.uri '${request.uri}' is not an absolute URL`, outputData: {}, terminal: true };
    }
    const method = (request.method ?? "GET").toUpperCase();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name] = String(value);
    headers.Accept ??= request.accept ?? "application/json";
    // The workflow's W3C trace continues into the call, unless the task sets its own traceparent.
    const traceparent = outgoingTraceparent(workflow);
    if (traceparent && !Object.keys(headers).some((name) => name.toLowerCase() === "traceparent")) headers.traceparent = traceparent;
    let body: string | undefined;
    if (request.body !== undefined && request.body !== null && method !== "GET" && method !== "HEAD") {
      body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
      headers["Content-Type"] ??= request.contentType ?? "application/json";
    }
    const timeout = Number(request.readTimeOut ?? 0) + Number(request.connectionTimeOut ?? 0) || DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await fetchWithin(fetchImpl, policy, request.uri, { method, headers, body, signal: AbortSignal.timeout(timeout) });
    } catch (error) {
      if (error instanceof Refused) return { kind: "fail", reason: `HTTP task: ${error.message}`, outputData: {}, terminal: true };
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { kind: "fail", reason: `Failed to invoke HTTP task due to: ${reason}`, outputData: {} };
    }
    const responseHeaders: Record<string, string[]> = {};
    response.headers.forEach((value, name) => {
      (responseHeaders[name] ??= []).push(value);
    });
    const output = {
      response: {
        headers: responseHeaders,
        reasonPhrase: response.statusText,
        body: await readBody(response),
        statusCode: response.status,
      },
    };
    if (response.ok) return { kind: "complete", outputData: output };
    const text = typeof output.response.body === "string" ? output.response.body : JSON.stringify(output.response.body);
    return { kind: "fail", reason: `HTTP ${response.status}: ${text ?? response.statusText}`, outputData: output };
  };
}
