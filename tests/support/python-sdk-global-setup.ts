/**
 * vitest globalSetup of the `python-sdk` project: builds (or reuses) the cached
 * virtual environment with the pinned conductor-python SDK
 * (scripts/services/python-sdk.sh) and hands its interpreter to the test with
 * `inject("pythonSdk")`. Without a usable Python the run fails with what to install.
 */
import type { TestProject } from "vitest/node";
import { runServiceScript } from "./sdk-scenario.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pythonSdk: { python: string; provisionSeconds: number };
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  const values = await runServiceScript("python-sdk.sh", ["install"]);
  const python = values.PYTHON_SDK_PYTHON;
  if (!python) throw new Error("scripts/services/python-sdk.sh install printed no PYTHON_SDK_PYTHON");
  const provisionSeconds = (Date.now() - started) / 1000;
  console.log(`python-sdk: venv ready in ${provisionSeconds.toFixed(1)} s (${python})`);
  project.provide("pythonSdk", { python, provisionSeconds });
}
