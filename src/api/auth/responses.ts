import type { Context } from "hono";
import type { TokenError } from "./tokens.ts";

/**
 * Conductor's ErrorResponse, plus the `error` code Orkes servers add to
 * token failures: the SDKs read it to decide whether to fetch a new token.
 */
export function refuse(c: Context, status: 401 | 403 | 415 | 429, message: string, error?: TokenError) {
  return c.json({ status, message, instance: c.req.path, retryable: status === 429, ...(error ? { error } : {}) }, status);
}
