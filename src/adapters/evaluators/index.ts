import { createJqEvaluator } from "./jq.ts";
import { createScriptEvaluator } from "./javascript.ts";

/** Loads both sandboxes (WASM) once; every composition root passes the result to the engine. */
export async function loadEvaluators() {
  const [javascript, jq] = await Promise.all([createScriptEvaluator(), createJqEvaluator()]);
  return { javascript, jq };
}
