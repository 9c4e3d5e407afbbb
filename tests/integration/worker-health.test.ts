/**
 * The workerd entry's `/health` in-process: it names the Durable Object store
 * with the log's head, and when the object stops answering it reports the
 * store down with the reason (503), while other routes answer 503 naming the
 * object. The entry keeps an isolate's state in its module, so this file has
 * its own (vitest isolates test files).
 */
import { describe, expect, it, vi } from "vitest";
import type { DurableObjectNamespaceLike } from "../../src/adapters/eventstore/durable-object.ts";

// The compiled QuickJS module workerd hands over; Node's variant loads its own file.
vi.mock("@jitl/quickjs-wasmfile-release-sync/wasm", () => ({ default: undefined }));

/** An empty event log object that answers what start-up and `/health` ask, until `down` is set. */
function emptyLog() {
  const state = { down: false, asked: [] as string[] };
  const answer = (operation: string): unknown => {
    switch (operation) {
      case "head":
        return { next: 0 };
      case "read-all":
      case "read-stream":
        return { events: [], more: false };
      case "wake-token":
        return { token: "t0k3n" };
      case "arm":
        return { alarm: null };
      default:
        throw new Error(`unexpected operation ${operation}`);
    }
  };
  const namespace: DurableObjectNamespaceLike = {
    idFromName: (name) => name,
    get: () => ({
      async fetch(url) {
        const operation = new URL(url).pathname.slice(1);
        state.asked.push(operation);
        if (state.down) throw new Error("Durable Object reset because its code was updated");
        const text = JSON.stringify(answer(operation));
        return { ok: true, status: 200, text: async () => text };
      },
    }),
  };
  return { namespace, state };
}

describe("workerd entry: /health and the Durable Object store", () => {
  it("reports the store reachable with its head, then down with the reason when the object stops answering", async () => {
    const worker = (await import("../../src/api/worker.ts")).default;
    const { namespace, state } = emptyLog();
    const waited: Promise<unknown>[] = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => void waited.push(promise) };
    const env = { EVENT_LOG: namespace };

    const up = await worker.fetch(new Request("http://worker/health"), env, ctx);
    expect(up.status).toBe(200);
    const report = (await up.json()) as { components: Record<string, { state: string; detail?: string }> };
    expect(report.components.store).toMatchObject({ state: "up", detail: 'Durable Object event log (EVENT_LOG "baton"): reachable, head position 0' });
    // The work a request leaves behind is handed to the platform to wait for.
    expect(waited).toHaveLength(1);
    await Promise.all(waited);

    // Without the object's secret the wake route is not there; with it, due work runs and it answers 204.
    expect((await worker.fetch(new Request("http://worker/__baton/wake", { method: "POST" }), env, ctx)).status).toBe(404);
    expect((await worker.fetch(new Request("http://worker/__baton/wake", { method: "POST", headers: { "x-baton-wake": "t0k3n" } }), env, ctx)).status).toBe(204);

    state.down = true;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const down = await worker.fetch(new Request("http://worker/health"), env, ctx);
    expect(down.status).toBe(503);
    const downReport = (await down.json()) as { healthy: boolean; status: string; components: Record<string, { state: string; error?: string }> };
    expect(downReport).toMatchObject({ healthy: false, status: "degraded" });
    expect(downReport.components.store).toMatchObject({ state: "down", error: expect.stringContaining("The event log Durable Object did not answer: Durable Object reset") });

    const refused = await worker.fetch(new Request("http://worker/api/metadata/workflow"), env, ctx);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ status: 503, retryable: true, message: expect.stringContaining("The event log Durable Object did not answer") });

    state.down = false;
    const back = await worker.fetch(new Request("http://worker/health"), env, ctx);
    expect(back.status).toBe(200);
    errors.mockRestore();
  });
});
