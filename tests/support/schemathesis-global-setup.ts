/**
 * vitest globalSetup of the `schemathesis` project: builds (or reuses) the cached
 * virtual environment with the pinned schemathesis (scripts/services/schemathesis.sh)
 * and hands its executable to the test with `inject("schemathesis")`.
 */
import type { TestProject } from "vitest/node";
import { runServiceScript } from "./sdk-scenario.ts";

declare module "vitest" {
  export interface ProvidedContext {
    schemathesis: { bin: string; provisionSeconds: number };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  const values = await runServiceScript("schemathesis.sh", ["install"]);
  const bin = values.SCHEMATHESIS_BIN;
  if (!bin) throw new Error("scripts/services/schemathesis.sh install printed no SCHEMATHESIS_BIN");
  const provisionSeconds = (Date.now() - started) / 1000;
  console.log(`schemathesis: venv ready in ${provisionSeconds.toFixed(1)} s (${bin})`);
  project.provide("schemathesis", { bin, provisionSeconds });
}
