/**
 * Copies `schema.graphql` into `src/api/graphql/schema.generated.ts`, for
 * runtimes that cannot read files (workerd, bundles). Run after editing the
 * schema: `npm run generate:graphql`; tests/unit/graphql-schema.test.ts fails
 * while the two differ.
 */
import { readFile, writeFile } from "node:fs/promises";
import { graphqlSchemaModule } from "../src/api/graphql/schema-module.ts";

const root = new URL("../", import.meta.url);
const sdl = await readFile(new URL("schema.graphql", root), "utf8");
await writeFile(new URL("src/api/graphql/schema.generated.ts", root), graphqlSchemaModule(sdl));
console.log("wrote src/api/graphql/schema.generated.ts");
