import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessApp } from "../support/app.ts";

/**
 * Bad input gets Conductor's ErrorResponse {status, message, instance, retryable,
 * validationErrors} with a message naming the field; never a 5xx; nothing stored
 * is changed by a rejected request.
 */
describe("REST errors", () => {
  let t: Awaited<ReturnType<typeof inProcessApp>>;
  beforeAll(async () => {
    t = await inProcessApp();
    await t.call("POST", "/api/metadata/taskdefs", [{ name: "e_task" }]);
    await t.call("POST", "/api/metadata/workflow", {
      name: "e_flow",
      tasks: [{ name: "e_task", taskReferenceName: "a" }],
    });
  });
  afterAll(() => t.close());

  const expectError = (
    res: { status: number; json: () => any; contentType: string | null },
    status: number,
    message: RegExp,
  ) => {
    expect(res.status).toBe(status);
    expect(res.contentType).toContain("application/json");
    const body = res.json();
    expect(body.status).toBe(status);
    expect(body.message).toMatch(message);
    expect(typeof body.retryable).toBe("boolean");
    return body;
  };

  it.each([
    ["malformed JSON", "POST", "/api/workflow", undefined, "{not json", 400, /Malformed JSON/],
    ["empty body", "POST", "/api/metadata/workflow", undefined, "", 400, /body is empty/],
    ["malformed task result", "POST", "/api/tasks", undefined, "[1,", 400, /Malformed JSON/],
    ["malformed definition list", "POST", "/api/metadata/taskdefs", undefined, "{", 400, /Malformed JSON/],
  ])("%s -> 400", async (_name, method, path, body, raw, status, message) => {
    expectError(await t.call(method, path, body, raw), status, message);
  });

  it("names missing required fields", async () => {
    const body = expectError(await t.call("POST", "/api/metadata/workflow", { tasks: [] }), 400, /name/);
    expect(body.validationErrors.map((e: any) => e.path)).toEqual(expect.arrayContaining(["name", "tasks"]));
    const missingRef = expectError(
      await t.call("POST", "/api/metadata/workflow", { name: "x", tasks: [{ name: "e_task" }] }),
      400,
      /tasks\[0\]\.taskReferenceName/,
    );
    expect(missingRef.validationErrors[0].path).toBe("tasks[0].taskReferenceName");
    expectError(await t.call("POST", "/api/workflow", { input: {} }), 400, /name: name is required/);
    expectError(await t.call("POST", "/api/tasks", { taskId: "x", status: "COMPLETED" }), 400, /workflowInstanceId/);
    expectError(
      await t.call("POST", "/api/tasks", { taskId: "x", workflowInstanceId: "y", status: "DONE" }),
      400,
      /status: status must be one of IN_PROGRESS, FAILED, FAILED_WITH_TERMINAL_ERROR, COMPLETED/,
    );
    expectError(await t.call("POST", "/api/metadata/taskdefs", [{ name: "ok" }, { retryCount: -1 }]), 400, /\[1\]\.name/);
  });

  it("rejects duplicate taskReferenceNames and a type's missing fields, naming the field", async () => {
    expectError(
      await t.call("POST", "/api/metadata/workflow", {
        name: "dupes",
        tasks: [{ name: "a", taskReferenceName: "same" }, { name: "b", taskReferenceName: "same" }],
      }),
      400,
      /tasks\[1\]\.taskReferenceName: duplicate taskReferenceName 'same'/,
    );
    expectError(
      await t.call("POST", "/api/workflow", {
        name: "inline",
        workflowDef: { name: "inline", tasks: [{ name: "a", taskReferenceName: "a", type: "EVENT" }] },
      }),
      400,
      /workflowDef\.tasks\[0\]\.sink/,
    );
  });

  it("answers 404 for unknown workflow names, ids and tasks, and 409 for a duplicate definition", async () => {
    expectError(await t.call("POST", "/api/workflow", { name: "no_such_flow" }), 404, /No such workflow found by name: no_such_flow/);
    expectError(await t.call("POST", "/api/workflow/no_such_flow", {}), 404, /no_such_flow/);
    expectError(await t.call("GET", "/api/workflow/not-an-id"), 404, /No such workflow found by id: not-an-id/);
    expectError(await t.call("PUT", "/api/workflow/not-an-id/pause"), 404, /not-an-id/);
    expectError(await t.call("GET", "/api/tasks/not-a-task"), 404, /No such task found by id: not-a-task/);
    expectError(await t.call("GET", "/api/metadata/workflow/nope"), 404, /nope/);
    expectError(await t.call("GET", "/api/metadata/taskdefs/nope"), 404, /nope/);
    expectError(
      await t.call("POST", "/api/metadata/workflow", { name: "e_flow", tasks: [{ name: "e_task", taskReferenceName: "a" }] }),
      409,
      /e_flow\.1 already exists/,
    );
    expectError(await t.call("GET", "/api/no/such/route"), 404, /No endpoint GET/);
  });

  it("rejects bad query parameters by name", async () => {
    expectError(await t.call("GET", "/api/tasks/poll/batch/e_task?timeout=6000"), 400, /timeout/);
    expectError(await t.call("GET", "/api/tasks/poll/batch/e_task?count=abc"), 400, /count/);
    expectError(await t.call("GET", "/api/workflow/search?size=6000"), 400, /size/);
    expectError(await t.call("GET", "/api/workflow/search?query=status%20LIKE%20x"), 400, /query: unknown operator 'LIKE'/);
    expectError(await t.call("POST", "/api/metadata/workflow?overwrite=maybe", { name: "q", tasks: [{ name: "a", taskReferenceName: "a" }] }), 400, /overwrite/);
  });

  it("keeps what was stored and keeps serving after rejected requests", async () => {
    const before = t.call("GET", "/api/metadata/workflow/e_flow");
    const def = (await before).json();
    expect(def.tasks).toHaveLength(1);
    await t.call("POST", "/api/metadata/workflow?overwrite=true", { name: "e_flow", tasks: [{ name: "e_task" }] });
    expect((await t.call("GET", "/api/metadata/workflow/e_flow")).json()).toEqual(def);
    const id = (await t.call("POST", "/api/workflow", { name: "e_flow", input: { ok: true } })).text;
    const wf = (await t.call("GET", `/api/workflow/${id}`)).json();
    expect(wf.status).toBe("RUNNING");
    expect(t.errors).toEqual([]);
  });

  it("refuses HEAD on a poll without claiming the task", async () => {
    const id = (await t.call("POST", "/api/workflow", { name: "e_flow", input: {} })).text;
    for (const path of ["/api/tasks/poll/e_task?workerid=head", "/api/tasks/poll/batch/e_task?workerid=head&count=5"]) {
      const res = await t.call("HEAD", path);
      expect(res.status).toBe(405);
    }
    const wf = (await t.call("GET", `/api/workflow/${id}`)).json();
    expect(wf.tasks[0].status).toBe("SCHEDULED");
    expect(wf.tasks[0].workerId ?? null).toBeNull();
  });
});
