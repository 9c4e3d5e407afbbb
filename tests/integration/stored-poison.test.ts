/**
 * No stored value can break a read (issue 10): logs written before the input
 * limits may hold values nested far deeper than JSON.stringify can take. Such
 * values are written straight into a file log here (bypassing the edge), the
 * server restarts on it, and every read endpoint, GraphQL view and the replay,
 * state and audit commands must still answer, showing the too-deep part as a
 * placeholder.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsCheckpointStore } from "../../src/adapters/checkpoints/fs.ts";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { createApp } from "../../src/api/app.ts";
import { runCli } from "../../src/cli/baton.ts";
import { SERVED_JSON_DEPTH, tooDeepPlaceholder } from "../../src/domain/json-depth.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";

// Far past what any recursive walk (JSON.stringify included) survives.
const DEPTH = 100_000;
const deepText = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const MARKERS = ["__DEEP_INPUT__", "__DEEP_DEF__", "__DEEP_OUTPUT__"];
const PLACEHOLDER = tooDeepPlaceholder(SERVED_JSON_DEPTH);

type App = ReturnType<typeof createApp>;

async function open(dir: string) {
  const store = await openFileEventStore({ dir, fsync: false });
  const logged: string[] = [];
  const engine = await createEngine({
    store,
    evaluators: await loadEvaluators(),
    sweepIntervalMs: 50,
    // A checkpoint after every event: encoding one must not stop the read models either.
    checkpoints: createFsCheckpointStore(join(dir, "checkpoints")),
    checkpointEvery: 1,
    logger: { info: () => {}, error: (message) => logged.push(message) },
  });
  const errors: unknown[] = [];
  const app = createApp({ engine, logError: (error) => errors.push(error) });
  return { engine, app, errors, logged, close: async () => (await engine.close(), await store.close()) };
}

async function call(app: App, method: string, path: string, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as any };
}

/** Replaces each `"<marker>"` in the log with a value nested DEPTH deep, keeping the records' checksums valid. */
async function poison(dir: string) {
  const file = join(dir, "events.log");
  const deep = deepText(DEPTH);
  const lines = (await readFile(file, "utf8")).split("\n").filter((line) => line !== "");
  let replaced = 0;
  const rewritten = lines.map((line) => {
    let body = line.slice(9);
    for (const marker of MARKERS) {
      replaced += body.split(`"${marker}"`).length - 1;
      body = body.split(`"${marker}"`).join(deep);
    }
    return `${crc32(Buffer.from(body, "utf8")).toString(16).padStart(8, "0")} ${body}`;
  });
  await writeFile(file, `${rewritten.join("\n")}\n`);
  // The checkpoints hold the values as they were before: start from the log.
  await rm(join(dir, "checkpoints"), { recursive: true, force: true });
  return replaced;
}

