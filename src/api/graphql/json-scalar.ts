import { Kind, type ValueNode, valueFromASTUntyped } from "graphql";
import { servableValue } from "../../domain/json-depth.ts";

/**
 * `JSON`: any JSON value, for Conductor's open maps (inputs, outputs,
 * variables, definitions). Literals in queries are read as plain values.
 * Given as graphql-tools' scalar resolver fields rather than a
 * `GraphQLScalarType`, so it never meets a second copy of graphql's classes.
 * A stored value nested too deep to serialise (from before the input limits)
 * is answered cut short with a placeholder rather than failing the response.
 */
export const JSONScalar = {
  __serialize: (value: unknown) => servableValue(value),
  __parseValue: (value: unknown) => value,
  __parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) =>
    ast.kind === Kind.NULL ? null : valueFromASTUntyped(ast, variables ?? undefined),
};
