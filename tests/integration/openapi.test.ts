import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as v from "valibot";
import { openApiDocument, openApiPaths, SCHEMAS } from "../../src/api/openapi/document.ts";
import { OPERATIONS } from "../../src/api/openapi/operations.ts";
import { inProcessApp } from "../support/app.ts";
import { authApp } from "../support/auth.ts";

let h: Awaited<ReturnType<typeof authApp>>;
let objectsDir: string;

beforeAll(async () => {
  objectsDir = await mkdtemp(join(tmpdir(), "baton-openapi-"));
  // Authentication on and the ingestion service mounted: every route the app can have.
  h = await authApp({}, { objectsDir });
});

afterAll(async () => {
  await h.close();
  await rm(objectsDir, { recursive: true, force: true });
});

type Doc = { openapi: string; paths: Record<string, Record<string, { summary: string; requestBody?: unknown }>>; components: { schemas: Record<string, unknown> } };

/**
 * Every `method path` (OpenAPI spelling) the Hono app routes. Left out: middleware
 * (`ALL`, and the access rules' wildcard patterns) and HEAD, which Hono answers with GET's handler.
 */
function appOperations(app: { routes: { method: string; path: string }[] } = h.app): Set<string> {
  const keys = new Set<string>();
  for (const { method, path } of app.routes) {
    if (method === "ALL" || method === "HEAD" || path.includes("*")) continue;
    for (const openApiPath of openApiPaths(path)) keys.add(`${method.toLowerCase()} ${openApiPath}`);
  }
  return keys;
}

function documented(doc: Doc): Set<string> {
  return new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)));
}

describe("the OpenAPI description", () => {
  it("is served at /api-docs without a token, as OpenAPI 3.1", async () => {
    const response = await h.app.request("/api-docs");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Doc;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(80);
  });

  it("describes every route of the app, and nothing the app does not serve", () => {
    const doc = openApiDocument() as Doc;
    const inApp = appOperations();
    expect(inApp.size).toBeGreaterThan(90);
    const inDoc = documented(doc);
    expect([...inApp].filter((key) => !inDoc.has(key)), "routes missing from src/api/openapi/operations.ts").toEqual([]);
    expect([...inDoc].filter((key) => !inApp.has(key)), "described routes the app does not serve").toEqual([]);
  });

  it("would notice a new route", () => {
    const inDoc = documented(openApiDocument() as Doc);
    const grown = { routes: [...h.app.routes, { method: "GET", path: "/api/not-described/:id" }] };
    expect([...appOperations(grown)].filter((key) => !inDoc.has(key))).toEqual(["get /api/not-described/{id}"]);
  });

  it("takes request bodies from the valibot schemas, and every reference resolves", () => {
    const doc = openApiDocument() as Doc;
    const taskDef = doc.components.schemas.TaskDef as { properties: Record<string, { default?: unknown; enum?: unknown[] }>; required: string[] };
    expect(taskDef.required).toContain("name");
    expect(taskDef.properties.retryLogic!.enum).toEqual(["FIXED", "LINEAR_BACKOFF", "EXPONENTIAL_BACKOFF"]);
    expect(taskDef.properties.retryCount!.default).toBe(3);
    expect(doc.paths["/api/metadata/taskdefs"]!.post!.requestBody).toEqual({
      required: true,
      content: { "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/TaskDef" } } } },
    });
    const text = JSON.stringify(doc);
    const refs = new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!));
    expect(refs.size).toBeGreaterThan(5);
    for (const ref of refs) {
      expect(ref.startsWith("#/components/schemas/"), ref).toBe(true);
      expect(doc.components.schemas[ref.slice("#/components/schemas/".length)], ref).toBeDefined();
    }
    // The recursive task list of a workflow refers to the shared WorkflowTask.
    expect(JSON.stringify(doc.components.schemas.WorkflowDef)).toContain("#/components/schemas/WorkflowTask");
  });

  it("has a browsable page whose assets are all served here", async () => {
    const page = await h.app.request("/api-docs/ui");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources).toContain("/api-docs/ui.js");
    for (const source of sources) {
      expect(source.startsWith("/"), `${source} is not local`).toBe(true);
      expect((await h.app.request(source)).status, source).toBe(200);
    }
    const script = await h.app.request("/api-docs/ui.js");
    expect(script.headers.get("content-type")).toContain("text/javascript");
    const code = await script.text();
    expect(() => new Function(code)).not.toThrow(); // it parses
    expect(code).toContain('fetch("/api-docs")');
  });
});

