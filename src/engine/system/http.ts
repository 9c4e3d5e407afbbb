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

/**
 * HTTP: calls `uri` with the runtime's fetch. Output is Conductor's
 * `response {headers, reasonPhrase, body, statusCode}`; a non-2xx status fails
 * the task with the response body as the reason (retried per the task's def).
 */
export function createHttpExecutor(fetchImpl: typeof fetch = fetch): SystemTaskExecutor {
  return async (task): Promise<SystemTaskOutcome> => {
    const request = requestOf(task.inputData);
    if (typeof request.uri !== "string" || request.uri === "") {
      return { kind: "fail", reason: "HTTP task: http_request.uri is required", outputData: {}, terminal: true };
    }
    const method = (request.method ?? "GET").toUpperCase();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name] = String(value);
    headers.Accept ??= request.accept ?? "application/json";
    let body: string | undefined;
    if (request.body !== undefined && request.body !== null && method !== "GET" && method !== "HEAD") {
      body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
      headers["Content-Type"] ??= request.contentType ?? "application/json";
    }
    const timeout = Number(request.readTimeOut ?? 0) + Number(request.connectionTimeOut ?? 0) || DEFAULT_TIMEOUT_MS;
    let response: Response;
    try {
      response = await fetchImpl(request.uri, { method, headers, body, signal: AbortSignal.timeout(timeout) });
    } catch (error) {
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
