/**
 * The worker bundle on workerd (miniflare) keeps its state across a restart:
 * the event log is a Durable Object whose storage miniflare persists, so a
 * workflow started before the restart is still there after it, its SIMPLE task
 * can be polled and completed, and the workflow completes. Before: the worker
 * used the memory store and a restart lost every workflow (404).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serveWorker } from "../../scripts/workerd.ts";
import type { DurableObjectNamespaceLike } from "../../src/adapters/eventstore/durable-object.ts";
import { operationUrl, type ReadResponse } from "../../src/adapters/eventstore/durable-object-protocol.ts";
import { eventually, http } from "../support/baton.ts";

const dir = mkdtempSync(join(tmpdir(), "baton-worker-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("workerd entry: state across a restart", () => {
  it("completes after a restart a workflow started before it", async () => {
    const persistDir = join(dir, "state");
    const definition = {
      name: "wr_restart",
      version: 1,
      tasks: [
        { name: "wr_step", taskReferenceName: "step", type: "SIMPLE", inputParameters: { n: "${workflow.input.n}" } },
        { name: "wr_double", taskReferenceName: "double", type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "$.v * 2", v: "${step.output.v}" } },
      ],
      outputParameters: { result: "${double.output.result}" },
    };

    const first = await serveWorker({ port: 0, outDir: join(dir, "bundle"), persistDir });
    let workflowId: string;
    try {
      const url = first.url.href.replace(/\/$/, "");
      expect((await http(url, "POST", "/api/metadata/taskdefs", [{ name: "wr_step", retryCount: 0 }])).status).toBe(200);
      expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
      const started = await http(url, "POST", "/api/workflow", { name: "wr_restart", input: { n: 5 } });
      expect(started.status).toBe(200);
      workflowId = started.text;
      expect((await http(url, "GET", `/api/workflow/${workflowId}`)).json()).toMatchObject({ status: "RUNNING" });
    } finally {
      await first.dispose();
    }

    const second = await serveWorker({ port: 0, outDir: join(dir, "bundle"), persistDir });
    try {
      const url = second.url.href.replace(/\/$/, "");
      const before = await http(url, "GET", `/api/workflow/${workflowId}`);
      expect(before.status).toBe(200);
      expect(before.json()).toMatchObject({ workflowId, status: "RUNNING", input: { n: 5 } });

      const task = await eventually(async () => {
        const polled = await http(url, "GET", "/api/tasks/poll/wr_step?workerid=after-restart");
        return polled.status === 200 ? polled.json() : undefined;
      }, 15_000, 100);
      expect(task).toMatchObject({ workflowInstanceId: workflowId, inputData: { n: 5 } });
      const updated = await http(url, "POST", "/api/tasks", { workflowInstanceId: workflowId, taskId: task.taskId, status: "COMPLETED", outputData: { v: 21 }, workerId: "after-restart" });
      expect(updated.status).toBe(200);

      const done = await eventually(async () => {
        const workflow = (await http(url, "GET", `/api/workflow/${workflowId}`)).json();
        return workflow.status === "RUNNING" ? undefined : workflow;
      }, 15_000, 100);
      expect(done).toMatchObject({ status: "COMPLETED", output: { result: 42 } });
      // The definitions came back too: a new start works without registering again.
      expect((await http(url, "POST", "/api/workflow", { name: "wr_restart", input: { n: 1 } })).status).toBe(200);
    } finally {
      await second.dispose();
    }
  }, 120_000);

  it("keeps a timer's alarm across a restart: a WAIT started before it completes after it with no request", async () => {
    const persistDir = join(dir, "alarm-state");
    const first = await serveWorker({ port: 0, outDir: join(dir, "bundle"), persistDir });
    let workflowId: string;
    try {
      const url = first.url.href.replace(/\/$/, "");
      const definition = { name: "wr_wait", version: 1, tasks: [{ name: "wr_pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "3s" } }] };
      expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
      const started = await http(url, "POST", "/api/workflow", { name: "wr_wait" });
      expect(started.status).toBe(200);
      workflowId = started.text;
      // The alarm is armed after the answer (ctx.waitUntil): give it a moment before the restart.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await first.dispose();
    }

    const second = await serveWorker({ port: 0, outDir: join(dir, "bundle"), persistDir });
    try {
      // No request reaches the new worker: only the event log object is read.
      const namespace = (await second.eventLog()) as unknown as DurableObjectNamespaceLike;
      const log = namespace.get(namespace.idFromName("baton") as never);
      const completed = await eventually(async () => {
        const response = await log.fetch(operationUrl("read-all"), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        return (JSON.parse(await response.text()) as ReadResponse).events.find((event) => event.streamId.endsWith(workflowId) && event.type === "WorkflowCompleted");
      }, 20_000, 200);
      expect(completed).toMatchObject({ type: "WorkflowCompleted" });
    } finally {
      await second.dispose();
    }
  }, 120_000);
});
