/** The text of `schema.generated.ts` for a given `schema.graphql` (shared by the generator and the drift test). */
export function graphqlSchemaModule(sdl: string): string {
  return [
    "// Generated from schema.graphql by `npm run generate:graphql`. Do not edit: edit schema.graphql.",
    "",
    "/** Baton's GraphQL schema (SDL), for runtimes that cannot read schema.graphql. */",
    `export const typeDefs: string = ${JSON.stringify(sdl)};`,
    "",
  ].join("\n");
}
