import * as v from "valibot";

const EXAMPLE = `{"email_validation_completed": "validate_email_ref"}`;

/**
 * The router's event type -> task reference mapping as configured
 * (`BATON_ROUTER_MAPPINGS`): a JSON object of non-empty strings, e.g. `${EXAMPLE}`.
 */
export const RouterMappingsJsonSchema = v.pipe(
  v.string(),
  v.parseJson(undefined, `must be JSON, e.g. ${EXAMPLE}`),
  // valibot's record takes an array as an object with index keys.
  v.check((value) => !Array.isArray(value), `must be a JSON object of eventType -> taskReferenceName, e.g. ${EXAMPLE}`),
  v.record(
    v.pipe(v.string(), v.trim(), v.nonEmpty("an event type must not be empty")),
    v.pipe(v.string("must be a task reference name (a string)"), v.trim(), v.nonEmpty("must be a task reference name, not empty")),
    `must be a JSON object of eventType -> taskReferenceName, e.g. ${EXAMPLE}`,
  ),
);
