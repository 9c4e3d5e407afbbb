import type { GraphQLError } from "graphql";
import { createGraphQLError, maskError } from "graphql-yoga";
import { type DomainError, isDomainError } from "../../domain/errors.ts";

const CODE_BY_KIND = {
  validation: "BAD_USER_INPUT",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  illegal_state: "CONFLICT",
  concurrency: "CONFLICT",
  unavailable: "UNAVAILABLE",
} as const satisfies Record<DomainError["kind"], string>;

/** A domain error as a typed GraphQL error: `extensions.code`, and the fields for validation errors. */
function toGraphQLError(error: DomainError, located: GraphQLError | undefined): GraphQLError {
  const extensions: Record<string, unknown> = { code: CODE_BY_KIND[error.kind] };
  if (error.kind === "validation") {
    extensions.validationErrors = error.fieldErrors.map(({ path, message }) => ({ path, message }));
  }
  if (error.kind === "concurrency" || error.kind === "unavailable") extensions.retryable = true;
  return createGraphQLError(error.message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    originalError: error,
    extensions,
  });
}

/**
 * Duck-typed: graphql ships CommonJS and ESM builds and yoga's dependencies may
 * load the other one, so `instanceof GraphQLError` is unreliable.
 */
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === "GraphQLError";
}

/** The error a resolver threw, under the GraphQLErrors that execution wraps it in (sometimes twice). */
function rootCause(error: unknown): unknown {
  let cause = error;
  while (isGraphQLError(cause) && cause.originalError) cause = cause.originalError;
  return cause;
}

/**
 * Yoga's `maskedErrors.maskError`: Baton's error taxonomy passes through with a
 * code; anything else is masked (and reported to `logError`), as yoga does.
 */
export function maskUnexpectedErrors(logError: (error: unknown) => void) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    const original = rootCause(error);
    if (isDomainError(original)) return toGraphQLError(original, isGraphQLError(error) ? error : undefined);
    if (isGraphQLError(original)) return original; // syntax, validation, limits: already client-facing
    logError(original);
    return maskError(error, message, isDev);
  };
}
