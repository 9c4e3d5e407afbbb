import { Kind, type ValueNode, valueFromASTUntyped } from "graphql";

/**
 * `JSON`: any JSON value, for Conductor's open maps (inputs, outputs,
 * variables, definitions). Literals in queries are read as plain values.
 * Given as graphql-tools' scalar resolver fields rather than a
 * `GraphQLScalarType`, so it never meets a second copy of graphql's classes.
 */
export const JSONScalar = {
  __serialize: (value: unknown) => value,
  __parseValue: (value: unknown) => value,
  __parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) =>
    ast.kind === Kind.NULL ? null : valueFromASTUntyped(ast, variables ?? undefined),
};
