import { describe, expect, it } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createApp } from "../../src/api/app.ts";
import { createLogger } from "../../src/api/observability/logger.ts";
import type { DeliveredMessage } from "../../src/domain/ports.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { eventually } from "../support/baton.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE}-${CALLER_SPAN}-01`;
const CHILD = new RegExp(`^00-${TRACE}-([0-9a-f]{16})-01$`);

/** An engine whose HTTP calls and bus messages the test sees, behind the REST app with a logger it reads. */
async function tracedApp() {
  const store = createMemoryEventStore();
  const bus = createMemoryBus();
  const published: DeliveredMessage[] = [];
  for (const topic of ["traced-out", "traced-events"]) bus.subscribe(topic, async (message) => void published.push(message));
  const calls: Headers[] = [];
  const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    calls.push(new Headers(init?.headers));
    return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  const engine = await createEngine({ store, bus, fetch: fakeFetch, evaluators: await loadEvaluators(), sweepIntervalMs: 50 });
  const lines: string[] = [];
  const logger = createLogger({ write: (line) => lines.push(line), level: "debug", format: "json" });
  const app = createApp({ engine, logger });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.request(path, { method, headers: { "content-type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, text: await response.text() };
  };
  await call("POST", "/api/metadata/taskdefs", [{ name: "traced_worker_task" }]);
  const definition = {
    name: "traced_flow",
    version: 1,
    schemaVersion: 2,
    tasks: [
      { name: "publish", taskReferenceName: "publish", type: "KAFKA_PUBLISH", inputParameters: { kafka_request: { topic: "traced-out", value: { n: 1 } } } },
      { name: "emit", taskReferenceName: "emit", type: "EVENT", sink: "kafka:traced-events", inputParameters: { n: 2 } },
      { name: "hook", taskReferenceName: "hook", type: "HTTP", inputParameters: { http_request: { uri: "http://127.0.0.1:9/hook", method: "POST", body: { n: 3 } } } },
      { name: "traced_worker_task", taskReferenceName: "work", type: "SIMPLE" },
    ],
  };
  expect((await call("POST", "/api/metadata/workflow", definition)).status).toBe(200);
  return { store, engine, call, published, calls, lines };
}

describe("W3C trace context from a REST call through events, Kafka headers and HTTP tasks", () => {
  it("keeps the caller's trace on the workflow's events and continues it on every message and call the workflow makes", async () => {
    const t = await tracedApp();
    try {
      const id = (await t.call("POST", "/api/workflow/traced_flow", {}, { traceparent: TRACEPARENT })).text;
      await eventually(async () => (t.published.length >= 2 && t.calls.length >= 1 ? true : undefined));
      // The worker's poll and update carry no traceparent: their events still belong to the workflow's trace.
      const polled = await t.call("GET", "/api/tasks/poll/traced_worker_task?workerid=w1");
      const task = JSON.parse(polled.text) as { taskId: string };
      await t.call("POST", "/api/tasks", { workflowInstanceId: id, taskId: task.taskId, status: "COMPLETED", outputData: {} });
      await eventually(async () => ((JSON.parse((await t.call("GET", `/api/workflow/${id}`)).text) as { status: string }).status === "COMPLETED" ? true : undefined));

      const events = await t.store.readStream(`workflow-${id}`);
      expect(events.length).toBeGreaterThan(5);
      for (const event of events) expect({ type: event.type, traceparent: event.metadata.traceparent }).toEqual({ type: event.type, traceparent: TRACEPARENT });
      // Kept once, beside the source, not inside it.
      expect(events[0]!.metadata.source).toEqual({ kind: "rest", detail: "POST /api/workflow/traced_flow" });

      const spans = new Set<string>();
      for (const message of t.published) {
        const span = CHILD.exec(message.headers?.traceparent ?? "")?.[1];
        expect(span, `${message.topic}: ${JSON.stringify(message.headers)}`).toBeDefined();
        spans.add(span!);
      }
      const httpSpan = CHILD.exec(t.calls[0]!.get("traceparent") ?? "")?.[1];
      expect(httpSpan).toBeDefined();
      spans.add(httpSpan!);
      // Each call is a span of its own inside the trace, none reusing the caller's.
      expect(spans.size).toBe(3);
      expect(spans.has(CALLER_SPAN)).toBe(false);

      const logged = t.lines.map((line) => JSON.parse(line) as { message: string; path?: string; traceId?: string });
      expect(logged.find((line) => line.message === "request" && line.path === "/api/workflow/traced_flow")?.traceId).toBe(TRACE);
    } finally {
      await t.engine.close();
    }
  });

  it("keeps the trace of a GraphQL mutation on the events it causes and on the workflow's calls", async () => {
    const t = await tracedApp();
    try {
      const started = await t.call(
        "POST",
        "/graphql",
        { query: 'mutation { startWorkflow(request: { name: "traced_flow" }) { workflowId } }' },
        { traceparent: TRACEPARENT, accept: "application/json" },
      );
      expect(started.status, started.text).toBe(200);
      const id = (JSON.parse(started.text) as { data: { startWorkflow: { workflowId: string } } }).data.startWorkflow.workflowId;
      await eventually(async () => (t.published.length >= 2 && t.calls.length >= 1 ? true : undefined));
      const [first] = await t.store.readStream(`workflow-${id}`);
      expect(first!.metadata).toMatchObject({ traceparent: TRACEPARENT, source: { kind: "graphql", detail: "mutation startWorkflow" } });
      expect(CHILD.test(t.calls[0]!.get("traceparent") ?? "")).toBe(true);
      // A mutation without one adds none.
      const untraced = await t.call("POST", "/graphql", { query: `mutation { pauseWorkflow(id: "${id}") { status } }` }, { accept: "application/json" });
      expect(untraced.status, untraced.text).toBe(200);
      const events = await t.store.readStream(`workflow-${id}`);
      const paused = events.find((event) => event.type === "WorkflowPaused");
      // The workflow's own trace carries on (as for REST calls without a traceparent).
      expect(paused?.metadata).toMatchObject({ traceparent: TRACEPARENT, source: { kind: "graphql", detail: "mutation pauseWorkflow" } });
    } finally {
      await t.engine.close();
    }
  });

  it("ignores a malformed traceparent and adds none where the workflow has no trace", async () => {
    const t = await tracedApp();
    try {
      const id = (await t.call("POST", "/api/workflow/traced_flow", {}, { traceparent: `00-${TRACE}-${"0".repeat(16)}-01` })).text;
      await eventually(async () => (t.published.length >= 2 && t.calls.length >= 1 ? true : undefined));
      const events = await t.store.readStream(`workflow-${id}`);
      expect(events.some((event) => "traceparent" in event.metadata)).toBe(false);
      expect(t.published.map((message) => message.headers?.traceparent)).toEqual([undefined, undefined]);
      expect(t.calls[0]!.get("traceparent")).toBeNull();
      // The other headers are still there.
      expect(t.published[0]!.headers?.workflowId).toBe(id);
    } finally {
      await t.engine.close();
    }
  });
});
