/**
 * JSON_JQ_TRANSFORM's filter language, run by the real jq (1.8) compiled to
 * WebAssembly (`jq-wasm`, built by a jq maintainer). The package picks its
 * build by export condition: Node, Deno and Bun read `jq.wasm` from disk,
 * workerd imports it as a module. `loadJq()` is asynchronous, the handle it
 * returns is synchronous, as the port requires.
 *
 * jq has no interrupt: a filter that never ends (`last(repeat(1))`) blocks the
 * thread, as it would on Conductor's jackson-jq. Memory is bounded by the WASM
 * build (256 MiB); running out aborts the instance, which is then replaced.
 */
import { JqError, loadJq } from "jq-wasm";
import type { JqEvaluator } from "../../domain/ports.ts";
import { createReplaceable } from "./replaceable.ts";

/**
 * Loads jq (and a spare, see replaceable.ts) and returns a synchronous
 * evaluator whose `value` lists every output of the filter, in order.
 */
export async function createJqEvaluator(): Promise<JqEvaluator> {
  const instances = await createReplaceable(() => loadJq());

  return {
    evaluate(filter, input) {
      let inputJson: string;
      try {
        // A string given to jq-wasm is taken as JSON text, so always pass JSON text.
        inputJson = JSON.stringify(input ?? null);
      } catch (error) {
        return { ok: false, error: `jq input is not JSON: ${messageOf(error)}` };
      }
      const jq = instances.current();
      if (jq === undefined) return { ok: false, error: "jq is restarting after a crash; try again" };
      try {
        return { ok: true, value: jq.json(inputJson, filter) };
      } catch (error) {
        if (error instanceof JqError) return { ok: false, error: withoutStdinLocation(error.message) };
        // Anything else is the WASM instance aborting (in practice: out of memory).
        instances.discardCurrent();
        return { ok: false, error: `jq crashed, most likely out of memory: ${messageOf(error)}` };
      }
    },
  };
}

/** `jq: error (at /dev/stdin:0): …` names a file the user never wrote. */
function withoutStdinLocation(message: string): string {
  return message.replace(/ \(at \/dev\/stdin:\d+\)/g, "");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
