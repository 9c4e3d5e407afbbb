import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildSchema,
  getNamedType,
  type GraphQLField,
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { typeDefs } from "../../src/api/graphql/schema.generated.ts";
import { authApp } from "../support/auth.ts";

/**
 * Every route of the app and every GraphQL mutation and subscription, with
 * authentication on: without a token each is refused (401), and with a key of
 * too small a role (403). The expectations are this file's own, not read from
 * the policy, so a route added without an access rule fails here unless it
 * needs admin (the default).
 */

/** Routes anyone may call. OPTIONS: CORS preflights never carry credentials and run nothing. */
const PUBLIC = new Set(["GET /health", "HEAD /health", "GET /api/health", "HEAD /api/health", "GET /health/live", "HEAD /health/live", "GET /health/ready", "HEAD /health/ready", "GET /metrics", "HEAD /metrics", "GET /api-docs", "HEAD /api-docs", "GET /api-docs/ui", "HEAD /api-docs/ui", "GET /api-docs/ui.js", "HEAD /api-docs/ui.js", "POST /api/token", "GET /", "HEAD /", "GET /graphiql", "HEAD /graphiql", "GET /assets/:file", "HEAD /assets/:file"]);
/** Routes a worker key may call (for its task types only). */
const WORKER = new Set([
  "GET /api/tasks/poll/batch/:taskType",
  "HEAD /api/tasks/poll/batch/:taskType",
  "GET /api/tasks/poll/:taskType",
  "HEAD /api/tasks/poll/:taskType",
  "POST /api/tasks",
  "POST /api/tasks/update-v2",
  "POST /api/tasks/:taskId/log",
  "POST /api/tasks/:taskId/ack",
  "POST /api/tasks/:workflowId/:taskRefName/:status",
]);
/** Reads that are admin-only all the same. */
const ADMIN_READS = /^(GET|HEAD) \/api\/admin\//;

let h: Awaited<ReturnType<typeof authApp>>;
let objectsDir: string;
let tokens: { reader: string; worker: string; admin: string };
let task: { taskId: string; workflowId: string; ref: string };

const headers = (token?: string) => ({ "content-type": "application/json", ...(token ? { "x-authorization": token } : {}) });

beforeAll(async () => {
  objectsDir = await mkdtemp(join(tmpdir(), "baton-auth-routes-"));
  h = await authApp({}, { objectsDir, fanoutPrefix: "/fanout" });
  tokens = { reader: await h.tokenOfRole("reader"), worker: await h.tokenOfRole("worker", ["allowed_type"]), admin: await h.tokenOfRole("admin") };
  // A real task of a type the worker key may not touch, so body- and id-based checks have something to look up.
  const admin = headers(tokens.admin);
  await h.app.request("/api/metadata/workflow", {
    method: "POST",
    headers: admin,
    body: JSON.stringify({ name: "guarded", version: 1, tasks: [{ name: "forbidden_type", taskReferenceName: "guarded_ref", type: "SIMPLE" }] }),
  });
  const started = await h.app.request("/api/workflow", { method: "POST", headers: admin, body: JSON.stringify({ name: "guarded" }) });
  const workflowId = await started.text();
  const workflow = (await (await h.app.request(`/api/workflow/${workflowId}`, { headers: admin })).json()) as { tasks: { taskId: string }[] };
  task = { taskId: workflow.tasks[0]!.taskId, workflowId, ref: "guarded_ref" };
});

afterAll(async () => {
  await h.close();
  await rm(objectsDir, { recursive: true, force: true });
});

/** Every distinct METHOD path the app routes, handlers and access rules alike. */
function allRoutes(): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const { method, path } of h.app.routes) {
    if (method === "ALL") continue; // middleware, which runs for every route listed here
    seen.set(`${method} ${path}`, { method, path });
  }
  return [...seen.values()];
}

function concrete(path: string): string {
  const values: Record<string, string> = { taskId: task.taskId, workflowId: task.workflowId, taskRefName: task.ref, taskType: "forbidden_type", status: "COMPLETED" };
  return path.replace(/:(\w+)\??/g, (_, name: string) => encodeURIComponent(values[name] ?? "x")).replace(/\*/g, "x");
}

async function call(method: string, path: string, token?: string) {
  const body = ["POST", "PUT", "PATCH", "DELETE"].includes(method)
    ? JSON.stringify({ taskId: task.taskId, workflowInstanceId: task.workflowId, status: "COMPLETED", name: "x", role: "admin" })
    : undefined;
  return h.app.request(concrete(path), { method, headers: headers(token), body });
}

