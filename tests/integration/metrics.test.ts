import { afterEach, describe, expect, it } from "vitest";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createApp } from "../../src/api/app.ts";
import { createBatonMetrics, MAX_LABEL_VALUES } from "../../src/api/observability/baton-metrics.ts";
import { createEngine, type Logger } from "../../src/engine/engine.ts";
import { createEventRouter } from "../../src/engine/router/event-router.ts";
import { authApp } from "../support/auth.ts";

/** The value of one sample line in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}="${v}"`).join(",");
  const head = want ? `${name}{${want}} ` : `${name} `;
  const line = text.split("\n").find((l) => l.startsWith(head));
  return line === undefined ? undefined : Number(line.slice(head.length));
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function instrumented() {
  const metrics = createBatonMetrics();
  const errors: string[] = [];
  const logger = metrics.countingLogger<Logger>({ info: () => {}, error: (message: string) => void errors.push(message) });
  const store = metrics.instrumentStore(createMemoryEventStore());
  const engine = await createEngine({ store, evaluators: await loadEvaluators(), sweepIntervalMs: 50, logger });
  metrics.observeEngine(engine);
  const app = createApp({ engine, metrics, logError: () => {} });
  close = () => engine.close();
  const json = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text };
  };
  const scrape = async () => {
    const response = await app.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return response.text();
  };
  return { engine, app, json, scrape, metrics, errors, logger, store };
}

describe("GET /metrics", () => {
  it("counts workflows and tasks by type and status, with latencies, queue depth, polls and appends", async () => {
    const { json, scrape } = await instrumented();
    await json("POST", "/api/metadata/taskdefs", [{ name: "work", retryCount: 0, timeoutSeconds: 60, totalTimeoutSeconds: 0 }]);
    await json("POST", "/api/metadata/workflow", {
      name: "metered",
      version: 1,
      tasks: [
        { name: "pick", taskReferenceName: "pick", type: "SWITCH", evaluatorType: "javascript", expression: "$.n > 0 ? 'pos' : 'neg'", inputParameters: { n: "${workflow.input.n}" }, decisionCases: { pos: [{ name: "work", taskReferenceName: "work", type: "SIMPLE" }] }, defaultCase: [] },
      ],
    });
    const ids = [(await json("POST", "/api/workflow", { name: "metered", input: { n: 1 } })).text, (await json("POST", "/api/workflow", { name: "metered", input: { n: 1 } })).text];
    await json("POST", "/api/workflow", { name: "metered", input: { n: -1 } });
    let text = await scrape();
    expect(sample(text, "baton_workflows_started_total", { workflow_type: "metered" })).toBe(3);
    expect(sample(text, "baton_workflows_finished_total", { workflow_type: "metered", status: "COMPLETED" })).toBe(1);
    expect(sample(text, "baton_task_queue_depth", { queue: "work" })).toBe(2);
    expect(sample(text, "baton_tasks_scheduled_total", { task_type: "work" })).toBe(2);
    expect(sample(text, "baton_tasks_finished_total", { task_type: "SWITCH", status: "COMPLETED" })).toBe(3);

    const polled = await json("GET", "/api/tasks/poll/batch/work?count=1&timeout=0&workerid=w1");
    const [task] = JSON.parse(polled.text) as { taskId: string; workflowInstanceId: string }[];
    await json("GET", "/api/tasks/poll/batch/work?count=0&timeout=0");
    await json("POST", "/api/tasks", { taskId: task!.taskId, workflowInstanceId: task!.workflowInstanceId, status: "FAILED", reasonForIncompletion: "no" });
    const other = ids.find((id) => id !== task!.workflowInstanceId);
    expect((await json("DELETE", `/api/workflow/${other}?reason=enough`)).status).toBeLessThan(300);
    text = await scrape();
    expect(sample(text, "baton_task_polls_total", { task_type: "work" })).toBe(1);
    expect(sample(text, "baton_tasks_started_total", { task_type: "work" })).toBe(1);
    expect(sample(text, "baton_task_queue_wait_seconds_count", { task_type: "work" })).toBe(1);
    expect(sample(text, "baton_tasks_finished_total", { task_type: "work", status: "FAILED" })).toBe(1);
    expect(sample(text, "baton_task_duration_seconds_count", { task_type: "work", status: "FAILED" })).toBe(1);
    expect(sample(text, "baton_workflows_finished_total", { workflow_type: "metered", status: "FAILED" })).toBe(1);
    expect(sample(text, "baton_workflow_duration_seconds_count", { workflow_type: "metered", status: "FAILED" })).toBe(1);
    expect(sample(text, "baton_workflows_finished_total", { workflow_type: "metered", status: "TERMINATED" })).toBe(1);
    expect(sample(text, "baton_tasks_finished_total", { task_type: "work", status: "CANCELED" })).toBe(1);
    expect(sample(text, "baton_task_queue_depth", { queue: "work" }) ?? 0).toBe(0);
    expect(sample(text, "baton_store_append_seconds_count", { outcome: "ok" })).toBeGreaterThanOrEqual(5);
    expect(sample(text, "baton_store_appended_events_total")).toBeGreaterThanOrEqual(10);
    expect(sample(text, "baton_read_model_lag_positions")).toBe(0);
    expect(sample(text, "baton_http_requests_total", { method: "POST", route: "/api/workflow", status: "200" })).toBe(3);
    expect(sample(text, "baton_http_request_duration_seconds_count", { method: "GET", route: "/api/tasks/poll/batch/:taskType" })).toBe(2);
    expect(sample(text, "baton_http_requests_total", { method: "GET", route: "unmatched", status: "404" })).toBeUndefined();
    await json("GET", "/no/such/route");
    expect(sample(await scrape(), "baton_http_requests_total", { method: "GET", route: "unmatched", status: "404" })).toBe(1);
  });

  it("counts a failed append, and reactor errors by kind, and only those", async () => {
    const { metrics, logger, errors } = await instrumented();
    const failing = metrics.instrumentStore({ ...createMemoryEventStore(), append: () => Promise.reject(new Error("disk full")) });
    await expect(failing.append("s-1", [{ id: "e-1", type: "X", data: {} }], "any")).rejects.toThrow("disk full");
    logger.error("a workflow reaction failed", { workflowId: "w" });
    logger.error("timeout sweep failed", { workflowId: "w" });
    logger.error("something else");
    const text = metrics.render();
    expect(sample(text, "baton_store_append_seconds_count", { outcome: "error" })).toBe(1);
    expect(sample(text, "baton_reactor_errors_total", { kind: "reaction" })).toBe(1);
    expect(sample(text, "baton_reactor_errors_total", { kind: "timer_sweep" })).toBe(1);
    expect(text.match(/^baton_reactor_errors_total/gm)).toHaveLength(2);
    expect(errors).toEqual(["a workflow reaction failed", "timeout sweep failed", "something else"]);
  });

  it("bounds the label values callers choose: past the limit they are counted as other", async () => {
    const { json, scrape } = await instrumented();
    for (let i = 0; i < MAX_LABEL_VALUES + 5; i++) await json("GET", `/api/tasks/poll/batch/type_${i}?workerid=w&timeout=0`);
    const text = await scrape();
    expect(sample(text, "baton_task_polls_total", { task_type: "type_0" })).toBe(1);
    expect(sample(text, "baton_task_polls_total", { task_type: "other" })).toBe(5);
    expect(text.match(/^baton_task_polls_total\{/gm)).toHaveLength(MAX_LABEL_VALUES + 1);
  }, 60_000);

  it("reports the event router's outcomes", async () => {
    const { engine, metrics, store } = await instrumented();
    const router = await createEventRouter({ engine, bus: engine.bus, store, topic: "conductor-events", mappings: {}, holdMs: 1000 });
    metrics.observeRouter(router);
    await engine.bus.publish("conductor-events", { key: "k", value: "not json" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = metrics.render();
    expect(sample(text, "baton_router_messages_total", { topic: "conductor-events", outcome: "malformed" })).toBe(1);
    expect(sample(text, "baton_router_messages_total", { topic: "conductor-events", outcome: "matched" })).toBe(0);
    expect(sample(text, "baton_router_holding", { topic: "conductor-events" })).toBe(0);
    await router.close();
  });

  it("is open with authentication on (scrapers cannot renew tokens), while the API is not", async () => {
    const { app, close: closeAuth } = await authApp();
    close = closeAuth;
    const scraped = await app.request("/metrics");
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("# TYPE baton_workflows_started_total counter");
    expect((await app.request("/api/metadata/workflow")).status).toBe(401);
  });
});
