/**
 * The workerd entry's start-up (src/api/worker.ts) in-process: a start that
 * fails answers 503 naming the failure, and the next request starts again
 * instead of getting the cached failure (before: 500 for every request, for good).
 */
import { describe, expect, it, vi } from "vitest";

const loads = vi.hoisted(() => ({ count: 0 }));

// The compiled QuickJS module workerd hands over; Node's variant loads its own file.
vi.mock("@jitl/quickjs-wasmfile-release-sync/wasm", () => ({ default: undefined }));
vi.mock("../../src/adapters/evaluators/index.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/adapters/evaluators/index.ts")>();
  return {
    loadEvaluators: async (options?: { quickjsWasm?: WebAssembly.Module }) => {
      loads.count += 1;
      if (loads.count === 1) throw new Error("both async and sync fetching of the wasm failed");
      return original.loadEvaluators(options);
    },
  };
});

describe("workerd entry start-up", () => {
  it("answers 503 while the start-up fails and recovers on the next request", async () => {
    const worker = (await import("../../src/api/worker.ts")).default;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});

    const failed = await worker.fetch(new Request("http://worker/health"));
    expect(failed.status).toBe(503);
    expect(await failed.json()).toEqual({ status: 503, message: "Baton failed to start: both async and sync fetching of the wasm failed", retryable: true });
    expect(errors).toHaveBeenCalledTimes(1);

    const recovered = await worker.fetch(new Request("http://worker/health"));
    expect(recovered.status).toBe(200);
    expect(await recovered.json()).toMatchObject({ healthy: true });
    const inline = await worker.fetch(
      new Request("http://worker/api/metadata/workflow", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "w_start", tasks: [{ name: "i", taskReferenceName: "i", type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "6 * 7" } }], outputParameters: { r: "${i.output.result}" } }),
      }),
    );
    expect(inline.status).toBe(200);
    const started = await worker.fetch(new Request("http://worker/api/workflow/w_start", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));
    const id = await started.text();
    const workflow = await (await worker.fetch(new Request(`http://worker/api/workflow/${id}`))).json();
    expect(workflow).toMatchObject({ status: "COMPLETED", output: { r: 42 } });
    expect(loads.count).toBe(2);
    errors.mockRestore();
  });
});