describe("every REST route with authentication on", () => {
  it("lists the routes this test covers (ingestion and the fan-out compatibility API included)", () => {
    const keys = allRoutes().map((r) => `${r.method} ${r.path}`);
    expect(keys.length).toBeGreaterThan(60);
    expect(keys).toEqual(expect.arrayContaining(["POST /workflow/deploy", "POST /api/metadata/taskdefs", "GET /api/workflow/:workflowId", "DELETE /api/admin/keys/:keyId", "POST /fanout/api/orchestrate", "GET /fanout/api/tasks/:taskId", "POST /api/contact", "GET /", "GET /assets/:file"]));
  });

  it("refuses every non-public route without a token (401, Conductor's ErrorResponse), and with a forged one", async () => {
    const failures: string[] = [];
    for (const { method, path } of allRoutes()) {
      const key = `${method} ${path}`;
      if (PUBLIC.has(key) || method === "OPTIONS") continue;
      for (const token of [undefined, "not-a-token", `${tokens.admin.slice(0, -2)}xx`]) {
        const response = await call(method, path, token);
        // HEAD answers carry no body; their GET twin's body is checked.
        const body = response.status === 401 && method !== "HEAD" ? ((await response.json()) as { status: number; message: string; retryable: boolean }) : { status: 401, message: "" };
        if (response.status !== 401 || body.status !== 401 || typeof body.message !== "string") failures.push(`${key} (${token ? "bad token" : "no token"}): ${response.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("refuses under-privileged keys (403): readers may only read, workers only work, admin reads need admin", async () => {
    const failures: string[] = [];
    for (const { method, path } of allRoutes()) {
      const key = `${method} ${path}`;
      if (PUBLIC.has(key) || method === "OPTIONS") continue;
      // POST /graphql carries queries too: its mutations are checked per operation below.
      const read = ((method === "GET" || method === "HEAD") && !WORKER.has(key) && !ADMIN_READS.test(key)) || key === "POST /graphql";
      const underPrivileged = read ? ["worker"] : WORKER.has(key) ? ["reader"] : ["reader", "worker"];
      for (const role of underPrivileged) {
        const response = await call(method, path, tokens[role as "reader" | "worker"]);
        if (response.status !== 403) failures.push(`${key} as ${role}: ${response.status}`);
      }
    }
    expect(failures).toEqual([]);
    // Nothing a refused call asked for happened.
    const defs = (await (await h.app.request("/api/metadata/taskdefs", { headers: headers(tokens.admin) })).json()) as unknown[];
    expect(defs).toEqual([]);
  });

  it("lets a worker key work only on its task types (path, body, task id and task reference checked)", async () => {
    const worker = tokens.worker;
    expect((await h.app.request("/api/tasks/poll/batch/allowed_type?count=1&timeout=0", { headers: headers(worker) })).status).toBe(200);
    expect((await h.app.request("/api/tasks/poll/batch/forbidden_type?count=1&timeout=0", { headers: headers(worker) })).status).toBe(403);
    const update = { taskId: task.taskId, workflowInstanceId: task.workflowId, status: "COMPLETED" };
    const refused = await h.app.request("/api/tasks", { method: "POST", headers: headers(worker), body: JSON.stringify(update) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain("may not work on tasks of type forbidden_type");
    const logged = await h.app.request(`/api/tasks/${task.taskId}/log`, { method: "POST", headers: { ...headers(worker), "content-type": "text/plain" }, body: "hi" });
    expect(logged.status).toBe(403);
    // An unrestricted worker key may; the task is then done.
    const anyType = await h.tokenOfRole("worker");
    expect((await h.app.request("/api/tasks", { method: "POST", headers: headers(anyType), body: JSON.stringify(update) })).status).toBe(200);
    const after = (await (await h.app.request(`/api/tasks/${task.taskId}`, { headers: headers(tokens.reader) })).json()) as { status: string };
    expect(after.status).toBe("COMPLETED");
  });

  it("keeps the public routes open and answers reads for readers", async () => {
    expect((await h.app.request("/health")).status).toBe(200);
    expect((await h.app.request("/api/health")).status).toBe(200);
    // The console's files are public: the page asks for a key and calls everything else with a token.
    expect((await h.app.request("/")).status).toBe(200);
    expect(await (await h.app.request("/assets/app.js")).text()).toBe("console.log(1)");
    expect((await h.app.request("/api/metadata/workflow", { headers: headers(tokens.reader) })).status).toBe(200);
    expect((await h.app.request("/api/metadata/workflow", { headers: { authorization: `Bearer ${tokens.reader}` } })).status).toBe(200);
  });
});

/** A value of `type` that passes validation (the refusal must come from authorisation, not from bad arguments). */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) if (isNonNullType(field.type)) value[field.name] = sample(field.type);
    return value;
  }
  if (isScalarType(type)) return ({ Int: 1, Float: 1, Boolean: true, ID: "x", String: "x" } as Record<string, unknown>)[type.name] ?? {};
  throw new Error(`no sample for ${String(type)}`);
}

function operation(kind: "mutation" | "subscription", field: GraphQLField<unknown, unknown>) {
  const args = field.args.filter((arg) => isNonNullType(arg.type));
  const variables = Object.fromEntries(args.map((arg) => [arg.name, sample(arg.type)]));
  const declared = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(", ");
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const selection = isObjectType(getNamedType(field.type)) ? " { __typename }" : "";
  return {
    query: `${kind}${declared ? `(${declared})` : ""} { ${field.name}${passed ? `(${passed})` : ""}${selection} }`,
    variables,
  };
}

describe("every GraphQL mutation and subscription with authentication on", () => {
  const schema = buildSchema(typeDefs);
  const mutations = Object.values(schema.getMutationType()!.getFields());
  const subscriptions = Object.values(schema.getSubscriptionType()!.getFields());

  const post = (body: unknown, token?: string, accept = "application/json") =>
    h.app.request("/graphql", { method: "POST", headers: { ...headers(token), accept }, body: JSON.stringify(body) });

  it("covers the schema's operations", () => {
    expect(mutations.map((m) => m.name)).toEqual(expect.arrayContaining(["registerTaskDefs", "startWorkflow", "completeTask"]));
    expect(subscriptions.map((s) => s.name)).toEqual(expect.arrayContaining(["workflowEvents", "stats"]));
  });

  it("refuses each mutation without a token (401) and for readers and workers (403), running none of them", async () => {
    const failures: string[] = [];
    for (const field of mutations) {
      const request = operation("mutation", field);
      const anonymous = await post(request);
      if (anonymous.status !== 401) failures.push(`${field.name} anonymous: ${anonymous.status}`);
      for (const role of ["reader", "worker"] as const) {
        const response = await post(request, tokens[role]);
        const text = await response.text();
        if (response.status !== 403 || (role === "reader" && !text.includes("FORBIDDEN"))) failures.push(`${field.name} as ${role}: ${response.status} ${text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    const defs = (await (await h.app.request("/api/metadata/taskdefs", { headers: headers(tokens.admin) })).json()) as unknown[];
    expect(defs).toEqual([]);
  });

  it("answers nothing to a plain request that only claims to be a WebSocket upgrade", async () => {
    const response = await h.app.request("/graphql?query=%7BtaskDefs%7Bname%7D%7D", { headers: { upgrade: "websocket", accept: "application/json" } });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('"data"');
  });

  it("lets readers query and admins mutate", async () => {
    const query = await post({ query: "{ taskDefs { name } }" }, tokens.reader);
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { taskDefs: [] } });
    const mutation = await post({ query: 'mutation { registerTaskDefs(definitions: [{name: "gql_made"}]) { name } }' }, tokens.admin);
    expect(mutation.status).toBe(200);
    expect(((await mutation.json()) as { errors?: unknown }).errors).toBeUndefined();
  });

  it("streams a subscription over SSE to a reader's token", async () => {
    const response = await post({ query: "subscription { stats { total } }" }, tokens.reader, "text/event-stream");
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = "";
    while (!/"stats"/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toMatch(/"stats":\{"total":\d+\}/);
  });

  it("refuses each subscription over SSE without a token (401) and for workers (403)", async () => {
    const failures: string[] = [];
    for (const field of subscriptions) {
      const request = operation("subscription", field);
      const anonymous = await post(request, undefined, "text/event-stream");
      if (anonymous.status !== 401) failures.push(`${field.name} anonymous: ${anonymous.status}`);
      const worker = await post(request, tokens.worker, "text/event-stream");
      if (worker.status !== 403) failures.push(`${field.name} as worker: ${worker.status}`);
    }
    expect(failures).toEqual([]);
  });
});
