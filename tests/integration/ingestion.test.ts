/**
 * The ingestion service in-process (`app.request`) on the file object store,
 * Baton's embedded default: deploy end to end (objects, rewritten inputs, the
 * started workflow), retry-workflow, and bad input leaving nothing behind.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";
import { createApp } from "../../src/api/app.ts";
import type { ObjectStore } from "../../src/domain/ports.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";

const root = mkdtempSync(join(tmpdir(), "baton-ingestion-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CLEAN_XML = `<service name="clean"><step order="1">trim</step><threshold>0.5</threshold></service>`;
const LOAD_XML = `<service name="load"><target table="events"/></service>`;

export const pipeline = (name: string, cleanXml = CLEAN_XML) => ({
  name,
  version: 1,
  tasks: [
    { name: `${name}_clean`, taskReferenceName: "clean", type: "SIMPLE", inputParameters: { dp_config: cleanXml, mode: "${workflow.input.mode}" } },
    { name: `${name}_load`, taskReferenceName: "load", type: "SIMPLE", inputParameters: { dp_config: LOAD_XML, from: "${clean.output.rows}" } },
  ],
});

let n = 0;
let engine: Engine;
let objects: ObjectStore;
let app: ReturnType<typeof createApp>;
let errors: unknown[];

async function setUp(store: ObjectStore) {
  engine = await createEngine({ store: createMemoryEventStore(), evaluators: await loadEvaluators(), sweepIntervalMs: 50 });
  objects = store;
  errors = [];
  app = createApp({ engine, logError: (error) => errors.push(error), ingestion: { objects } });
}

async function call(method: string, path: string, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  // Task updates answer with the task id as plain text.
  const json = response.headers.get("content-type")?.includes("json");
  return { status: response.status, body: text === "" ? undefined : json ? (JSON.parse(text) as any) : text };
}

const readUri = (uri: string) => readFileSync(fileURLToPath(uri), "utf8");

beforeEach(async () => setUp(createFsObjectStore(join(root, `objects-${++n}`))));
afterEach(async () => engine.close());

describe("POST /workflow/deploy on the file store", () => {
  it("stores input and configs, rewrites the task inputs, registers and starts the workflow", async () => {
    const res = await call("POST", "/workflow/deploy", {
      workflow: pipeline("ingest_ok"),
      workflow_id: "run-ok-1",
      trigger_conductor: true,
      input: { input_data: "a,b\n1,2\n", mode: "fast" },
    });
    expect(res.status).toBe(200);
    const base = objects.uri("runs/run-ok-1/");
    expect(res.body).toEqual({
      runId: "run-ok-1",
      s3_input_uri: `${base}input.in`,
      s3_output_uri: `${base}output.out`,
      s3_report_uri: `${base}report/`,
      updated_json_uri: `${base}workflow.json`,
      workflow_instance_id: "run-ok-1",
      message: expect.stringContaining("started"),
    });
    expect((await objects.list("runs/run-ok-1/")).map((o) => o.key)).toEqual(
      ["clean.json", "input.in", "load.json", "output.out", "report/.keep", "workflow.json"].map((k) => `runs/run-ok-1/${k}`),
    );
    expect(readUri(res.body.s3_input_uri)).toBe("a,b\n1,2\n");
    expect(JSON.parse(readUri(`${base}clean.json`))).toEqual({ service: { "@_name": "clean", step: { "#text": "trim", "@_order": 1 }, threshold: 0.5 } });
    const stored = JSON.parse(readUri(res.body.updated_json_uri));
    expect(stored.tasks[0].inputParameters).toEqual({
      dp_config: `${base}clean.json`,
      mode: "${workflow.input.mode}",
      s3_input_uri: `${base}input.in`,
      s3_output_uri: `${base}output.out`,
      s3_report_uri: `${base}report/`,
    });

    // The registered definition is the rewritten one, and the running workflow got the URIs.
    const def = await call("GET", "/api/metadata/workflow/ingest_ok");
    expect(def.body.tasks[1].inputParameters.dp_config).toBe(`${base}load.json`);
    const workflow = await call("GET", "/api/workflow/run-ok-1");
    expect(workflow.body.status).toBe("RUNNING");
    expect(workflow.body.input).toMatchObject({ mode: "fast", s3_input_uri: `${base}input.in`, s3_report_uri: `${base}report/` });
    const polled = await call("GET", "/api/tasks/poll/ingest_ok_clean?workerid=w1");
    expect(polled.body.inputData).toEqual({
      dp_config: `${base}clean.json`,
      mode: "fast",
      s3_input_uri: `${base}input.in`,
      s3_output_uri: `${base}output.out`,
      s3_report_uri: `${base}report/`,
    });
  });

  it("deploys without starting when trigger_conductor is false, and copies an input file from the store", async () => {
    await objects.put("uploads/data.csv", "x,y\n");
    const res = await call("POST", "/workflow/deploy", {
      workflow: pipeline("ingest_nostart"),
      trigger_conductor: false,
      input: { input_file: "uploads/data.csv" },
    });
    expect(res.status).toBe(200);
    expect(res.body.workflow_instance_id).toBeNull();
    expect(res.body.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readUri(res.body.s3_input_uri)).toBe("x,y\n");
    expect(engine.models.workflows.size).toBe(0);
    expect((await call("GET", "/api/metadata/workflow/ingest_nostart")).status).toBe(200);
  });

  it("invalid XML: 400 naming the field, nothing under runs/<id>/, nothing registered", async () => {
    const res = await call("POST", "/workflow/deploy", {
      workflow: pipeline("ingest_badxml", "<service><step>trim</service>"),
      workflow_id: "run-bad-xml",
      trigger_conductor: true,
      input: { input_data: "data" },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("workflow.tasks[0].inputParameters.dp_config");
    expect(res.body.validationErrors[0].path).toBe("workflow.tasks[0].inputParameters.dp_config");
    expect(await objects.list("runs/run-bad-xml/")).toEqual([]);
    expect(await objects.list("")).toEqual([]);
    expect((await call("GET", "/api/metadata/workflow/ingest_badxml")).status).toBe(404);
    expect(engine.models.workflows.size).toBe(0);
  });

  it("a missing input file: 400 naming the file, nothing written", async () => {
    const res = await call("POST", "/workflow/deploy", {
      workflow: pipeline("ingest_nofile"),
      workflow_id: "run-no-file",
      trigger_conductor: true,
      input: { input_file: "uploads/absent.csv" },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/input\.input_file: input file file:\/\/.*uploads\/absent\.csv does not exist/);
    expect(await objects.list("")).toEqual([]);
  });

  it("a raw-data input without a raw-data source: 400 naming the field", async () => {
    const res = await call("POST", "/workflow/deploy", {
      workflow: pipeline("ingest_noraw"),
      trigger_conductor: false,
      input: { input_file: "s3://raw-data/2024/day.csv" },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("input.input_file names the raw-data bucket");
  });

  it("a bad request body: 400 naming the field", async () => {
    const missing = await call("POST", "/workflow/deploy", { trigger_conductor: true });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("workflow");
    const badId = await call("POST", "/workflow/deploy", { workflow: pipeline("w"), workflow_id: "../escape" });
    expect(badId.status).toBe(400);
    expect(badId.body.message).toContain("workflow_id");
    const badDef = await call("POST", "/workflow/deploy", { workflow: { name: "w", tasks: [{ type: "SIMPLE" }] } });
    expect(badDef.status).toBe(400);
    expect(badDef.body.message).toContain("workflow.tasks[0]");
  });

  it("a failure after writing starts deletes everything the run wrote", async () => {
    const real = createFsObjectStore(join(root, `objects-fail-${n}`));
    await engine.close();
    await setUp({
      ...real,
      put: async (key, body, options) => {
        if (key.endsWith("workflow.json")) throw new Error("disk full");
        return real.put(key, body, options);
      },
    });
    const res = await call("POST", "/workflow/deploy", {
      workflow: pipeline("ingest_diskfull"),
      workflow_id: "run-disk-full",
      trigger_conductor: true,
      input: { input_data: "data" },
    });
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(await real.list("")).toEqual([]);
    expect(engine.models.workflows.size).toBe(0);
  });

  it("a taken workflow_id: 409, and the earlier run's objects stay", async () => {
    const first = await call("POST", "/workflow/deploy", { workflow: pipeline("ingest_twice"), workflow_id: "run-twice", trigger_conductor: false });
    expect(first.status).toBe(200);
    const before = await objects.list("runs/run-twice/");
    const again = await call("POST", "/workflow/deploy", { workflow: pipeline("ingest_twice"), workflow_id: "run-twice", trigger_conductor: true });
    expect(again.status).toBe(409);
    expect(await objects.list("runs/run-twice/")).toEqual(before);
  });
});

describe("POST /workflow/deploy with the seed's KAFKA_PUBLISH layout", () => {
  it("converts the XML in kafka_request.value.data and publishes the config and run URIs inside the message", async () => {
    const published: { key?: string; value: string }[] = [];
    engine.bus.subscribe("email-hygiene-requests", async (message) => void published.push({ key: message.key, value: message.value }));
    const workflow = {
      name: "seed_hygiene",
      version: 1,
      tasks: [
        {
          name: "request_email_hygiene",
          taskReferenceName: "request_email_hygiene_ref",
          type: "KAFKA_PUBLISH",
          inputParameters: {
            kafka_request: {
              topic: "email-hygiene-requests",
              key: "${workflow.workflowId}",
              value: { workflowId: "${workflow.workflowId}", data: { dp_config: CLEAN_XML, mode: "${workflow.input.mode}" } },
            },
          },
        },
        { name: "wait_email_hygiene", taskReferenceName: "wait_email_hygiene_ref", type: "EVENT", sink: "conductor:email_hygiene_completed", asyncComplete: true },
      ],
    };
    const res = await call("POST", "/workflow/deploy", { workflow, workflow_id: "run-seed-1", trigger_conductor: true, input: { input_data: "a@b.c\n", mode: "strict" } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const base = objects.uri("runs/run-seed-1/");
    expect(JSON.parse(readUri(`${base}request_email_hygiene_ref.json`))).toEqual({
      service: { "@_name": "clean", step: { "#text": "trim", "@_order": 1 }, threshold: 0.5 },
    });

    await engine.waitForWorkflow("run-seed-1", Date.now() + 5_000, (w) => w.tasks.some((t) => t.referenceTaskName === "request_email_hygiene_ref" && t.status === "COMPLETED"));
    await vi.waitFor(() => expect(published).toHaveLength(1), { timeout: 5_000 });
    expect(published[0]!.key).toBe("run-seed-1");
    expect(JSON.parse(published[0]!.value)).toEqual({
      workflowId: "run-seed-1",
      data: {
        dp_config: `${base}request_email_hygiene_ref.json`,
        mode: "strict",
        s3_input_uri: `${base}input.in`,
        s3_output_uri: `${base}output.out`,
        s3_report_uri: `${base}report/`,
      },
    });
  });

  it("invalid XML inside the message: 400 naming the nested field, nothing written", async () => {
    const workflow = {
      name: "seed_bad",
      version: 1,
      tasks: [
        {
          name: "p",
          taskReferenceName: "p",
          type: "KAFKA_PUBLISH",
          inputParameters: { kafka_request: { topic: "t", value: { data: { dp_config: "<service><step></service>" } } } },
        },
      ],
    };
    const res = await call("POST", "/workflow/deploy", { workflow, workflow_id: "run-seed-bad", trigger_conductor: true });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^workflow\.tasks\[0\]\.inputParameters\.kafka_request\.value\.data\.dp_config: invalid XML/);
    expect(await objects.list("runs/run-seed-bad/")).toEqual([]);
  });
});

describe("POST /retry-workflow", () => {
  async function failedRun(id: string) {
    await call("POST", "/workflow/deploy", { workflow: pipeline("ingest_retry"), workflow_id: id, trigger_conductor: true, input: { input_data: "d" } });
    const clean = await call("GET", "/api/tasks/poll/ingest_retry_clean?workerid=w1");
    await call("POST", "/api/tasks", { workflowInstanceId: id, taskId: clean.body.taskId, status: "COMPLETED", outputData: { rows: 2 } });
    const load = await call("GET", "/api/tasks/poll/ingest_retry_load?workerid=w1");
    await call("POST", "/api/tasks", { workflowInstanceId: id, taskId: load.body.taskId, status: "FAILED_WITH_TERMINAL_ERROR", reasonForIncompletion: "boom" });
    expect((await call("GET", `/api/workflow/${id}`)).body.status).toBe("FAILED");
    return { cleanTaskId: clean.body.taskId as string, loadTaskId: load.body.taskId as string };
  }

  it("reruns inside Baton from the task ref's latest attempt and never calls rerun_url", async () => {
    const { loadTaskId } = await failedRun("run-retry-1");
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const res = await call("POST", "/retry-workflow", {
      rerun_url: "http://127.0.0.1:9/api/workflow/run-retry-1/rerun",
      workflowId: "run-retry-1",
      reRunFromTaskRefName: "load",
      resetTasks: ["load"],
    });
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workflowId: "run-retry-1", reRunFromTaskRefName: "load", reRunFromTaskId: loadTaskId, status: "RUNNING" });
    expect(res.body.message).toContain("rerun_url was not called");
    const load = await call("GET", "/api/tasks/poll/ingest_retry_load?workerid=w2");
    expect(load.body.referenceTaskName).toBe("load");
    expect(load.body.inputData.dp_config).toMatch(/runs\/run-retry-1\/load\.json$/);
    await call("POST", "/api/tasks", { workflowInstanceId: "run-retry-1", taskId: load.body.taskId, status: "COMPLETED" });
    const done = await engine.waitForWorkflow("run-retry-1", Date.now() + 5000);
    expect(done.status).toBe("COMPLETED");
  });

  it("accepts the payload nested under `payload`, from an earlier task", async () => {
    await failedRun("run-retry-2");
    const res = await call("POST", "/retry-workflow", {
      rerun_url: "http://example.invalid/rerun",
      payload: { workflowId: "run-retry-2", reRunFromTaskRefName: "clean", resetTasks: ["clean", "load"] },
    });
    expect(res.status).toBe(200);
    const clean = await call("GET", "/api/tasks/poll/ingest_retry_clean?workerid=w2");
    expect(clean.body.referenceTaskName).toBe("clean");
  });

  it("bad requests: unknown workflow 404, unknown ref and resetTasks 400 naming the field", async () => {
    await failedRun("run-retry-3");
    expect((await call("POST", "/retry-workflow", { workflowId: "nope", reRunFromTaskRefName: "load" })).status).toBe(404);
    const ref = await call("POST", "/retry-workflow", { workflowId: "run-retry-3", reRunFromTaskRefName: "nope" });
    expect(ref.status).toBe(400);
    expect(ref.body.message).toContain("reRunFromTaskRefName");
    const reset = await call("POST", "/retry-workflow", { workflowId: "run-retry-3", reRunFromTaskRefName: "load", resetTasks: ["ghost"] });
    expect(reset.status).toBe(400);
    expect(reset.body.message).toContain("resetTasks");
    const missing = await call("POST", "/retry-workflow", { rerun_url: "x" });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("workflowId");
  });
});