describe("a log holding values nested 100,000 deep", () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof open>>;
  let running: string;
  let completed: string;
  let runningTaskId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-poison-"));
    const first = await open(dir);
    const definition = {
      name: "poisoned",
      tasks: [{ name: "work", taskReferenceName: "work", type: "SIMPLE", inputParameters: { deep: "${workflow.input.deep}", cfg: "__DEEP_DEF__" } }],
    };
    expect((await call(first.app, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    completed = (await call(first.app, "POST", "/api/workflow", { name: "poisoned", input: { deep: "__DEEP_INPUT__" } })).text;
    const [task] = (await call(first.app, "GET", "/api/tasks/poll/batch/work?workerid=w&count=1&timeout=0")).json();
    const done = await call(first.app, "POST", "/api/tasks", {
      workflowInstanceId: completed,
      taskId: task.taskId,
      status: "COMPLETED",
      outputData: { result: "__DEEP_OUTPUT__" },
    });
    expect(done.status).toBe(200);
    running = (await call(first.app, "POST", "/api/workflow", { name: "poisoned", input: { deep: "__DEEP_INPUT__" }, correlationId: "poison-corr" })).text;
    runningTaskId = (await call(first.app, "GET", `/api/workflow/${running}`)).json().tasks[0].taskId;
    await first.close();
    expect(await poison(dir)).toBeGreaterThanOrEqual(6);
    server = await open(dir); // the restart: read models rebuilt from the poisoned log
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("still answers the default search, freeText and query searches (they were 500 for everyone)", async () => {
    const all = await call(server.app, "GET", "/api/workflow/search");
    expect(all.status, all.text).toBe(200);
    expect(all.json().totalHits).toBe(2);
    const summary = all.json().results.find((result: any) => result.workflowId === running);
    expect(summary.input).toContain(JSON.stringify(PLACEHOLDER));
    expect(JSON.parse(summary.input).deep.a.a.a).toBeTypeOf("object");
    const byText = await call(server.app, "GET", "/api/workflow/search?freeText=poison-corr");
    expect([byText.status, byText.json().results.map((r: any) => r.workflowId)]).toEqual([200, [running]]);
    const inValues = await call(server.app, "GET", "/api/workflow/search?freeText=not-in-any-value");
    expect([inValues.status, inValues.json().totalHits]).toEqual([200, 0]);
    for (const path of ["/api/workflow/search-v2", "/api/workflow/search-by-tasks", "/api/tasks/search", "/api/tasks/search-v2", "/api/tasks/search?freeText=zz"]) {
      const response = await call(server.app, "GET", path);
      expect([path, response.status], response.text.slice(0, 300)).toEqual([path, 200]);
    }
    const byQuery = await call(server.app, "GET", "/api/workflow/search?query=status%20%3D%20COMPLETED");
    expect([byQuery.status, byQuery.json().results.map((r: any) => r.workflowId)]).toEqual([200, [completed]]);
    expect(server.errors).toEqual([]);
  });

  it("serves the workflows, their tasks and definitions with the too-deep part replaced", async () => {
    for (const path of [
      `/api/workflow/${running}`,
      `/api/workflow/${completed}?includeTasks=true`,
      `/api/workflow/${completed}/status?includeOutput=true`,
      `/api/tasks/${runningTaskId}`,
      "/api/metadata/workflow",
      "/api/metadata/workflow/poisoned",
      `/api/workflow/${running}/at?revision=1`,
      `/api/workflow/poisoned/correlated/poison-corr`,
    ]) {
      const response = await call(server.app, "GET", path);
      expect([path, response.status], response.text.slice(0, 300)).toEqual([path, 200]);
      expect(response.text).toContain(JSON.stringify(PLACEHOLDER));
    }
    const timeline = await call(server.app, "GET", `/api/workflow/${running}/timeline`);
    expect([timeline.status, timeline.json().map((entry: any) => entry.type)]).toEqual([200, ["WorkflowStarted", "TaskScheduled"]]);
    const workflow = (await call(server.app, "GET", `/api/workflow/${completed}`)).json();
    expect(workflow.status).toBe("COMPLETED");
    let value = workflow.output.result;
    for (let level = 3; level < SERVED_JSON_DEPTH; level++) value = value.a;
    expect(value).toEqual({ a: PLACEHOLDER });
    expect(server.errors).toEqual([]);
  });

  it("keeps the read models going when a checkpoint cannot be encoded, and says why", async () => {
    const before = (await call(server.app, "GET", `/api/workflow/${running}/status`)).json();
    expect(before.status).toBe("RUNNING");
    const paused = await call(server.app, "PUT", `/api/workflow/${running}/pause`);
    expect(paused.status, paused.text).toBe(200);
    expect((await call(server.app, "GET", `/api/workflow/${running}/status`)).json().status).toBe("PAUSED");
    expect((await call(server.app, "PUT", `/api/workflow/${running}/resume`)).status).toBe(200);
    expect(server.logged.join("\n")).toMatch(/could not encode the read-model checkpoint: Maximum call stack size exceeded/);
  });

  it("refuses a command whose events would copy a too-deep value (a rerun of the poisoned workflow) with a 400 naming where, writing nothing", async () => {
    const before = (await server.engine.readWorkflowEvents(completed)).length;
    const rerun = await call(server.app, "POST", `/api/workflow/${completed}/rerun`, {});
    expect(rerun.status, rerun.text.slice(0, 300)).toBe(400);
    expect(rerun.json().message).toMatch(/nested (deeper than 256 levels at .*a\.a\.a|too deep to process).*nothing was written/);
    expect((await server.engine.readWorkflowEvents(completed)).length).toBe(before);
    expect((await call(server.app, "GET", "/health")).status).toBe(200);
    expect(server.errors).toEqual([]);
  });

  it("hands the task with its too-deep input to a worker that polls", async () => {
    const polled = await call(server.app, "GET", "/api/tasks/poll/batch/work?workerid=w2&count=1&timeout=0");
    expect(polled.status, polled.text.slice(0, 300)).toBe(200);
    expect(polled.json()[0]).toMatchObject({ taskId: runningTaskId, status: "IN_PROGRESS" });
    expect(polled.text).toContain(JSON.stringify(PLACEHOLDER));
  });

  it("answers the GraphQL views without errors (workflows was 'Unexpected error.')", async () => {
    const query = `{
      workflows(search: {}) { totalHits results { workflowId input output } }
      workflow(id: "${running}") { input tasks { inputData } }
      workflowDefs { definition }
      timeline(workflowId: "${completed}") { type }
    }`;
    const response = await call(server.app, "POST", "/graphql", { query });
    expect(response.status).toBe(200);
    const body = response.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.workflows.totalHits).toBe(2);
    expect(JSON.stringify(body.data.workflow.input)).toContain(PLACEHOLDER);
    expect(JSON.stringify(body.data.workflowDefs)).toContain(PLACEHOLDER);
    expect(server.errors).toEqual([]);
  });

  it("replays, and prints state and audit, from the CLI (replay crashed)", async () => {
    await server.close();
    try {
      const run = async (args: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli(args, { out: (text) => out.push(text), err: { write: (text: string) => err.push(text) }, env: {} });
        return { code, out: out.join("\n"), err: err.join("") };
      };
      const replay = await run(["replay", "--data-dir", dir]);
      expect(replay.err).not.toMatch(/failed/);
      expect([replay.code, replay.out]).toEqual([0, expect.stringContaining("result: equal")]);
      const state = await run(["state", completed, "--at", "4", "--data-dir", dir]);
      expect(state.code, state.err).toBe(0);
      expect(state.out).toContain(JSON.stringify(PLACEHOLDER));
      const audit = await run(["audit", completed, "--json", "--data-dir", dir]);
      expect(audit.code, audit.err).toBe(0);
    } finally {
      server = await open(dir);
    }
  }, 60_000);
});
