/** Rewrites the configuration table in README.md from src/api/config.ts (`npm run docs:config`). */
import { readFile, writeFile } from "node:fs/promises";
import { withConfigurationTable } from "../src/api/config-reference.ts";

const path = new URL("../README.md", import.meta.url);
const before = await readFile(path, "utf8");
const after = withConfigurationTable(before);
if (after !== before) await writeFile(path, after);
console.log(after === before ? "README.md: configuration table up to date" : "README.md: configuration table rewritten");
