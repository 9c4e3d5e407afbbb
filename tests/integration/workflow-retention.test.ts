/**
 * Bounded read models: finished workflows leave memory beyond the configured
 * number and are read back from the store when asked for; search keeps a
 * digest of them; a rerun brings one back into memory and it runs on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { inProcessApp } from "../support/app.ts";

describe("finished workflows beyond the in-memory bound", () => {
  let harness: Awaited<ReturnType<typeof inProcessApp>> | undefined;
  afterEach(async () => harness?.close());

  async function runToCompletion(h: NonNullable<typeof harness>, n: number): Promise<string> {
    const start = await h.call("POST", "/api/workflow", { name: "kept", input: { n, note: `order ${n}` }, correlationId: `c-${n}` });
    const id = start.text;
    const [task] = (await h.call("GET", "/api/tasks/poll/batch/kept_task?workerid=w&count=1")).json();
    const done = await h.call("POST", "/api/tasks", { workflowInstanceId: id, taskId: task.taskId, status: "COMPLETED", outputData: { doubled: n * 2 } });
    expect(done.status).toBe(200);
    return id;
  }

  it("keeps only the newest finished ones whole, reads the others back, and searches digests up to their bound", async () => {
    const h = (harness = await inProcessApp({ retention: { finishedInMemory: 2, searchableFinished: 3 } }));
    await h.call("POST", "/api/metadata/workflow", { name: "kept", tasks: [{ name: "kept_task", taskReferenceName: "t", inputParameters: { n: "${workflow.input.n}" } }], outputParameters: { doubled: "${t.output.doubled}" } });
    const ids: string[] = [];
    const servedBefore = new Map<string, unknown>();
    for (let n = 1; n <= 6; n++) {
      const id = await runToCompletion(h, n);
      ids.push(id);
      servedBefore.set(id, (await h.call("GET", `/api/workflow/${id}`)).json());
    }
    // Two finished workflows stay whole in memory; four left, with their task index entries.
    expect([...h.engine.models.workflows.keys()].sort()).toEqual(ids.slice(4).sort());
    expect(h.engine.models.taskIndex.size).toBe(2);
    // Every one of them is still served as before, read back from the store.
    for (const id of ids) expect((await h.call("GET", `/api/workflow/${id}`)).json()).toEqual(servedBefore.get(id));
    expect((await h.call("GET", `/api/workflow/${ids[0]}/status`)).json()).toMatchObject({ status: "COMPLETED" });

    // Search: two in memory plus the three newest digests; the oldest digest is past the bound.
    const all = (await h.call("GET", "/api/workflow/search?size=10&sort=startTime:ASC")).json();
    expect(all.totalHits).toBe(5);
    expect(all.results.map((r: { workflowId: string }) => r.workflowId)).toEqual(ids.slice(1));
    expect(all.results[0]).toMatchObject({ workflowType: "kept", status: "COMPLETED", correlationId: "c-2", output: '{"doubled":4}' });
    // A digest answers field queries and free text over the start of input and output.
    const byText = (await h.call("GET", `/api/workflow/search?freeText=${encodeURIComponent("order 3")}`)).json();
    expect(byText.results.map((r: { workflowId: string }) => r.workflowId)).toEqual([ids[2]]);
    const byCorrelation = (await h.call("GET", "/api/workflow/search?query=correlationId%3D%27c-2%27")).json();
    expect(byCorrelation.totalHits).toBe(1);
    const closed = (await h.call("GET", "/api/workflow/kept/correlated/c-1?includeClosed=true")).json();
    expect(closed.map((w: { workflowId: string }) => w.workflowId)).toEqual([]); // past the digest bound: found by id only
    const correlated = (await h.call("GET", "/api/workflow/kept/correlated/c-3?includeClosed=true")).json();
    expect(correlated.map((w: { workflowId: string }) => w.workflowId)).toEqual([ids[2]]);
  });

  it("keeps idempotency keys of workflows that left memory (FAIL and RETURN_EXISTING)", async () => {
    const h = (harness = await inProcessApp({ retention: { finishedInMemory: 1, searchableFinished: 1 } }));
    await h.call("POST", "/api/metadata/workflow", { name: "kept", tasks: [{ name: "kept_task", taskReferenceName: "t" }] });
    const keyed = await h.call("POST", "/api/workflow", { name: "kept", idempotencyKey: "once", idempotencyStrategy: "FAIL" });
    const [task] = (await h.call("GET", "/api/tasks/poll/batch/kept_task?workerid=w&count=1")).json();
    await h.call("POST", "/api/tasks", { workflowInstanceId: keyed.text, taskId: task.taskId, status: "COMPLETED" });
    await runToCompletion(h, 2);
    await runToCompletion(h, 3);
    expect(h.engine.models.workflows.has(keyed.text)).toBe(false);
    const again = await h.call("POST", "/api/workflow", { name: "kept", idempotencyKey: "once", idempotencyStrategy: "FAIL" });
    expect(again.status).toBe(409);
    expect(again.json().message).toContain(`idempotencyKey 'once' was already used by workflow ${keyed.text}`);
    const existing = await h.call("POST", "/api/workflow", { name: "kept", idempotencyKey: "once", idempotencyStrategy: "RETURN_EXISTING" });
    expect(existing.text).toBe(keyed.text);
  });

  it("brings a workflow that left memory back when it is rerun, and it runs to the end again", async () => {
    const h = (harness = await inProcessApp({ retention: { finishedInMemory: 1, searchableFinished: 10 } }));
    await h.call("POST", "/api/metadata/workflow", { name: "kept", tasks: [{ name: "kept_task", taskReferenceName: "t" }] });
    const first = await runToCompletion(h, 1);
    await runToCompletion(h, 2);
    expect(h.engine.models.workflows.has(first)).toBe(false);

    const rerun = await h.call("POST", `/api/workflow/${first}/rerun`, {});
    expect(rerun.status).toBe(200);
    expect(h.engine.getWorkflow(first).status).toBe("RUNNING");
    const [task] = (await h.call("GET", "/api/tasks/poll/batch/kept_task?workerid=w&count=1")).json();
    expect(task.workflowInstanceId).toBe(first);
    await h.call("POST", "/api/tasks", { workflowInstanceId: first, taskId: task.taskId, status: "COMPLETED", outputData: {} });
    const after = (await h.call("GET", `/api/workflow/${first}`)).json();
    expect(after.status).toBe("COMPLETED");
    expect(after.tasks.filter((t: { status: string }) => t.status === "COMPLETED").length).toBeGreaterThanOrEqual(1);
    expect(h.errors).toEqual([]);
  });
});
