/**
 * A worker deployment runs on its own: nothing but the Durable Object's alarm
 * wakes the worker when a timer is due. A workflow whose WAIT lasts 2 s,
 * started by one request, completes with no request after the start; the test
 * watches the event log object directly (miniflare's binding), never the worker.
 * Before: the engine swept timers only inside requests, so the WAIT stayed
 * IN_PROGRESS until someone asked.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serveWorker } from "../../scripts/workerd.ts";
import type { DurableObjectNamespaceLike } from "../../src/adapters/eventstore/durable-object.ts";
import { operationUrl, type ReadResponse } from "../../src/adapters/eventstore/durable-object-protocol.ts";
import { eventually, http } from "../support/baton.ts";

const dir = mkdtempSync(join(tmpdir(), "baton-worker-alarm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("workerd entry: timers without requests", () => {
  it("completes a 2 s WAIT with no request after the start", async () => {
    const served = await serveWorker({ port: 0, outDir: join(dir, "bundle") });
    try {
      const url = served.url.href.replace(/\/$/, "");
      const definition = {
        name: "wa_wait",
        version: 1,
        tasks: [
          { name: "wa_pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "2s" } },
          { name: "wa_after", taskReferenceName: "after", type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "$.n + 1", n: "${workflow.input.n}" } },
          // A second timer, set while the first alarm's call runs: the wake-up arms the next one.
          { name: "wa_pause_again", taskReferenceName: "pause_again", type: "WAIT", inputParameters: { duration: "1s" } },
        ],
        outputParameters: { result: "${after.output.result}" },
      };
      expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
      const started = await http(url, "POST", "/api/workflow", { name: "wa_wait", input: { n: 41 } });
      expect(started.status).toBe(200);
      const workflowId = started.text;
      const startedAt = Date.now();

      // From here on, only the event log object is read: no request reaches the worker.
      const namespace = (await served.eventLog()) as unknown as DurableObjectNamespaceLike;
      const log = namespace.get(namespace.idFromName("baton") as never);
      const all = async () => {
        const response = await log.fetch(operationUrl("read-all"), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        return (JSON.parse(await response.text()) as ReadResponse).events;
      };
      const eventsOf = Object.assign(async () => (await all()).filter((event) => event.streamId.endsWith(workflowId)), { all });
      expect((await eventsOf()).map((event) => event.type)).not.toContain("WorkflowCompleted");

      const completed = await eventually(async () => (await eventsOf()).find((event) => event.type === "WorkflowCompleted"), 20_000, 200);
      expect(completed.data).toEqual({ output: { result: 42 }, time: expect.any(Number) });
      // Both WAITs held: the completion is not from an early sweep.
      expect(completed.created - startedAt).toBeGreaterThanOrEqual(2_900);
      const types = (await eventsOf()).map((event) => event.type);
      expect(types.filter((type) => type === "WorkflowCompleted")).toHaveLength(1);

      // The wake route exists for the alarm's call only: without the object's secret it is not found.
      expect((await http(url, "POST", "/__baton/wake")).status).toBe(404);
      expect((await fetch(`${url}/__baton/wake`, { method: "POST", headers: { "x-baton-wake": "guess" } })).status).toBe(404);

      // /health names the Durable Object store, reachable, with the log's head position.
      const health = await http(url, "GET", "/health");
      expect(health.status).toBe(200);
      const store = health.json().components.store;
      expect(store.state).toBe("up");
      const head = (await eventsOf.all()).length;
      expect(store.detail).toContain(`Durable Object event log (EVENT_LOG "baton"): reachable, head position ${head}`);
    } finally {
      await served.dispose();
    }
  }, 120_000);
});
