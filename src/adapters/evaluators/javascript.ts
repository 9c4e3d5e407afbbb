/**
 * Conductor's `javascript` evaluator (INLINE tasks, loop conditions, switch
 * expressions) on QuickJS compiled to WebAssembly (`quickjs-emscripten-core`
 * with the `@jitl/quickjs-wasmfile-release-sync` build). The same sandbox runs
 * on Node, Deno, Bun and workerd (the variant's `workerd` export imports the
 * WASM as a module), and it is synchronous once loaded, as the port requires.
 *
 * Each evaluation gets a fresh QuickJS runtime and context on the shared WASM
 * module (about 0.2 ms), so nothing leaks from one call to the next. User code
 * never runs in the host's engine.
 *
 * Memory: QuickJS's own limit (`setMemoryLimit`) only refuses single
 * allocations larger than the limit, because under Emscripten it counts every
 * allocation as 8 bytes (quickjs-emscripten issues #255 and #271). So each WASM
 * module also gets a linear memory capped at its 16 MiB start-up size plus
 * `memoryBytes`; evaluations run one at a time and free everything when their
 * runtime is disposed, so the cap bounds each evaluation (give or take the part
 * of the start-up memory that QuickJS leaves free).
 *
 * Time: an interrupt handler compares `Date.now()` with the deadline. On
 * workerd the clock does not advance during synchronous code, so there a
 * runaway script is stopped only by the platform's own CPU limit.
 */
import releaseSyncVariant from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import type { QuickJSContext, QuickJSHandle, QuickJSSyncVariant, QuickJSWASMModule } from "quickjs-emscripten-core";
import type { Evaluation, ScriptEvaluator } from "../../domain/ports.ts";
import { createReplaceable } from "./replaceable.ts";

/** Limits of `createScriptEvaluator`, per evaluation. */
export interface ScriptEvaluatorOptions {
  /** Wall-clock budget in milliseconds, conversion of the result included. Default 500. */
  timeoutMs?: number;
  /**
   * Memory budget in bytes for bindings, script and result together. Default 32 MiB.
   * Enforced as the growth the sandbox's WASM memory may have beyond its 16 MiB
   * start-up size, so the true ceiling is up to that much higher.
   */
  memoryBytes?: number;
  /**
   * The settings behind the limits, named in the errors when given (e.g.
   * `script exceeded the 500 ms time limit (BATON_SCRIPT_TIMEOUT_MS)`).
   */
  settings?: { timeout: string; memory: string };
  /**
   * QuickJS's WASM, compiled by the host. workerd may not compile WASM at run
   * time (and the variant's workerd build cannot fetch it), so the worker entry
   * imports `@jitl/quickjs-wasmfile-release-sync/wasm` as a module and passes it;
   * elsewhere the variant reads the file itself.
   */
  wasmModule?: WebAssembly.Module;
}

/**
 * `deno check` reads the variant's CommonJS typings, where a default import is
 * the whole module; every runtime (Deno included) loads its ESM build, whose
 * default export is the variant itself.
 */
const RELEASE_SYNC_VARIANT = releaseSyncVariant as unknown as QuickJSSyncVariant;

const DEFAULT_TIMEOUT_MS = 500;
const DEFAULT_MEMORY_BYTES = 32 * 1024 * 1024;
/**
 * QuickJS's own recursion limit (about 1,500 nested JS calls). Each QuickJS
 * frame also takes host stack for its WASM frames, and 512 KiB already
 * overflows V8's default stack; 256 KiB leaves room for the caller's frames.
 */
const MAX_STACK_BYTES = 256 * 1024;
/** The build's INITIAL_MEMORY (its memory import's minimum): code, C stack, first heap. */
const WASM_INITIAL_BYTES = 16 * 1024 * 1024;
const WASM_PAGE_BYTES = 64 * 1024;

/**
 * Runs before the user's code, in the sandbox: defines the bindings as globals
 * and returns the converter of the result. The converter keeps the original
 * `JSON.stringify`, so a script that replaces it cannot forge the result.
 * `console` and `print` exist in GraalJS (Conductor's engine) and scripts call
 * them; here they do nothing, since the sandbox has no output.
 */
const PRELUDE = `(function (bindingsJson) {
  var stringify = JSON.stringify;
  var ignore = function () {};
  globalThis.console = { log: ignore, info: ignore, warn: ignore, error: ignore, debug: ignore, trace: ignore };
  globalThis.print = ignore;
  var entries = JSON.parse(bindingsJson);
  for (var i = 0; i < entries.length; i++) globalThis[entries[i][0]] = entries[i][1];
  return function (value) {
    var json = stringify(value);
    return json === undefined ? "null" : json;
  };
})`;

/**
 * Loads the QuickJS WASM module (and a spare, see replaceable.ts) and returns
 * a synchronous evaluator. Bindings become globals (Conductor binds `$` to the
 * task input); the expression may be an expression, a script whose value is
 * its last expression statement, or an IIFE. The result is converted as
 * `JSON.stringify` would (`undefined`, functions and symbols become null).
 */
