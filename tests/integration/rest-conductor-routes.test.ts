import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessApp } from "../support/app.ts";

/** Conductor routes Baton lacked or answered with the wrong handler, driven with plain REST (no SDK call exists for them). */
describe("Conductor REST routes", () => {
  let t: Awaited<ReturnType<typeof inProcessApp>>;
  const start = async (name: string, input: Record<string, unknown> = {}, correlationId?: string) => {
    const response = await t.call("POST", "/api/workflow", { name, input, correlationId });
    expect(response.status).toBe(200);
    return response.text;
  };
  const pollOne = async (type: string) => {
    const polled = await t.call("GET", `/api/tasks/poll/batch/${type}?workerid=w&count=1&timeout=0`);
    return polled.json()[0];
  };

  beforeAll(async () => {
    t = await inProcessApp();
    await t.call("POST", "/api/metadata/taskdefs", [{ name: "r_task", retryCount: 0 }, { name: "r_other", retryCount: 0 }]);
    await t.call("POST", "/api/metadata/workflow", { name: "r_flow", tasks: [{ name: "r_task", taskReferenceName: "a" }] });
    await t.call("POST", "/api/metadata/workflow", {
      name: "r_flow",
      version: 2,
      tasks: [
        { name: "r_task", taskReferenceName: "a" },
        { name: "r_other", taskReferenceName: "b" },
      ],
    });
    await t.call("POST", "/api/metadata/workflow", {
      name: "r_wait",
      tasks: [
        { name: "hold", taskReferenceName: "hold", type: "WAIT" },
        { name: "r_task", taskReferenceName: "after" },
      ],
    });
  });
  afterAll(() => t.close());

  describe("booleans as Spring reads them (the Python SDK sends True/False)", () => {
    it("takes any case of true/false, on/off, yes/no and 1/0", async () => {
      const def = { name: "r_bool", tasks: [{ name: "r_task", taskReferenceName: "a" }] };
      expect((await t.call("POST", "/api/metadata/workflow?overwrite=False", def)).status).toBe(200);
      expect((await t.call("POST", "/api/metadata/workflow?overwrite=False", def)).status).toBe(409);
      for (const yes of ["True", "TRUE", "on", "Yes", "1", " true "]) {
        expect((await t.call("POST", `/api/metadata/workflow?overwrite=${encodeURIComponent(yes)}`, def)).status).toBe(200);
      }
      for (const no of ["FALSE", "off", "No", "0"]) {
        expect((await t.call("POST", `/api/metadata/workflow?overwrite=${no}`, def)).status).toBe(409);
      }
    });

    it("reads useLatestDefinitions=True on restart and includeTasks=False on a read", async () => {
      const id = await start("r_flow", {}, undefined);
      await t.call("PUT", `/api/workflow/${id}/pause`);
      await t.call("DELETE", `/api/workflow/${id}?reason=stop`);
      expect((await t.call("GET", `/api/workflow/${id}?includeTasks=False`)).json().tasks).toEqual([]);
      const restarted = await t.call("POST", `/api/workflow/${id}/restart?useLatestDefinitions=True`);
      expect(restarted.status).toBe(204);
      expect((await t.call("GET", `/api/workflow/${id}`)).json().workflowDefinition.version).toBe(2);
    });

    it("names the parameter and what it takes when the value is none of them", async () => {
      const response = await t.call("POST", "/api/metadata/workflow?overwrite=maybe", { name: "r_bool", tasks: [{ name: "r_task", taskReferenceName: "a" }] });
      expect(response.status).toBe(400);
      expect(response.json().message).toBe("overwrite: expected true or false (or on/off, yes/no, 1/0, any case), got 'maybe'");
      expect(response.json().validationErrors[0].path).toBe("overwrite");
    });
  });

  it("POST /workflow/{name}/correlated answers every correlation id asked for, with includeClosed", async () => {
    const open = await start("r_flow", {}, "corr-open");
    const closed = await start("r_flow", {}, "corr-closed");
    await t.call("DELETE", `/api/workflow/${closed}?reason=done`);
    const running = (await t.call("POST", "/api/workflow/r_flow/correlated", ["corr-open", "corr-closed", "corr-none"])).json();
    expect(Object.keys(running).sort()).toEqual(["corr-closed", "corr-none", "corr-open"]);
    expect(running["corr-open"].map((w: any) => w.workflowId)).toEqual([open]);
    expect(running["corr-closed"]).toEqual([]);
    expect(running["corr-open"][0].tasks).toEqual([]);
    const all = (await t.call("POST", "/api/workflow/r_flow/correlated?includeClosed=True&includeTasks=true", ["corr-closed"])).json();
    expect(all["corr-closed"].map((w: any) => [w.workflowId, w.status])).toEqual([[closed, "TERMINATED"]]);
    expect(all["corr-closed"][0].tasks.length).toBeGreaterThan(0);
    const bad = await t.call("POST", "/api/workflow/r_flow/correlated", { ids: ["x"] });
    expect(bad.status).toBe(400);
    expect(bad.json().message).toMatch(/expected a JSON array of correlation ids/);
  });

  it("DELETE /workflow/{id}/remove removes a finished workflow from reads and search; a running one is refused", async () => {
    const id = await start("r_flow", { tag: "to-remove" });
    const refused = await t.call("DELETE", `/api/workflow/${id}/remove`);
    expect(refused.status).toBe(409);
    expect(refused.json().message).toMatch(/RUNNING; terminate it first/);
    await t.call("DELETE", `/api/workflow/${id}?reason=done`);
    expect((await t.call("DELETE", `/api/workflow/${id}/remove?archiveWorkflow=False`)).status).toBe(200);
    expect((await t.call("GET", `/api/workflow/${id}`)).status).toBe(404);
    const found = (await t.call("GET", `/api/workflow/search?query=${encodeURIComponent(`workflowId = '${id}'`)}`)).json();
    expect(found.totalHits).toBe(0);
    // Its history stays in the log.
    const timeline = (await t.call("GET", `/api/workflow/${id}/timeline`)).json();
    expect(timeline.map((entry: any) => entry.type)).toContain("WorkflowRemoved");
  });

  it("DELETE /workflow/{id}/terminate-remove ends a running workflow and removes it; its queued task goes too", async () => {
    const id = await start("r_wait");
    expect((await t.call("DELETE", `/api/workflow/${id}/terminate-remove?reason=cleanup`)).status).toBe(200);
    expect((await t.call("GET", `/api/workflow/${id}`)).status).toBe(404);
    expect((await t.call("PUT", `/api/workflow/${id}/pause`)).status).toBe(404);
  });

  it("bulk remove, terminate-remove and search report each id", async () => {
    const a = await start("r_flow");
    const b = await start("r_flow");
    const searched = (await t.call("POST", "/api/workflow/bulk/search?includeTasks=false", [a, "nope"])).json();
    expect(searched.bulkSuccessfulResults.map((w: any) => w.workflowId)).toEqual([a]);
    expect(searched.bulkSuccessfulResults[0].tasks).toEqual([]);
    expect(Object.keys(searched.bulkErrorResults)).toEqual(["nope"]);
    const removed = (await t.call("DELETE", "/api/workflow/bulk/remove", [a])).json();
    expect(Object.keys(removed.bulkErrorResults)).toEqual([a]); // still running
    const terminated = (await t.call("DELETE", "/api/workflow/bulk/terminate-remove?reason=x", [a, b])).json();
    expect(terminated.bulkSuccessfulResults).toEqual([a, b]);
    expect((await t.call("GET", `/api/workflow/${b}`)).status).toBe(404);
  });

  it("PUT /workflow/decide/{id} decides the workflow (not a start of a workflow named decide)", async () => {
    const id = await start("r_flow");
    const decided = await t.call("PUT", `/api/workflow/decide/${id}`);
    expect(decided.status).toBe(200);
    expect((await t.call("PUT", "/api/workflow/decide/no-such-id")).status).toBe(404);
  });

  it("GET /workflow/{id}/tasks pages the tasks and filters statuses in any case", async () => {
    const id = await start("r_flow", {}, undefined);
    const task = await pollOne("r_task");
    await t.call("POST", "/api/tasks", { workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, status: "COMPLETED" });
    const wf = task.workflowInstanceId ?? id;
    const all = (await t.call("GET", `/api/workflow/${wf}/tasks`)).json();
    expect(all.totalHits).toBe(2);
    const done = (await t.call("GET", `/api/workflow/${wf}/tasks?status=completed`)).json();
    expect(done.results.map((x: any) => x.referenceTaskName)).toEqual(["a"]);
    const page = (await t.call("GET", `/api/workflow/${wf}/tasks?start=1&count=1`)).json();
    expect(page).toMatchObject({ totalHits: 2, results: [{ referenceTaskName: "b" }] });
  });

  it("workflow search-v2 returns whole workflows; search-by-tasks finds workflows by a task's fields", async () => {
    const id = await start("r_flow", { marker: "sv2" });
    const v2 = (await t.call("GET", `/api/workflow/search-v2?query=${encodeURIComponent(`workflowId = '${id}'`)}`)).json();
    expect(v2.totalHits).toBe(1);
    expect(v2.results[0]).toMatchObject({ workflowId: id, input: { marker: "sv2" } });
    expect(v2.results[0].tasks.length).toBeGreaterThan(0);
    const query = encodeURIComponent(`taskDefName = 'r_other' AND status = 'SCHEDULED'`);
    const byTasks = (await t.call("GET", `/api/workflow/search-by-tasks?query=${query}&size=1000`)).json();
    const withOtherScheduled = byTasks.results.map((s: any) => s.workflowId);
    expect(withOtherScheduled.length).toBe(byTasks.totalHits);
    for (const workflowId of withOtherScheduled) {
      const tasks = (await t.call("GET", `/api/workflow/${workflowId}`)).json().tasks;
      expect(tasks.some((x: any) => x.taskDefName === "r_other" && x.status === "SCHEDULED")).toBe(true);
    }
    const byTasksV2 = (await t.call("GET", `/api/workflow/search-by-tasks-v2?query=${query}&size=1000`)).json();
    expect(byTasksV2.results.map((w: any) => w.workflowId).sort()).toEqual([...withOtherScheduled].sort());
    expect(byTasksV2.results.every((w: any) => Array.isArray(w.tasks))).toBe(true);
  });

  it("task search and search-v2 (not a task id); queue size, verbose and requeue (not a by-ref update)", async () => {
    await t.call("GET", "/api/tasks/poll/batch/r_task?count=1000&timeout=0");
    const inFlight = (await t.call("GET", "/api/tasks/queue/all/verbose")).json().r_task.a.uacked;
    const id = await start("r_flow", { q: 1 });
    const query = encodeURIComponent(`workflowId = '${id}'`);
    const found = (await t.call("GET", `/api/tasks/search?query=${query}`)).json();
    expect(found).toMatchObject({ totalHits: 1, results: [{ workflowId: id, taskDefName: "r_task", status: "SCHEDULED", input: "{}" }] });
    const v2 = (await t.call("GET", `/api/tasks/search-v2?query=${query}`)).json();
    expect(v2.results[0]).toMatchObject({ workflowInstanceId: id, referenceTaskName: "a", inputData: {} });
    expect((await t.call("GET", "/api/tasks/queue/size?taskType=r_task")).json()).toBe(1);
    const missing = await t.call("GET", "/api/tasks/queue/size");
    expect(missing.status).toBe(400);
    expect(missing.json().message).toMatch(/taskType/);
    const requeued = await t.call("POST", "/api/tasks/queue/requeue/r_task");
    expect(requeued.status).toBe(200);
    expect(requeued.text).toBe("1");
    await pollOne("r_task");
    const verbose = (await t.call("GET", "/api/tasks/queue/all/verbose")).json();
    expect(verbose.r_task).toEqual({ a: { size: 0, uacked: inFlight + 1 } });
    const inProgress = encodeURIComponent("taskDefName = 'r_task' AND status = 'IN_PROGRESS'");
    expect((await t.call("GET", `/api/tasks/search?query=${inProgress}`)).json().totalHits).toBe(inFlight + 1);
  });

  it("POST /tasks/{wf}/{ref}/{status}/sync answers with the workflow after the update", async () => {
    const id = await start("r_flow", {});
    const response = await t.call("POST", `/api/tasks/${id}/a/COMPLETED/sync?workerid=me`, { done: true });
    expect(response.status).toBe(200);
    const workflow = response.json();
    expect(workflow.workflowId).toBe(id);
    expect(workflow.tasks.map((x: any) => [x.referenceTaskName, x.status])).toEqual([["a", "COMPLETED"], ["b", "SCHEDULED"]]);
    expect(workflow.tasks[0].outputData).toEqual({ done: true });
    const bad = await t.call("POST", `/api/tasks/${id}/a/DONE/sync`, {});
    expect(bad.status).toBe(400);
    expect(bad.json().message).toMatch(/status must be one of/);
  });

  it("signals a workflow's blocked WAIT (async: empty 200; sync: the workflow per returnStrategy); 404 when nothing waits", async () => {
    const first = await start("r_wait");
    expect((await t.call("POST", `/api/tasks/${first}/COMPLETED/signal`, { approved: true })).status).toBe(200);
    const after = (await t.call("GET", `/api/workflow/${first}`)).json();
    expect(after.tasks[0]).toMatchObject({ referenceTaskName: "hold", status: "COMPLETED", outputData: { approved: true } });
    expect((await t.call("POST", `/api/tasks/${first}/COMPLETED/signal`, {})).status).toBe(404);

    const second = await start("r_wait");
    const sync = await t.call("POST", `/api/tasks/${second}/COMPLETED/signal/sync?returnStrategy=TARGET_WORKFLOW&timeoutMillis=300`, { n: 2 });
    expect(sync.status).toBe(200);
    expect(sync.json()).toMatchObject({ responseType: "TARGET_WORKFLOW", targetWorkflowId: second, workflowId: second, status: "RUNNING", signalTimeout: true });
    const badStrategy = await t.call("POST", `/api/tasks/${second}/COMPLETED/signal/sync?returnStrategy=EVERYTHING`, {});
    expect(badStrategy.status).toBe(400);
    expect(badStrategy.json().validationErrors[0].path).toBe("returnStrategy");
  });

  it("execute answers with the blocking sub-workflow (BLOCKING_WORKFLOW), and at a waitUntilTaskRef task once it has ended", async () => {
    await t.call("POST", "/api/metadata/workflow", { name: "r_child", tasks: [{ name: "hold", taskReferenceName: "hold", type: "WAIT" }] });
    await t.call("POST", "/api/metadata/workflow", {
      name: "r_parent",
      tasks: [{ name: "child", taskReferenceName: "child", type: "SUB_WORKFLOW", subWorkflowParam: { name: "r_child", version: 1 } }],
    });
    const blocked = await t.call("POST", "/api/workflow/execute/r_parent/1?returnStrategy=BLOCKING_WORKFLOW&waitForSeconds=10&requestId=r-1", {});
    expect(blocked.status).toBe(200);
    const run = blocked.json();
    expect(run).toMatchObject({ responseType: "BLOCKING_WORKFLOW", requestId: "r-1", targetWorkflowStatus: "RUNNING", signalTimeout: false });
    expect(run.workflowId).not.toBe(run.targetWorkflowId);
    expect(run.tasks.map((x: any) => x.referenceTaskName)).toEqual(["hold"]);
    const parent = (await t.call("GET", `/api/workflow/${run.targetWorkflowId}`)).json();
    expect(parent.tasks[0].outputData.subWorkflowId).toBe(run.workflowId);

    await t.call("GET", "/api/tasks/poll/batch/r_task?count=1000&timeout=0");
    const pending = t.call("POST", "/api/workflow/execute/r_flow/0?waitUntilTaskRef=x,a&waitForSeconds=10", {});
    const task = await (async () => {
      for (;;) {
        const [polled] = (await t.call("GET", "/api/tasks/poll/batch/r_task?workerid=w&count=1&timeout=1000")).json();
        if (polled) return polled;
      }
    })();
    await t.call("POST", "/api/tasks", { workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, status: "COMPLETED", outputData: { y: 1 } });
    const reached = (await pending).json();
    expect(reached).toMatchObject({ responseType: "TARGET_WORKFLOW", workflowId: task.workflowInstanceId, status: "RUNNING", signalTimeout: false });
    expect(reached.workflowDefinition.version).toBe(2); // version 0 is the latest, as in Conductor
    expect(reached.tasks.map((x: any) => [x.referenceTaskName, x.status])).toEqual([["a", "COMPLETED"], ["b", "SCHEDULED"]]);
  });

  it("POST /workflow/test runs a definition against mocked task outputs (not a start of a workflow named test)", async () => {
    const response = await t.call("POST", "/api/workflow/test", {
      name: "r_test",
      workflowDef: {
        name: "r_test",
        tasks: [
          { name: "r_task", taskReferenceName: "first" },
          { name: "r_other", taskReferenceName: "second", inputParameters: { v: "${first.output.v}" } },
        ],
        outputParameters: { result: "${second.output.r}" },
      },
      input: {},
      taskRefToMockOutput: {
        first: [{ status: "COMPLETED", output: { v: 41 } }],
        second: [{ status: "COMPLETED", output: { r: "done" } }],
      },
    });
    expect(response.status).toBe(200);
    const workflow = response.json();
    expect(workflow).toMatchObject({ status: "COMPLETED", output: { result: "done" } });
    expect(workflow.tasks.map((x: any) => [x.referenceTaskName, x.status, x.inputData])).toEqual([
      ["first", "COMPLETED", {}],
      ["second", "COMPLETED", { v: 41 }],
    ]);
    // The tasks ran in a domain of the test's own: no worker polling r_task could have taken them.
    expect(workflow.tasks[0].domain).toMatch(/^test-/);
    const bad = await t.call("POST", "/api/workflow/test", { name: "r_flow", taskRefToMockOutput: { a: [{ status: "DONE" }] } });
    expect(bad.status).toBe(400);
    expect(bad.json().validationErrors[0].path).toBe("taskRefToMockOutput.a[0].status");
  });

  it("stops a test run at a task without a mock and answers with the workflow as it is", async () => {
    const workflow = (await t.call("POST", "/api/workflow/test", { name: "r_flow", version: 2, taskRefToMockOutput: { a: [{ output: { x: 1 } }] } })).json();
    expect(workflow.status).toBe("RUNNING");
    expect(workflow.tasks.map((x: any) => [x.referenceTaskName, x.status])).toEqual([["a", "COMPLETED"], ["b", "SCHEDULED"]]);
  });

  it("validate's warnings include the EVENT sink trap (the same list registration logs)", async () => {
    const response = await t.call("POST", "/api/metadata/workflow/validate", {
      name: "r_sink",
      tasks: [{ name: "ask", taskReferenceName: "ask", type: "EVENT", sink: "conductor:r_reply" }],
    });
    expect(response.json().warnings).toEqual([{ path: "tasks[0]", message: expect.stringMatching(/EVENT task 'ask' publishes to 'conductor:r_reply' and completes at once/) }]);
  });

  it("metadata: validate (with warnings), names, names-and-versions, versions, latest-versions, classifier", async () => {
    const valid = await t.call("POST", "/api/metadata/workflow/validate", {
      name: "r_llm",
      tasks: [{ name: "chat", taskReferenceName: "chat", type: "LLM_CHAT_COMPLETE" }],
    });
    expect(valid.status).toBe(200);
    expect(valid.json()).toEqual({
      valid: true,
      warnings: [{ path: "tasks[0].type", message: expect.stringContaining("unknown task type 'LLM_CHAT_COMPLETE' (chat): run as a worker task") }],
    });
    const invalid = await t.call("POST", "/api/metadata/workflow/validate", { name: "r_bad", tasks: [{ name: "e", taskReferenceName: "e", type: "EVENT" }] });
    expect(invalid.status).toBe(400);
    expect(invalid.json().validationErrors[0].path).toBe("tasks[0].sink");
    expect((await t.call("GET", "/api/metadata/workflow/r_llm")).status).toBe(404); // validate registers nothing

    const names: string[] = (await t.call("GET", "/api/metadata/workflow/names")).json();
    expect(names).toEqual([...new Set(names)].sort());
    expect(names).toEqual(expect.arrayContaining(["r_flow", "r_wait"]));
    const versions = (await t.call("GET", "/api/metadata/workflow/names-and-versions")).json();
    expect(versions.r_flow.map((s: any) => s.version)).toEqual([1, 2]);
    expect(versions.r_flow[0]).toMatchObject({ name: "r_flow", version: 1 });
    expect(versions.r_flow[0].tasks).toBeUndefined();
    expect((await t.call("GET", "/api/metadata/workflow/r_flow/versions")).json().map((s: any) => s.version)).toEqual([1, 2]);
    const latest = (await t.call("GET", "/api/metadata/workflow/latest-versions")).json();
    expect(latest.filter((d: any) => d.name === "r_flow").map((d: any) => d.version)).toEqual([2]);
    expect(latest.length).toBe(names.length);

    await t.call("POST", "/api/metadata/workflow", { name: "r_agent", metadata: { classifier: "agent" }, tasks: [{ name: "r_task", taskReferenceName: "a" }] });
    const agents = (await t.call("GET", "/api/metadata/workflow?classifier=agent")).json();
    expect(agents.map((d: any) => d.name)).toEqual(["r_agent"]);
    const plain = (await t.call("GET", "/api/metadata/workflow?classifier=workflow")).json();
    expect(plain.map((d: any) => d.name)).not.toContain("r_agent");
    expect(plain.map((d: any) => d.name)).toContain("r_flow");
  });

  it("admin and queue-admin routes: pending tasks of a type, sweep, consistency check, updates by ref and by id", async () => {
    const id = await start("r_wait");
    const pending = (await t.call("GET", "/api/admin/task/WAIT")).json();
    expect(pending.map((x: any) => x.workflowInstanceId)).toContain(id);
    expect((await t.call("POST", `/api/admin/sweep/requeue/${id}`)).text).toBe(`true.${id}`);
    expect((await t.call("POST", `/api/admin/consistency/verifyAndRepair/${id}`)).text).toBe("true");
    expect((await t.call("POST", "/api/admin/consistency/verifyAndRepair/nope")).status).toBe(404);
    expect((await t.call("POST", `/api/queue/update/${id}/hold/COMPLETED`, { via: "ref" })).status).toBe(200);
    const workflow = (await t.call("GET", `/api/workflow/${id}`)).json();
    expect(workflow.tasks[0]).toMatchObject({ status: "COMPLETED", outputData: { via: "ref" } });
    const after = workflow.tasks[1];
    expect((await t.call("POST", `/api/queue/update/${id}/task/${after.taskId}/COMPLETED`, { via: "id" })).status).toBe(200);
    expect((await t.call("GET", `/api/workflow/${id}`)).json().status).toBe("COMPLETED");
    expect((await t.call("POST", `/api/queue/update/${id}/hold/COMPLETED`, {})).status).toBe(404);
  });

  it("externalstoragelocation says Baton has no external payload storage, instead of reading it as an id", async () => {
    for (const path of ["/api/workflow/externalstoragelocation", "/api/tasks/externalstoragelocation", "/api/tasks/external-storage-location"]) {
      const response = await t.call("GET", `${path}?path=x&operation=READ&payloadType=WORKFLOW_INPUT`);
      expect(response.status).toBe(501);
      expect(response.json().message).toMatch(/no external payload storage/);
    }
  });

  it("GET /api/version answers package.json's version as text", async () => {
    const { readFile } = await import("node:fs/promises");
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    const response = await t.call("GET", "/api/version");
    expect(response.contentType).toContain("text/plain");
    expect(response.text).toBe(pkg.version);
  });
});

describe("registration warnings in the log", () => {
  it("logs a line per warning, naming the definition, when such a definition is registered", async () => {
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const t = await inProcessApp({ logger: { info: (message, fields) => lines.push({ message, fields }), error: () => {} } });
    try {
      const response = await t.call("POST", "/api/metadata/workflow", {
        name: "r_logged",
        tasks: [{ name: "ask", taskReferenceName: "ask", type: "LLM_CHAT_COMPLETE" }],
      });
      expect(response.status).toBe(200);
      const logged = lines.filter((l) => l.message.includes("r_logged"));
      expect(logged).toEqual([
        {
          message: expect.stringMatching(/^warning: workflow r_logged v1: tasks\[0\]\.type: unknown task type 'LLM_CHAT_COMPLETE'/),
          fields: { workflow: "r_logged", version: 1, path: "tasks[0].type" },
        },
      ]);
      await t.call("POST", "/api/metadata/workflow", { name: "r_clean", tasks: [{ name: "x", taskReferenceName: "x" }] });
      expect(lines.some((l) => l.message.includes("r_clean"))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