describe("response schemas", () => {
  it("describes the definition routes' answers with the valibot schemas they validate with, and real answers parse with them", async () => {
    const doc = openApiDocument() as Doc & { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
    const schemaOf = (method: string, path: string) => doc.paths[path]![method]!.responses["200"]!.content!["application/json"]!.schema;
    expect(schemaOf("get", "/api/metadata/workflow/{name}")).toEqual({ $ref: "#/components/schemas/WorkflowDef" });
    expect(schemaOf("get", "/api/metadata/taskdefs")).toEqual({ type: "array", items: { $ref: "#/components/schemas/TaskDef" } });
    expect(schemaOf("get", "/api/event")).toEqual({ type: "array", items: { $ref: "#/components/schemas/EventHandler" } });
    // Every named response resolves to a component.
    for (const [key, operation] of Object.entries(OPERATIONS)) {
      if (!operation.response) continue;
      const name = /^\[?(\w+)\]?$/.exec(operation.response)![1]!;
      expect(doc.components.schemas[name], key).toBeDefined();
    }

    const t = await inProcessApp();
    try {
      await t.call("POST", "/api/metadata/taskdefs", [{ name: "doc_task", retryCount: 2 }]);
      await t.call("POST", "/api/metadata/workflow", { name: "doc_flow", version: 1, schemaVersion: 2, tasks: [{ name: "doc_task", taskReferenceName: "t", type: "SIMPLE" }] });
      await t.call("POST", "/api/event", { name: "doc_handler", event: "kafka:doc", active: true, actions: [{ action: "complete_task", complete_task: { workflowId: "${workflowId}", taskRefName: "t" } }] });
      const answers: [string, string][] = [
        ["GET /api/metadata/workflow/:name", "/api/metadata/workflow/doc_flow"],
        ["GET /api/metadata/workflow", "/api/metadata/workflow"],
        ["GET /api/metadata/taskdefs/:name", "/api/metadata/taskdefs/doc_task"],
        ["GET /api/metadata/taskdefs", "/api/metadata/taskdefs"],
        ["GET /api/event", "/api/event"],
        ["GET /api/metadata/workflow/names", "/api/metadata/workflow/names"],
      ];
      for (const [route, path] of answers) {
        const response = OPERATIONS[route]!.response!;
        const array = /^\[(\w+)\]$/.exec(response);
        const schema = SCHEMAS[(array ? array[1] : response) as keyof typeof SCHEMAS] as v.GenericSchema;
        const answer = await t.call("GET", path);
        expect(answer.status, path).toBe(200);
        const body = answer.json();
        if (array) expect(body.length, path).toBeGreaterThan(0);
        const issues = (array ? (body as unknown[]) : [body]).flatMap((item) => v.safeParse(schema, item).issues ?? []);
        expect(issues.map((issue) => `${path}: ${v.getDotPath(issue)} ${issue.message}`)).toEqual([]);
      }
    } finally {
      await t.close();
    }
  });
});

describe("response schemas of workflows, tasks, searches, polls and queues", () => {
  /** The valibot schema a route's `response` names, and whether the answer is an array of it. */
  const responseOf = (route: string) => {
    const response = OPERATIONS[route]?.response;
    expect(response, `${route} names no response`).toBeDefined();
    const array = /^\[(\w+)\]$/.exec(response!);
    return { schema: SCHEMAS[(array ? array[1] : response) as keyof typeof SCHEMAS] as v.GenericSchema, array: array !== null };
  };
  const problems = (route: string, body: unknown): string[] => {
    const { schema, array } = responseOf(route);
    const items = array ? (body as unknown[]) : [body];
    return items.flatMap((item) => v.safeParse(schema, item).issues ?? []).map((issue) => `${route}: ${v.getDotPath(issue)} ${issue.message}`);
  };

  it("describes each of these routes' answers by a component that resolves", () => {
    const doc = openApiDocument() as Doc & { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
    const schemaOf = (method: string, path: string, type = "application/json") => doc.paths[path]![method]!.responses["200"]!.content![type]!.schema;
    expect(schemaOf("get", "/api/workflow/{workflowId}")).toEqual({ $ref: "#/components/schemas/Workflow" });
    expect(schemaOf("get", "/api/tasks/{taskId}")).toEqual({ $ref: "#/components/schemas/Task" });
    expect(schemaOf("get", "/api/tasks/poll/batch/{taskType}")).toEqual({ type: "array", items: { $ref: "#/components/schemas/Task" } });
    expect(schemaOf("post", "/api/workflow", "text/plain")).toEqual({ $ref: "#/components/schemas/WorkflowId" });
    // Statuses as the routes answer them: 201 for a created key, 204 where a route may answer nothing.
    expect(Object.keys(doc.paths["/api/admin/keys"]!.post!.responses)).toEqual(["201", "default"]);
    expect(Object.keys(doc.paths["/api/tasks/poll/{taskType}"]!.get!.responses)).toEqual(["200", "204", "default"]);
    const workflow = doc.components.schemas.Workflow as { required: string[]; properties: Record<string, { $ref?: string; items?: { $ref: string }; enum?: string[] }> };
    expect(workflow.required).toEqual(expect.arrayContaining(["workflowId", "status", "tasks"]));
    expect(workflow.properties.tasks!.items).toEqual({ $ref: "#/components/schemas/Task" });
    expect(workflow.properties.status!.enum).toContain("TERMINATED");
    const search = doc.components.schemas.SearchResultWorkflowSummary as { properties: { results: { items: unknown } } };
    expect(search.properties.results.items).toEqual({ $ref: "#/components/schemas/WorkflowSummary" });
  });

  it("real answers parse with the schemas their routes name", async () => {
    const t = await inProcessApp();
    try {
      await t.call("POST", "/api/metadata/taskdefs", [{ name: "resp_task", retryCount: 0 }]);
      await t.call("POST", "/api/metadata/workflow", {
        name: "resp_flow",
        version: 1,
        schemaVersion: 2,
        tasks: [
          { name: "resp_task", taskReferenceName: "first", type: "SIMPLE" },
          { name: "resp_task", taskReferenceName: "second", type: "SIMPLE" },
        ],
      });
      const started = await t.call("POST", "/api/workflow", { name: "resp_flow", input: { n: 1 }, correlationId: "resp-corr" });
      expect(started.status).toBe(200);
      expect(problems("POST /api/workflow", started.text)).toEqual([]);
      const id = started.text;
      const byName = await t.call("POST", "/api/workflow/resp_flow?correlationId=resp-corr", { n: 2 });
      expect(problems("POST /api/workflow/:name", byName.text)).toEqual([]);

      const polled = await t.call("GET", "/api/tasks/poll/batch/resp_task?count=2&timeout=500&workerid=w1");
      expect(polled.status).toBe(200);
      expect(polled.json().length).toBeGreaterThan(0);
      expect(problems("GET /api/tasks/poll/batch/:taskType", polled.json())).toEqual([]);
      const task = polled.json().find((candidate: { workflowInstanceId: string }) => candidate.workflowInstanceId === id) ?? polled.json()[0];

      const answers: [string, string][] = [
        ["GET /api/workflow/:workflowId", `/api/workflow/${id}`],
        ["GET /api/workflow/:workflowId/status", `/api/workflow/${id}/status?includeOutput=true&includeVariables=true`],
        ["GET /api/workflow/:workflowId/tasks", `/api/workflow/${id}/tasks`],
        ["GET /api/workflow/:name/correlated/:correlationId", "/api/workflow/resp_flow/correlated/resp-corr?includeTasks=true"],
        ["GET /api/workflow/running/:name", "/api/workflow/running/resp_flow"],
        ["GET /api/workflow/search", "/api/workflow/search"],
        ["GET /api/workflow/search-v2", "/api/workflow/search-v2"],
        ["GET /api/workflow/search-by-tasks", "/api/workflow/search-by-tasks?query=taskType%3Dresp_task"],
        ["GET /api/workflow/search-by-tasks-v2", "/api/workflow/search-by-tasks-v2?query=taskType%3Dresp_task"],
        ["GET /api/tasks/:taskId", `/api/tasks/${task.taskId}`],
        ["GET /api/tasks/search", "/api/tasks/search"],
        ["GET /api/tasks/search-v2", "/api/tasks/search-v2"],
        ["GET /api/tasks/queue/sizes", "/api/tasks/queue/sizes?taskType=resp_task"],
        ["GET /api/tasks/queue/size", "/api/tasks/queue/size?taskType=resp_task"],
        ["GET /api/tasks/queue/all", "/api/tasks/queue/all"],
        // Described as whole definitions before; they answer summaries (name, version, times).
        ["GET /api/metadata/workflow/:name/versions", "/api/metadata/workflow/resp_flow/versions"],
        ["GET /api/metadata/workflow/names-and-versions", "/api/metadata/workflow/names-and-versions"],
      ];
      for (const [route, path] of answers) {
        const answer = await t.call("GET", path);
        expect(answer.status, path).toBe(200);
        const body = answer.json();
        if (Array.isArray(body)) expect(body.length, path).toBeGreaterThan(0);
        if (body && typeof body === "object" && "results" in body) expect((body as { results: unknown[] }).results.length, path).toBeGreaterThan(0);
        expect(problems(route, body)).toEqual([]);
      }

      const correlated = await t.call("POST", "/api/workflow/resp_flow/correlated?includeTasks=true", ["resp-corr"]);
      expect(correlated.json()["resp-corr"].length).toBeGreaterThan(0);
      expect(problems("POST /api/workflow/:name/correlated", correlated.json())).toEqual([]);

      // A finished task, a failure reason and the next poll (update-v2), then a workflow answered after an update.
      const next = await t.call("POST", "/api/tasks/update-v2", { workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, status: "COMPLETED", outputData: { ok: true }, workerId: "w1" });
      if (next.status === 200) expect(problems("POST /api/tasks/update-v2", next.json())).toEqual([]);
      else expect(next.status).toBe(204);
      const synced = await t.call("POST", `/api/tasks/${task.workflowInstanceId}/second/FAILED/sync`, { why: "no" });
      expect(synced.status).toBe(200);
      expect(synced.json().status).toBe("FAILED");
      expect(problems("POST /api/tasks/:workflowId/:taskRefName/:status/sync", synced.json())).toEqual([]);
      const failedSummary = await t.call("GET", `/api/workflow/search?query=${encodeURIComponent("status = FAILED")}`);
      expect(failedSummary.json().totalHits).toBeGreaterThan(0);
      expect(problems("GET /api/workflow/search", failedSummary.json())).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it("the schemas reject an answer that is not of their shape (so the parse above could fail)", () => {
    expect(problems("GET /api/workflow/:workflowId", { workflowId: "x", status: "DONE", tasks: [] }).length).toBeGreaterThan(0);
    expect(problems("GET /api/tasks/queue/sizes", { resp_task: -1 })).not.toEqual([]);
    expect(problems("GET /api/workflow/search", { totalHits: 1, results: [{ workflowId: "x", startTime: "yesterday" }] })).not.toEqual([]);
  });
});

describe("query parameters", () => {
  type Parameter = { name: string; in: string; schema: { type?: string; minimum?: number; maximum?: number; default?: unknown } };
  const parametersOf = (method: string, path: string) =>
    ((openApiDocument() as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> }).paths[path]![method]!.parameters ?? []).filter((p) => p.in === "query");

  it("are described from each route's valibot query object: every entry, with its type, bounds and default", () => {
    for (const [key, operation] of Object.entries(OPERATIONS)) {
      if (!operation.query) continue;
      const [method, honoPath] = key.split(" ") as [string, string];
      for (const path of openApiPaths(honoPath)) {
        expect(parametersOf(method.toLowerCase(), path).map((p) => p.name), key).toEqual(Object.keys(operation.query.entries));
      }
    }
    const poll = parametersOf("get", "/api/tasks/poll/batch/{taskType}");
    expect(poll.find((p) => p.name === "count")!.schema).toEqual({ type: "integer", minimum: 1, maximum: 1000, default: 1 });
    expect(poll.find((p) => p.name === "timeout")!.schema).toEqual({ type: "integer", minimum: 0, maximum: 5000, default: 100 });
    expect(parametersOf("get", "/api/workflow/{workflowId}").find((p) => p.name === "includeTasks")!.schema).toEqual({ type: "boolean", default: true });
    expect(parametersOf("get", "/api/tasks/queue/sizes")).toEqual([{ name: "taskType", in: "query", required: false, style: "form", explode: true, schema: { type: "array", items: { type: "string" } } }]);
    // Read by the routes and undescribed before.
    expect(parametersOf("post", "/api/tasks/{workflowId}/{status}/signal/sync").map((p) => p.name)).toContain("timeoutMillis");
    expect(parametersOf("post", "/api/metadata/workflow").map((p) => p.name)).toEqual(["overwrite"]);
  });

  it("the routes read their query with the same object: its bounds are the ones enforced, and a bad value is a 400 naming the parameter", async () => {
    const t = await inProcessApp();
    try {
      const bad = async (path: string) => {
        const answer = await t.call("GET", path);
        expect(answer.status, path).toBe(400);
        return answer.json().message as string;
      };
      const countMax = parametersOf("get", "/api/tasks/poll/batch/{taskType}").find((p) => p.name === "count")!.schema.maximum!;
      expect((await t.call("GET", `/api/tasks/poll/batch/none?count=${countMax}&timeout=0`)).status).toBe(200);
      expect(await bad(`/api/tasks/poll/batch/none?count=${countMax + 1}`)).toBe(`count: expected a whole number between 1 and ${countMax}, got '${countMax + 1}'`);
      const sizeMax = parametersOf("get", "/api/workflow/search").find((p) => p.name === "size")!.schema.maximum!;
      expect((await t.call("GET", `/api/workflow/search?size=${sizeMax}`)).status).toBe(200);
      expect(await bad(`/api/workflow/search?size=${sizeMax + 1}`)).toMatch(/^size: expected a whole number between 0 and 5000/);
      expect(await bad("/api/tasks/search?size=ten")).toMatch(/^size: expected a whole number/);
      expect(await bad("/api/dagruns?limit=0")).toMatch(/^limit: expected a whole number between 1 and 1000/);
      expect(await bad("/api/metadata/workflow?short=maybe")).toMatch(/^short: expected true or false/);
      // Blank is absent, and Spring's boolean words are accepted in any case.
      expect((await t.call("GET", "/api/tasks/poll/batch/none?count=&timeout=0")).status).toBe(200);
      expect((await t.call("GET", "/api/event/some-event?activeOnly=NO")).status).toBe(200);
      // Repeated parameters arrive as a list.
      await t.call("POST", "/api/metadata/taskdefs", [{ name: "q_a" }, { name: "q_b" }]);
      expect((await t.call("GET", "/api/tasks/queue/sizes?taskType=q_a&taskType=q_b")).json()).toEqual({ q_a: 0, q_b: 0 });
    } finally {
      await t.close();
    }
  });
});
