import type { Context } from "hono";
import { type FieldError, isDomainError } from "../../domain/errors.ts";

/** Conductor's `ErrorResponse` body. */
export interface ErrorResponse {
  status: number;
  message: string;
  instance?: string;
  retryable: boolean;
  validationErrors?: FieldError[];
}

const STATUS_BY_KIND = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  illegal_state: 409,
  concurrency: 409,
  unavailable: 503,
} as const;

/** Maps any thrown value to a status and Conductor's error body; unexpected errors are masked. */
export function toErrorResponse(error: unknown, instance?: string): ErrorResponse {
  if (isDomainError(error)) {
    const status = STATUS_BY_KIND[error.kind];
    const body: ErrorResponse = { status, message: error.message, instance, retryable: error.kind === "concurrency" || error.kind === "unavailable" };
    if (error.kind === "validation" && error.fieldErrors.length > 0) body.validationErrors = error.fieldErrors;
    return body;
  }
  return { status: 500, message: "Internal server error; the failure was logged", instance, retryable: true };
}

/** The Hono error handler: one place where errors become HTTP responses. */
export function errorHandler(log: (error: unknown, c: Context) => void) {
  return (error: Error, c: Context) => {
    const body = toErrorResponse(error, c.req.path);
    if (body.status >= 500) log(error, c);
    // A store outage: clients (the Conductor SDKs retry 5xx) are told when to come back.
    if (body.status === 503) return c.json(body, 503, { "retry-after": "5" });
    return c.json(body, body.status as 400);
  };
}