export async function createScriptEvaluator(options: ScriptEvaluatorOptions = {}): Promise<ScriptEvaluator> {
  const timeoutMs = positive("timeoutMs", options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const memoryBytes = positive("memoryBytes", options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
  const maximumPages = Math.ceil((WASM_INITIAL_BYTES + memoryBytes) / WASM_PAGE_BYTES);
  const { settings } = options;
  const timeLimitError = settings ? `script exceeded the ${timeoutMs} ms time limit (${settings.timeout})` : `script timed out after ${timeoutMs} ms`;
  const memoryLimitError = settings
    ? `script exceeded the ${formatMiB(memoryBytes)} memory limit (${settings.memory})`
    : `script exceeded the memory limit of ${memoryBytes} bytes`;
  // Set when the cap refuses to grow a memory during the current evaluation: QuickJS
  // throws `null` when it cannot even allocate its "out of memory" error.
  let growthRefused = false;

  function cappedMemory(): WebAssembly.Memory {
    const memory = new WebAssembly.Memory({ initial: WASM_INITIAL_BYTES / WASM_PAGE_BYTES, maximum: maximumPages });
    const grow = memory.grow.bind(memory);
    memory.grow = (delta) => {
      try {
        return grow(delta);
      } catch (error) {
        growthRefused = true;
        throw error;
      }
    };
    return memory;
  }

  // Each module gets its own memory: the spare must not share a crashed module's heap.
  const modules = await createReplaceable(() =>
    newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC_VARIANT, { wasmMemory: cappedMemory(), ...(options.wasmModule ? { wasmModule: options.wasmModule } : {}) })),
  );

  function runInFreshRuntime(quickjs: QuickJSWASMModule, expression: string, bindingsJson: string): Evaluation<unknown> {
    const runtime = quickjs.newRuntime();
    runtime.setMemoryLimit(memoryBytes);
    runtime.setMaxStackSize(MAX_STACK_BYTES);
    const deadline = Date.now() + timeoutMs;
    let timedOut = false;
    growthRefused = false;
    runtime.setInterruptHandler(() => {
      if (Date.now() < deadline) return false;
      timedOut = true;
      return true;
    });
    const context = runtime.newContext();
    const outcome = runScript(context, expression, bindingsJson);
    // Only reached when QuickJS returned normally; after a crash nothing is disposed
    // because the whole module is dropped (disposing could abort again).
    context.dispose();
    runtime.dispose();
    if (outcome.ok) return outcome;
    if (timedOut) return { ok: false, error: timeLimitError };
    if (isOutOfMemory(outcome.thrown) || (outcome.thrown === null && growthRefused)) return { ok: false, error: memoryLimitError };
    return { ok: false, error: describeThrown(outcome.thrown) };
  }

  return {
    evaluate(expression, bindings) {
      let bindingsJson: string;
      try {
        bindingsJson = JSON.stringify(Object.entries(bindings));
      } catch (error) {
        return { ok: false, error: `bindings are not JSON: ${messageOf(error)}` };
      }
      // quickjs-emscripten copies these strings into the sandbox without checking that
      // the allocation succeeded; at most 3 bytes per UTF-16 unit, half the budget.
      if ((bindingsJson.length + expression.length) * 3 > memoryBytes / 2) {
        return { ok: false, error: settings ? `bindings and script exceed the ${formatMiB(memoryBytes)} memory limit (${settings.memory})` : `bindings and script exceed the memory limit of ${memoryBytes} bytes` };
      }
      const quickjs = modules.current();
      if (quickjs === undefined) return { ok: false, error: "the JavaScript sandbox is restarting after a crash; try again" };
      try {
        return runInFreshRuntime(quickjs, expression, bindingsJson);
      } catch (error) {
        // An exception that escapes QuickJS (a WASM trap, an Emscripten abort, the host
        // stack running out) leaves the module in an unknown state: never use it again.
        modules.discardCurrent();
        return { ok: false, error: `script crashed the sandbox: ${messageOf(error)}` };
      }
    },
  };
}

type ScriptOutcome = { ok: true; value: unknown } | { ok: false; thrown: unknown };

function runScript(context: QuickJSContext, expression: string, bindingsJson: string): ScriptOutcome {
  const prelude = context.evalCode(PRELUDE, "prelude.js", { type: "global" });
  if (prelude.error) return thrownBy(context, prelude.error);
  const bindingsHandle = context.newString(bindingsJson);
  const converter = context.callFunction(prelude.value, context.undefined, bindingsHandle);
  bindingsHandle.dispose();
  prelude.value.dispose();
  if (converter.error) return thrownBy(context, converter.error);

  const evaluated = context.evalCode(expression, "script.js", { type: "global" });
  if (evaluated.error) {
    converter.value.dispose();
    return thrownBy(context, evaluated.error);
  }
  const json = context.callFunction(converter.value, context.undefined, evaluated.value);
  evaluated.value.dispose();
  converter.value.dispose();
  if (json.error) return thrownBy(context, json.error);
  const text = context.getString(json.value);
  json.value.dispose();
  return { ok: true, value: JSON.parse(text) };
}

function thrownBy(context: QuickJSContext, error: QuickJSHandle): ScriptOutcome {
  const thrown: unknown = context.dump(error);
  error.dispose();
  return { ok: false, thrown };
}

/** QuickJS reports a failed allocation as `InternalError: out of memory`. */
function isOutOfMemory(thrown: unknown): boolean {
  return isErrorLike(thrown) && thrown.name === "InternalError" && thrown.message === "out of memory";
}

/** `Name: message` for errors (as `context.dump` gives them), the value itself otherwise. */
function describeThrown(thrown: unknown): string {
  if (isErrorLike(thrown)) return `${typeof thrown.name === "string" ? thrown.name : "Error"}: ${String(thrown.message)}`;
  if (typeof thrown === "string") return thrown;
  return `uncaught ${JSON.stringify(thrown) ?? String(thrown)}`;
}

function isErrorLike(value: unknown): value is { name?: unknown; message: unknown } {
  return typeof value === "object" && value !== null && "message" in value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 100) / 100} MiB`;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
