import { createJqEvaluator } from "./jq.ts";
import { createScriptEvaluator } from "./javascript.ts";

/**
 * Loads both sandboxes (WASM) once, for in-thread evaluation (workerd). On
 * workerd QuickJS's WASM must come in as a compiled module (`quickjsWasm`);
 * jq-wasm's workerd build imports its own.
 */
export async function loadEvaluators({ quickjsWasm }: { quickjsWasm?: WebAssembly.Module } = {}) {
  const [javascript, jq] = await Promise.all([createScriptEvaluator(quickjsWasm ? { wasmModule: quickjsWasm } : {}), createJqEvaluator()]);
  return { javascript, jq };
}
