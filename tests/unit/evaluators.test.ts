/**
 * The sandboxed evaluators behind INLINE (javascript) and JSON_JQ_TRANSFORM:
 * QuickJS and jq, both as WebAssembly, used synchronously after loading.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createJqEvaluator } from "../../src/adapters/evaluators/jq.ts";
import { createScriptEvaluator } from "../../src/adapters/evaluators/javascript.ts";
import { createReplaceable } from "../../src/adapters/evaluators/replaceable.ts";
import type { JqEvaluator, ScriptEvaluator } from "../../src/domain/ports.ts";

describe("javascript evaluator (QuickJS)", () => {
  let js: ScriptEvaluator;
  beforeAll(async () => {
    js = await createScriptEvaluator({ timeoutMs: 200, memoryBytes: 8 * 1024 * 1024 });
  });

  const input = { a: 1, name: "Ann", items: [{ price: 2, qty: 3 }, { price: 5, qty: 1 }], flag: true };

  it.each([
    ["an expression over $", "$.a + 1", 2],
    ["a string expression", "$.name.toUpperCase() + '!'", "ANN!"],
    ["a comparison (loop condition)", "$.a < 3 && $.flag", true],
    ["a script: the last expression statement is the value", "var total = 0;\nfor (var i = 0; i < $.items.length; i++) total += $.items[i].price * $.items[i].qty;\ntotal", 11],
    ["a script ending in an if statement", "if ($.a > 0) { 'positive' } else { 'negative' }", "positive"],
    ["a script with let and const", "const xs = $.items.map(it => it.qty); let sum = xs.reduce((s, x) => s + x, 0); sum", 4],
    ["an IIFE", "(function () { var out = []; for (var i = 0; i < 3; i++) out.push(i * $.a); return { out: out }; })()", { out: [0, 1, 2] }],
    ["console.log (GraalJS has it) as a no-op", "console.log('ignored'); $.a", 1],
  ])("evaluates %s", (_what, expression, expected) => {
    expect(js.evaluate(expression, { $: input })).toEqual({ ok: true, value: expected });
  });

  it("binds every binding as a global variable", () => {
    expect(js.evaluate("$.x + workflow.version", { $: { x: 40 }, workflow: { version: 2 } })).toEqual({ ok: true, value: 42 });
  });

  it("converts the result to plain JSON values", () => {
    const result = js.evaluate(
      "({ n: 1.5, s: 's', b: false, z: null, u: undefined, arr: [1, undefined, 'x'], nested: { d: new Date(0) }, nan: NaN, fn: function () {} })",
      { $: {} },
    );
    expect(result).toEqual({
      ok: true,
      value: { n: 1.5, s: "s", b: false, z: null, arr: [1, null, "x"], nested: { d: "1970-01-01T00:00:00.000Z" }, nan: null },
    });
  });

  it.each([
    ["undefined", "undefined"],
    ["a function", "(function () {})"],
    ["an empty script", ""],
  ])("gives null for %s", (_what, expression) => {
    expect(js.evaluate(expression, { $: {} })).toEqual({ ok: true, value: null });
  });

  it("reports a syntax error", () => {
    const result = js.evaluate("$.a +", { $: input });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^SyntaxError: /);
  });

  it("reports a thrown error with its message", () => {
    expect(js.evaluate("throw new Error('bad input ' + $.a)", { $: input })).toEqual({ ok: false, error: "Error: bad input 1" });
    expect(js.evaluate("throw 'plain string'", { $: input })).toEqual({ ok: false, error: "plain string" });
    expect(js.evaluate("throw null", { $: input })).toEqual({ ok: false, error: "uncaught null" });
    expect(js.evaluate("throw { code: 7 }", { $: input })).toEqual({ ok: false, error: 'uncaught {"code":7}' });
  });

  it("reports a reference to an unknown variable", () => {
    expect(js.evaluate("missing.field", { $: input })).toEqual({ ok: false, error: "ReferenceError: 'missing' is not defined" });
  });

  it("reports a result that JSON cannot hold", () => {
    const result = js.evaluate("var o = {}; o.self = o; o", { $: {} });
    expect(result).toEqual({ ok: false, error: "TypeError: circular reference" });
  });

  it("stops an infinite loop at the time limit, even one that catches", () => {
    expect(js.evaluate("while (true) {}", { $: {} })).toEqual({ ok: false, error: "script timed out after 200 ms" });
    expect(js.evaluate("while (true) { try { while (true) {} } catch (e) {} }", { $: {} })).toEqual({
      ok: false,
      error: "script timed out after 200 ms",
    });
  });

  it("stops excessive allocation at the memory limit", async () => {
    // Its own sandbox with a time limit far away: on a loaded machine the 200 ms
    // one above can end a script before it has allocated 8 MiB.
    const js = await createScriptEvaluator({ timeoutMs: 10_000, memoryBytes: 8 * 1024 * 1024 });
    expect(js.evaluate("var chunks = []; while (true) chunks.push(new Array(10000).fill(chunks.length))", { $: {} })).toEqual({
      ok: false,
      error: `script exceeded the memory limit of ${8 * 1024 * 1024} bytes`,
    });
    expect(js.evaluate("'x'.repeat(64 * 1024 * 1024)", { $: {} })).toEqual({
      ok: false,
      error: `script exceeded the memory limit of ${8 * 1024 * 1024} bytes`,
    });
    // Many small allocations: QuickJS ends up unable to allocate even its error object.
    expect(js.evaluate("var m = new Map(); for (var i = 0; ; i++) m.set('k' + i, { i: i })", { $: {} })).toEqual({
      ok: false,
      error: `script exceeded the memory limit of ${8 * 1024 * 1024} bytes`,
    });
  });

  it("reports unbounded recursion as an error", () => {
    const result = js.evaluate("function f(n) { return f(n + 1) + 1; } f(0)", { $: {} });
    expect(result).toEqual({ ok: false, error: "InternalError: stack overflow" });
  });

  it("keeps working after time-outs and out-of-memory errors", () => {
    js.evaluate("while (true) {}", { $: {} });
    js.evaluate("var chunks = []; while (true) chunks.push(new Array(10000).fill(0))", { $: {} });
    expect(js.evaluate("$.a * 2", { $: { a: 21 } })).toEqual({ ok: true, value: 42 });
  });

  it("isolates calls: globals, bindings and patched built-ins do not leak", () => {
    expect(js.evaluate("globalThis.leaked = 1; var alsoLeaked = 2; Array.prototype.sum = function () { return 0; }; JSON.stringify = null; leaked", { $: {}, extra: 1 })).toEqual({
      ok: true,
      value: 1,
    });
    expect(js.evaluate("[typeof leaked, typeof alsoLeaked, typeof [].sum, typeof JSON.stringify, typeof extra]", { $: {} })).toEqual({
      ok: true,
      value: ["undefined", "undefined", "undefined", "function", "undefined"],
    });
  });

  it("does not let a script forge its result by replacing JSON.stringify", () => {
    expect(js.evaluate("JSON.stringify = function () { return 'not json'; }; ({ a: 1 })", { $: {} })).toEqual({ ok: true, value: { a: 1 } });
  });

  it("has no host capabilities", () => {
    expect(js.evaluate("[typeof require, typeof process, typeof fetch, typeof std, typeof os, typeof Deno]", { $: {} })).toEqual({
      ok: true,
      value: ["undefined", "undefined", "undefined", "undefined", "undefined", "undefined"],
    });
  });

  it("rejects bindings that are not JSON without running anything", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const result = js.evaluate("1", { $: cyclic });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^bindings are not JSON: /);
  });

  it("evaluates many calls in a row on the same loaded module", () => {
    for (let i = 0; i < 500; i++) expect(js.evaluate("$.i * 2", { $: { i } })).toEqual({ ok: true, value: i * 2 });
  });
});

describe("jq evaluator (jq-wasm)", () => {
  let jq: JqEvaluator;
  beforeAll(async () => {
    jq = await createJqEvaluator();
  });

  const input = { a: 1, items: [{ x: 1, key: "k1", value: "v1" }, { x: 2, key: "k2", value: "v2" }], nested: { deep: [true, null] } };

  it.each([
    ["a field", ".a", [1]],
    ["a path into nested data", ".nested.deep[1]", [null]],
    ["map over an array", ".items | map(.x)", [[1, 2]]],
    ["every element (multiple outputs)", ".items[] | .x", [1, 2]],
    ["object construction", ".items[0] | {key: .value, x}", [{ key: "v1", x: 1 }]],
    ["object construction with computed keys", ".items | map({(.key): .value}) | add", [{ k1: "v1", k2: "v2" }]],
    ["no output at all", ".items[] | select(.x > 5)", []],
    ["string interpolation", '"item \\(.items[1].key)"', ["item k2"]],
    ["reduce", "reduce .items[] as $i (0; . + $i.x)", [3]],
  ])("evaluates %s", (_what, filter, expected) => {
    expect(jq.evaluate(filter, input)).toEqual({ ok: true, value: expected });
  });

  it("accepts any JSON value as input, strings included", () => {
    expect(jq.evaluate(".", "text")).toEqual({ ok: true, value: ["text"] });
    expect(jq.evaluate(". + 1", 41)).toEqual({ ok: true, value: [42] });
    expect(jq.evaluate(".", null)).toEqual({ ok: true, value: [null] });
    expect(jq.evaluate(".", undefined)).toEqual({ ok: true, value: [null] });
  });

  it("reports a filter that does not compile", () => {
    const result = jq.evaluate(".a | ", input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/syntax error/);
  });

  it("reports an unknown function", () => {
    const result = jq.evaluate("nosuchfunction", input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/nosuchfunction\/0 is not defined/);
  });

  it("reports a runtime error", () => {
    const result = jq.evaluate(".items + 1", input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^jq: error: array \(.*\) and number \(1\) cannot be added$/);
    expect(jq.evaluate('error("custom failure")', input)).toEqual({ ok: false, error: "jq: error: custom failure" });
  });

  it("recovers after a filter exhausts jq's memory", () => {
    const result = jq.evaluate("[range(100000000)] | length", null);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/out of memory/);
    expect(jq.evaluate(".a", input)).toEqual({ ok: true, value: [1] });
  });

  it("evaluates many calls in a row on the same loaded instance", () => {
    for (let i = 0; i < 200; i++) expect(jq.evaluate(".i * 2", { i })).toEqual({ ok: true, value: [i * 2] });
  });
});

describe("replaceable sandbox instance (crash recovery)", () => {
  function countingLoader() {
    let loaded = 0;
    const pending: Array<() => void> = [];
    let holdLoads = false;
    return {
      load: () =>
        new Promise<number>((resolve) => {
          const finish = () => resolve(++loaded);
          if (holdLoads) pending.push(finish);
          else finish();
        }),
      hold: () => {
        holdLoads = true;
      },
      release: () => {
        holdLoads = false;
        for (const finish of pending.splice(0)) finish();
      },
    };
  }

  it("promotes the warm spare at once and loads a new one in the background", async () => {
    const loader = countingLoader();
    const instances = await createReplaceable(loader.load);
    expect(instances.current()).toBe(1);
    instances.discardCurrent();
    expect(instances.current()).toBe(2);
    await Promise.resolve();
    instances.discardCurrent();
    expect(instances.current()).toBe(3);
  });

  it("has no instance while both crashed and the reload is pending, then recovers", async () => {
    const loader = countingLoader();
    const instances = await createReplaceable(loader.load);
    loader.hold();
    instances.discardCurrent();
    instances.discardCurrent();
    expect(instances.current()).toBeUndefined();
    loader.release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(instances.current()).toBe(3);
  });
});
