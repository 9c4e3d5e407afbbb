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
