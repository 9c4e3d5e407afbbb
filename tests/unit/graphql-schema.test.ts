import { readdir, readFile } from "node:fs/promises";
import { buildSchema, type GraphQLObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { graphqlSchemaModule } from "../../src/api/graphql/schema-module.ts";
import { typeDefs } from "../../src/api/graphql/schema.generated.ts";
import { batonResolvers } from "../../src/api/graphql/yoga.ts";
import type { Engine } from "../../src/engine/engine.ts";

const root = new URL("../../", import.meta.url);
const sdl = await readFile(new URL("schema.graphql", root), "utf8");

describe("schema.graphql", () => {
  it("is what src/api/graphql/schema.generated.ts holds (run `npm run generate:graphql` after editing it)", async () => {
    expect(typeDefs).toBe(sdl);
    expect(await readFile(new URL("src/api/graphql/schema.generated.ts", root), "utf8")).toBe(graphqlSchemaModule(sdl));
  });

  it("has a resolver for every Query, Mutation and Subscription field, and no resolver without a field", () => {
    const schema = buildSchema(sdl);
    // The resolver maps only close over the engine; nothing is called here.
    const resolvers = batonResolvers({ engine: {} as Engine }) as Record<string, object>;
    for (const typeName of ["Query", "Mutation", "Subscription"] as const) {
      const type = schema.getType(typeName) as GraphQLObjectType | undefined;
      expect(type, typeName).toBeDefined();
      expect(Object.keys(resolvers[typeName] ?? {}).sort(), typeName).toEqual(Object.keys(type!.getFields()).sort());
    }
    for (const typeName of Object.keys(resolvers)) expect(schema.getType(typeName), typeName).toBeDefined();
  });

  it("keeps the GraphQL setup portable: no node: imports under src/api/graphql", async () => {
    const dir = new URL("src/api/graphql/", root);
    for (const file of await readdir(dir)) {
      const text = await readFile(new URL(file, dir), "utf8");
      expect(text, file).not.toMatch(/from ["']node:/);
    }
  });
});
