/**
 * Baton's one error taxonomy. Every protocol maps these once (REST: Conductor
 * `ErrorResponse`; GraphQL: masked errors; workers: terminal vs retryable).
 */

/** One field that failed validation: where it is and what was expected. */
export interface FieldError {
  path: string;
  message: string;
  invalidValue?: unknown;
}

/** Input that does not satisfy the contract; the message names the field. */
export class ValidationError extends Error {
  readonly kind = "validation" as const;
  constructor(message: string, readonly fieldErrors: FieldError[] = []) {
    super(message);
    this.name = "ValidationError";
  }
}

/** A definition, workflow or task that does not exist. */
export class NotFoundError extends Error {
  readonly kind = "not_found" as const;
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** The request collides with something that already exists (e.g. a definition version). */
export class ConflictError extends Error {
  readonly kind = "conflict" as const;
  constructor(message: string) {
    super(message);
    this.name = "ConflictError";
  }
}

/** The operation is not allowed in the current state (e.g. resuming a running workflow). */
export class IllegalStateError extends Error {
  readonly kind = "illegal_state" as const;
  constructor(message: string) {
    super(message);
    this.name = "IllegalStateError";
  }
}

/** An append lost an optimistic-concurrency race; the caller reloads and decides again. */
export class ConcurrencyError extends Error {
  readonly kind = "concurrency" as const;
  constructor(
    message: string,
    readonly streamId: string,
    readonly expected: unknown,
    readonly actual: number | "no_stream",
  ) {
    super(message);
    this.name = "ConcurrencyError";
  }
}

/**
 * A service Baton depends on (the event store) cannot answer now: the request
 * did nothing that is known to have been kept, and may be tried again.
 */
export class UnavailableError extends Error {
  readonly kind = "unavailable" as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UnavailableError";
  }
}

export type DomainError =
  | UnavailableError
  | ValidationError
  | NotFoundError
  | ConflictError
  | IllegalStateError
  | ConcurrencyError;

/** True for any error of Baton's taxonomy (as opposed to an unexpected failure). */
export function isDomainError(error: unknown): error is DomainError {
  return (
    error instanceof ValidationError ||
    error instanceof NotFoundError ||
    error instanceof ConflictError ||
    error instanceof IllegalStateError ||
    error instanceof ConcurrencyError ||
    error instanceof UnavailableError
  );
}
