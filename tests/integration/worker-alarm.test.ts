/**
 * A worker deployment runs on its own (issue 15): nothing but the event log
 * object's alarm wakes the worker when a timer is due, and what a request
 * starts goes on after its answer (`ctx.waitUntil`). The tests watch the event
 * log object directly (miniflare's binding), never the worker, after the
 * request that starts a workflow. Before: the engine swept timers only inside
 * requests, so a WAIT stayed IN_PROGRESS until someone asked.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveWorker } from "../../scripts/workerd.ts";
import type { DurableObjectNamespaceLike } from "../../src/adapters/eventstore/durable-object.ts";
import { type ArmResponse, operationUrl, type ReadResponse, type WireEvent } from "../../src/adapters/eventstore/durable-object-protocol.ts";
import { eventually, http } from "../support/baton.ts";

const dir = mkdtempSync(join(tmpdir(), "baton-worker-alarm-"));
let served: Awaited<ReturnType<typeof serveWorker>>;
let url: string;
let log: ReturnType<DurableObjectNamespaceLike["get"]>;

beforeAll(async () => {
  served = await serveWorker({ port: 0, outDir: join(dir, "bundle") });
  url = served.url.href.replace(/\/$/, "");
  const namespace = (await served.eventLog()) as unknown as DurableObjectNamespaceLike;
  log = namespace.get(namespace.idFromName("baton") as never);
}, 120_000);
afterAll(async () => {
  await served?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The object's answer to one operation, asked directly (no request reaches the worker). */
async function ask<T>(operation: Parameters<typeof operationUrl>[0], body: unknown): Promise<T> {
  const response = await log.fetch(operationUrl(operation), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return JSON.parse(await response.text()) as T;
}
const allEvents = async () => (await ask<ReadResponse>("read-all", {})).events;
const eventsOf = async (workflowId: string) => (await allEvents()).filter((event) => event.streamId.endsWith(workflowId));
const completion = (workflowId: string) =>
  eventually(async () => (await eventsOf(workflowId)).find((event) => event.type === "WorkflowCompleted"), 20_000, 200) as Promise<WireEvent>;

describe("workerd entry: running without requests", () => {
  it("completes a 2 s WAIT, and a 1 s one after it, with no request after the start", async () => {
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

    // From here on, only the event log object is read.
    expect((await eventsOf(workflowId)).map((event) => event.type)).not.toContain("WorkflowCompleted");
    const completed = await completion(workflowId);
    expect(completed.data).toEqual({ output: { result: 42 }, time: expect.any(Number) });
    // Both WAITs held (2 s, then 1 s): the completion is not from an early sweep. Both times are the object's clock.
    const [first] = await eventsOf(workflowId);
    expect(completed.created - first!.created).toBeGreaterThanOrEqual(3_000);
    expect((await eventsOf(workflowId)).filter((event) => event.type === "WorkflowCompleted")).toHaveLength(1);
  }, 60_000);

  it("finishes a sub-workflow the start request set off, after its answer, with no request after it", async () => {
    const child = { name: "wa_child", version: 1, tasks: [{ name: "wa_double", taskReferenceName: "double", type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "$.v * 2", v: "${workflow.input.v}" } }], outputParameters: { doubled: "${double.output.result}" } };
    const parent = { name: "wa_parent", version: 1, tasks: [{ name: "wa_sub", taskReferenceName: "sub", type: "SUB_WORKFLOW", subWorkflowParam: { name: "wa_child", version: 1 }, inputParameters: { v: "${workflow.input.v}" } }], outputParameters: { doubled: "${sub.output.doubled}" } };
    for (const definition of [child, parent]) expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const started = await http(url, "POST", "/api/workflow", { name: "wa_parent", input: { v: 21 } });
    expect(started.status).toBe(200);
    const completed = await completion(started.text);
    expect(completed.data).toEqual({ output: { doubled: 42 }, time: expect.any(Number) });
  }, 60_000);

  it("keeps the earliest alarm the isolates ask for", async () => {
    const later = Date.now() + 3_600_000;
    const first = await ask<ArmResponse>("arm", { at: later + 1_000 });
    const earlier = await ask<ArmResponse>("arm", { at: later });
    expect(earlier.alarm).toBe(later);
    expect(first.alarm).toBeLessThanOrEqual(later + 1_000);
    expect((await ask<ArmResponse>("arm", { at: later + 5_000 })).alarm).toBe(later);
    const refused = await log.fetch(operationUrl("arm"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ at: "soon" }) });
    expect(refused.status).toBe(400);
    expect((JSON.parse(await refused.text()) as { message: string }).message).toBe('arm: "at" must be a time in epoch milliseconds, got "soon"');
  });

  it("answers the wake route only to the alarm's call, and names the Durable Object store in /health", async () => {
    // Without the object's secret the route is not there.
    expect((await http(url, "POST", "/__baton/wake")).status).toBe(404);
    expect((await fetch(`${url}/__baton/wake`, { method: "POST", headers: { "x-baton-wake": "guess" } })).status).toBe(404);

    const health = await http(url, "GET", "/health");
    expect(health.status).toBe(200);
    const store = health.json().components.store;
    expect(store.state).toBe("up");
    const head = (await allEvents()).length;
    expect(store.detail).toMatch(new RegExp(`^Durable Object event log \\(EVENT_LOG "baton"\\): reachable, head position ${head}`));
  });
});
