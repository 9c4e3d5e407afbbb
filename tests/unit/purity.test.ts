import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `src/domain` and `src/projections` stay pure (DESIGN.md §3, STYLE.md 1): no
 * runtime modules, drivers, web framework or adapters, and no clock,
 * randomness or environment. Enforced mechanically, not by hope.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const PURE_DIRS = ["src/domain", "src/projections"];

const FORBIDDEN_IMPORTS: [RegExp, string][] = [
  [/^node:/, "a node: module"],
  [/^(fs|path|os|crypto|child_process|net|http|https|zlib|stream)$/, "a Node built-in"],
  [/^kafkajs$/, "the Kafka driver"],
  [/^@eventstore\//, "the EventStoreDB driver"],
  [/^minio$/, "the MinIO driver"],
  [/^@aws-sdk\//, "the AWS SDK"],
  [/^hono($|\/)/, "the web framework"],
  [/^graphql-(yoga|ws)$/, "a GraphQL server"],
  [/(^|\/)adapters(\/|$)/, "an adapter"],
];

const FORBIDDEN_CALLS: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, "Date.now()"],
  [/\bnew Date\s*\(\s*\)/, "new Date() without a time"],
  [/\bMath\.random\s*\(/, "Math.random()"],
  [/\bcrypto\.randomUUID\s*\(/, "crypto.randomUUID()"],
  [/\bprocess\.env\b/, "process.env"],
  [/\bDeno\./, "the Deno namespace"],
  [/\bBun\./, "the Bun namespace"],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every problem in one file's text, as "file:line: what". */
export function impurities(file: string, text: string): string[] {
  const problems: string[] = [];
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    for (const match of line.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      for (const [pattern, what] of FORBIDDEN_IMPORTS) {
        if (pattern.test(match[1]!)) problems.push(`${where}: imports ${what} (${match[1]})`);
      }
    }
    const code = line.replace(/\/\/.*$/, "");
    for (const [pattern, what] of FORBIDDEN_CALLS) if (pattern.test(code)) problems.push(`${where}: uses ${what}`);
  });
  return problems;
}

describe("purity of the core", () => {
  it("finds nothing impure in src/domain and src/projections", () => {
    const files = PURE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));
    expect(files.length).toBeGreaterThan(10);
    const problems = files.flatMap((file) => impurities(relative(ROOT, file), readFileSync(file, "utf8")));
    expect(problems).toEqual([]);
  });

  it("would catch each kind of impurity", () => {
    const sample = [
      'import { readFile } from "node:fs/promises";',
      'import { Kafka } from "kafkajs";',
      'import { Hono } from "hono";',
      'import { x } from "../adapters/eventstore/file.ts";',
      "const t = Date.now();",
      "const d = new Date();",
      "const r = Math.random();",
      "const id = crypto.randomUUID();",
      "const e = process.env.X;",
    ].join("\n");
    expect(impurities("sample.ts", sample)).toHaveLength(9);
    expect(impurities("ok.ts", 'import * as v from "valibot";\nconst d = new Date(ms);')).toEqual([]);
  });
});
