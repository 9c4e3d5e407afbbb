/**
 * Input limits at every way in (issue 10): request bodies by size and JSON
 * nesting, search queries, GraphQL documents and variables, XML service
 * configurations, and bus messages for the router and event handlers. Each
 * refusal is a 400/413 naming the field (or JSON path) and the setting, never
 * a 500 or an empty body.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { loadEvaluators } from "../../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";
import { createApp } from "../../src/api/app.ts";
import { loadConfig } from "../../src/api/config.ts";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../../src/api/input-limits.ts";
import { startServer } from "../../src/api/node.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { createEventRouter } from "../../src/engine/router/event-router.ts";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { eventually } from "../support/baton.ts";
import { collectSubscription } from "../support/graphql-ws.ts";

const objectsRoot = mkdtempSync(join(tmpdir(), "baton-limits-"));
afterAll(() => rmSync(objectsRoot, { recursive: true, force: true }));

/** `[[[...1...]]]` nested `depth` arrays deep, as text (the shape that broke reads at 2,500). */
const deepArrayText = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
/** `{"a":{"a":...}}` nested `depth` objects deep, as text. */
const deepObjectText = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

interface Harness {
  engine: Engine;
  errors: unknown[];
  request(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<{ status: number; text: string; json: () => any }>;
}

const opened: Engine[] = [];
afterEach(async () => {
  for (const engine of opened.splice(0)) await engine.close();
});

async function boot(limits: Partial<InputLimits> = {}): Promise<Harness> {
  const bus = createMemoryBus();
  const store = createMemoryEventStore();
  const engine = await createEngine({ store, bus, evaluators: await loadEvaluators(), sweepIntervalMs: 50 });
  opened.push(engine);
  const router = await createEventRouter({ engine, bus, store });
  const errors: unknown[] = [];
  const app = createApp({
    engine,
    router,
    logError: (error) => errors.push(error),
    ingestion: { objects: createFsObjectStore(join(objectsRoot, `objects-${opened.length}-${Date.now()}`)) },
    limits: { ...DEFAULT_INPUT_LIMITS, ...limits },
  });
  const request: Harness["request"] = async (method, path, body, headers = { "content-type": "application/json" }) => {
    const response = await app.request(path, { method, headers, body });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  };
  return { engine, errors, request };
}

const json = (value: unknown) => JSON.stringify(value);
const flow = { name: "limits_flow", tasks: [{ name: "work", taskReferenceName: "work", type: "SIMPLE" }] };

describe("request bodies", () => {
  it("refuses a body over BATON_MAX_BODY_BYTES with 413 and an ErrorResponse naming the setting (a 50 MB description was accepted)", async () => {
    const h = await boot();
    const huge = json({ ...flow, description: "x".repeat(DEFAULT_INPUT_LIMITS.maxBodyBytes + 1) });
    const response = await h.request("POST", "/api/metadata/workflow", huge);
    expect(response.status).toBe(413);
    expect(response.json()).toMatchObject({
      status: 413,
      message: "Request body is larger than 4194304 bytes (the limit is BATON_MAX_BODY_BYTES)",
      instance: "/api/metadata/workflow",
      retryable: false,
    });
    expect((await h.request("GET", "/api/metadata/workflow")).json()).toEqual([]);
  });

  it("applies the configured size to every way in: start input, GraphQL, ingestion", async () => {
    const h = await boot({ maxBodyBytes: 2048 });
    expect((await h.request("POST", "/api/metadata/workflow", json(flow))).status).toBe(200);
    const input = { blob: "y".repeat(4096) };
    const start = await h.request("POST", "/api/workflow", json({ name: "limits_flow", input }));
    expect(start.status).toBe(413);
    expect(start.json().message).toMatch(/larger than 2048 bytes \(the limit is BATON_MAX_BODY_BYTES\)/);
    const graphql = await h.request("POST", "/graphql", json({ query: "mutation($i: JSON) { startWorkflow(request: {name: \"limits_flow\", input: $i}) { workflowId } }", variables: { i: input } }));
    expect(graphql.status).toBe(413);
    const deploy = await h.request("POST", "/workflow/deploy", json({ workflow: flow, trigger_conductor: false, input }));
    expect(deploy.status).toBe(413);
    expect([...h.engine.workflows()].length).toBe(0);
  });

  it("refuses a start input nested 2,500 deep with 400 naming the JSON path (it was accepted, then broke every search)", async () => {
    const h = await boot();
    expect((await h.request("POST", "/api/metadata/workflow", json(flow))).status).toBe(200);
    const response = await h.request("POST", "/api/workflow", `{"name":"limits_flow","input":{"x":${deepArrayText(2500)}}}`);
    expect(response.status).toBe(400);
    const body = response.json();
    const path = `input.x${"[0]".repeat(126)}`;
    expect(body).toMatchObject({ status: 400, message: `${path}: JSON nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)` });
    expect(body.validationErrors).toEqual([{ path, message: "nested deeper than 128 levels (BATON_MAX_JSON_DEPTH)" }]);
    expect([...h.engine.workflows()].length).toBe(0);
    expect((await h.request("GET", "/api/workflow/search")).status).toBe(200);
  });

  it("refuses a definition whose inputParameters nest 3,000 deep (it broke GET /api/metadata/workflow)", async () => {
    const h = await boot();
    const definition = `{"name":"deep_def","tasks":[{"name":"t","taskReferenceName":"t","type":"SIMPLE","inputParameters":${deepObjectText(3000)}}]}`;
    const response = await h.request("POST", "/api/metadata/workflow", definition);
    expect(response.status).toBe(400);
    expect(response.json().validationErrors[0].path).toMatch(/^tasks\[0\]\.inputParameters\.a\.a\./);
    const list = await h.request("GET", "/api/metadata/workflow");
    expect([list.status, list.json()]).toEqual([200, []]);
  });

  it("answers a body nested 5,000 deep with a 400 ErrorResponse on every JSON route, never a 500 or an empty body", async () => {
    const h = await boot();
    const body = deepArrayText(5000);
    for (const [method, path] of [
      ["POST", "/api/workflow"],
      ["POST", "/api/workflow/limits_flow"],
      ["POST", "/api/metadata/workflow"],
      ["PUT", "/api/metadata/workflow"],
      ["POST", "/api/metadata/taskdefs"],
      ["POST", "/api/tasks"],
      ["POST", "/api/tasks/update-v2"],
      ["POST", "/api/event"],
      ["POST", "/api/workflow/bulk/terminate"],
      ["POST", "/workflow/deploy"],
      ["POST", "/retry-workflow"],
    ] as const) {
      const response = await h.request(method, path, body);
      expect([path, response.status], response.text).toEqual([path, 400]);
      expect(response.json()).toMatchObject({ status: 400, message: `${"[0]".repeat(128)}: JSON nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)` });
    }
    // Inside otherwise valid requests, where the value used to reach the store (and fail there with a 500).
    expect((await h.request("POST", "/api/metadata/workflow", json(flow))).status).toBe(200);
    const start = await h.request("POST", "/api/workflow", `{"name":"limits_flow","input":{"v":${body}}}`);
    expect([start.status, start.json().validationErrors[0].path]).toEqual([400, `input.v${"[0]".repeat(126)}`]);
    const update = await h.request("POST", "/api/tasks", `{"workflowInstanceId":"w","taskId":"t","status":"COMPLETED","outputData":{"v":${body}}}`);
    expect([update.status, update.json().validationErrors[0].path]).toEqual([400, `outputData.v${"[0]".repeat(126)}`]);
    expect(h.errors).toEqual([]);
  });

  it("accepts nesting up to the limit, and the limit is configurable", async () => {
    const h = await boot({ maxJsonDepth: 10 });
    expect((await h.request("POST", "/api/metadata/workflow", json(flow))).status).toBe(200);
    // {request} > input > 8 levels of a = 10 containers
    const ok = await h.request("POST", "/api/workflow", `{"name":"limits_flow","input":${deepObjectText(9)}}`);
    expect(ok.status, ok.text).toBe(200);
    const tooDeep = await h.request("POST", "/api/workflow", `{"name":"limits_flow","input":${deepObjectText(10)}}`);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.json().message).toBe(`input${".a".repeat(9)}: JSON nested deeper than 10 levels (the limit is BATON_MAX_JSON_DEPTH)`);
  });
});

describe("request bodies on the Node server", () => {
  /** A body sent in chunks, without Content-Length (as the SDK's fetch sends some). */
  const streamed = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let at = 0; at < bytes.length; at += 1000) controller.enqueue(bytes.subarray(at, at + 1000));
        controller.close();
      },
    });

  it("counts a chunked body as it streams in: 413 past BATON_MAX_BODY_BYTES, and the routes read one within it", async () => {
    const server = await startServer(loadConfig({ PORT: "0", HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", BATON_ROUTER_ENABLED: "false", BATON_MAX_BODY_BYTES: "2048" }));
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const post = (path: string, text: string) =>
        fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: streamed(text), duplex: "half" } as RequestInit);
      const big = await post("/api/metadata/taskdefs", json([{ name: "x".repeat(5000) }]));
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ message: "Request body is larger than 2048 bytes (the limit is BATON_MAX_BODY_BYTES)" });
      const sized = await fetch(`${url}/api/metadata/taskdefs`, { method: "POST", headers: { "content-type": "application/json" }, body: json([{ name: "y".repeat(5000) }]) });
      expect(sized.status).toBe(413);
      const small = await post("/api/metadata/taskdefs", json([{ name: "small_task" }]));
      expect(small.status, await small.text()).toBe(200);
      const graphql = await post("/graphql", json({ query: "{ taskDefs { name } }" }));
      expect(await graphql.json()).toEqual({ data: { taskDefs: [{ name: "small_task" }] } });
    } finally {
      await server.close();
    }
  });
});

describe("search queries", () => {
  it("refuses 3,500 '(' with a 400 naming the setting (it was a 500), over REST and GraphQL", async () => {
    const h = await boot();
    const query = encodeURIComponent("(".repeat(3500));
    const rest = await h.request("GET", `/api/workflow/search?query=${query}`);
    expect(rest.status).toBe(400);
    expect(rest.json()).toMatchObject({ message: "query: parentheses nested deeper than 16 (the limit is BATON_MAX_SEARCH_QUERY_DEPTH)" });
    for (const path of ["/api/tasks/search", "/api/workflow/search-by-tasks", "/api/workflow/search-v2"]) {
      const other = await h.request("GET", `${path}?query=${query}`);
      expect([path, other.status, other.json().message]).toEqual([path, 400, "query: parentheses nested deeper than 16 (the limit is BATON_MAX_SEARCH_QUERY_DEPTH)"]);
    }
    const graphql = await h.request("POST", "/graphql", json({ query: "query($q: String) { workflows(search: {query: $q}) { totalHits } }", variables: { q: "(".repeat(3500) } }));
    expect(graphql.json().errors[0]).toMatchObject({
      message: "query: parentheses nested deeper than 16 (the limit is BATON_MAX_SEARCH_QUERY_DEPTH)",
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(h.errors).toEqual([]);
  });

  it("refuses a query longer than BATON_MAX_SEARCH_QUERY_CHARS, as configured", async () => {
    const h = await boot({ searchQuery: { maxChars: 50, maxDepth: 4 } });
    const long = await h.request("GET", `/api/workflow/search?query=${encodeURIComponent(`workflowId IN (${"w,".repeat(30)}w)`)}`);
    expect(long.status).toBe(400);
    expect(long.json().message).toMatch(/^query: 77 characters, more than 50 \(the limit is BATON_MAX_SEARCH_QUERY_CHARS\)$/);
    expect((await h.request("GET", `/api/workflow/search?query=${encodeURIComponent("((((status = RUNNING))))")}`)).status).toBe(200);
  });
});

describe("GraphQL documents and variables", () => {
  it("refuses a document nested 2,000 deep before parsing, naming the setting (it was 'Unexpected error.')", async () => {
    const h = await boot();
    const response = await h.request("POST", "/graphql", json({ query: `{ workflows(search: {query: ${"[".repeat(2000)}"x"${"]".repeat(2000)}}) { totalHits } }` }));
    const errors = response.json().errors;
    expect(errors).toEqual([
      expect.objectContaining({
        message: "GraphQL document nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)",
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
      }),
    ]);
    const selections = await h.request("POST", "/graphql", json({ query: `{${"a{".repeat(2000)}b${"}".repeat(2001)}` }));
    expect(selections.json().errors[0].message).toBe("GraphQL document nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)");
    expect(h.errors).toEqual([]);
  });

  it("stops parsing after BATON_MAX_GRAPHQL_TOKENS tokens", async () => {
    const h = await boot({ maxGraphqlTokens: 200 });
    const fields = Array.from({ length: 150 }, (_, i) => `f${i}: workflowDefs { name }`).join(" ");
    const response = await h.request("POST", "/graphql", json({ query: `{ ${fields} }` }));
    expect(response.json().errors[0]).toMatchObject({
      message: "GraphQL document has more than 200 tokens (the limit is BATON_MAX_GRAPHQL_TOKENS)",
      extensions: { code: "BAD_USER_INPUT" },
    });
    const small = await h.request("POST", "/graphql", json({ query: "{ workflowDefs { name } }" }));
    expect(small.json()).toEqual({ data: { workflowDefs: [] } });
  });

  it("refuses variables nested deeper than BATON_MAX_JSON_DEPTH, naming their path, before running the mutation", async () => {
    const h = await boot();
    expect((await h.request("POST", "/api/metadata/workflow", json(flow))).status).toBe(200);
    const response = await h.request(
      "POST",
      "/graphql",
      `{"query":"mutation($i: JSON) { startWorkflow(request: {name: \\"limits_flow\\", input: $i}) { workflowId } }","variables":{"i":${deepObjectText(5000)}}}`,
    );
    const [error] = response.json().errors;
    expect(error.message).toBe(`variables.i${".a".repeat(127)}: JSON nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)`);
    expect(error.extensions.code).toBe("BAD_USER_INPUT");
    expect([...h.engine.workflows()].length).toBe(0);
    expect(h.errors).toEqual([]);
  });
});

describe("GraphQL over graphql-ws", () => {
  it("refuses over-nested variables and documents on the socket too, and the socket stays usable", async () => {
    const server = await startServer(loadConfig({ PORT: "0", HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", BATON_ROUTER_ENABLED: "false" }));
    const client = createClient({ url: `ws://127.0.0.1:${server.port}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    try {
      const mutation = "mutation($i: JSON) { startWorkflow(request: {name: \"nope\", input: $i}) { workflowId } }";
      const deep = JSON.parse(deepObjectText(1000)); // the client stringifies it, with recursion
      const [refused] = await collectSubscription(client, mutation, { i: deep }).finished;
      expect(refused.errors[0].message).toBe(`variables.i${".a".repeat(127)}: JSON nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)`);
      const [tooDeep] = await collectSubscription(client, `{ workflows(search: {query: ${"[".repeat(300)}"x"${"]".repeat(300)}}) { totalHits } }`, {}).finished.catch(
        (error: Error) => [{ errors: [{ message: error.message }] }],
      );
      expect(JSON.stringify(tooDeep)).toContain("GraphQL document nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)");
      const [fine] = await collectSubscription(client, "{ workflowDefs { name } }", {}).finished;
      expect(fine).toEqual({ workflowDefs: [] });
    } finally {
      await client.dispose();
      await server.close();
    }
  });
});

describe("ingestion XML", () => {
  const deploy = (dpConfig: string) =>
    json({
      workflow: { name: "xml_flow", tasks: [{ name: "clean", taskReferenceName: "clean", type: "SIMPLE", inputParameters: { dp_config: dpConfig } }] },
      trigger_conductor: false,
    });

  it("refuses a DOCTYPE with an external entity with 400 naming dp_config (it was a 500)", async () => {
    const h = await boot();
    const xml = `<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><service>&x;</service>`;
    const response = await h.request("POST", "/workflow/deploy", deploy(xml));
    expect(response.status).toBe(400);
    expect(response.json().message).toBe(
      "workflow.tasks[0].inputParameters.dp_config: invalid XML service configuration: DOCTYPE and ENTITY declarations are not accepted",
    );
    expect(h.errors).toEqual([]);
  });

  it("refuses elements nested past fast-xml-parser's limit with 400 naming dp_config (it was a 500)", async () => {
    const h = await boot();
    const response = await h.request("POST", "/workflow/deploy", deploy(`<s>${"<b>".repeat(500)}${"</b>".repeat(500)}</s>`));
    expect(response.status).toBe(400);
    expect(response.json().message).toMatch(/^workflow\.tasks\[0\]\.inputParameters\.dp_config: invalid XML service configuration: /);
    expect(h.errors).toEqual([]);
  });
});

describe("bus messages", () => {
  it("records a completion nested too deep as malformed with the reason, and goes on with the next message", async () => {
    const h = await boot();
    await h.engine.bus.publish("conductor-events", { value: `{"workflowId":"w","eventType":"e","data":${deepObjectText(5000)}}` });
    await h.engine.bus.publish("conductor-events", { value: json({ workflowId: "nope", eventType: "e", data: {} }) });
    const unmatched = await eventually(async () => {
      const list = (await h.request("GET", "/api/router/unmatched")).json() as any[];
      return list.length === 2 ? list : undefined;
    }, 5_000, 10);
    expect(unmatched.map((u) => u.cause)).toEqual(["unknown_workflow", "malformed"]);
    expect(unmatched[1].reason).toBe(`data${".a".repeat(127)}: JSON nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)`);
  });

  it("records a FAILED event execution for a message nested too deep, without running the action", async () => {
    const h = await boot();
    const handler = {
      name: "on_deep",
      event: "conductor:deep",
      active: true,
      actions: [{ action: "start_workflow", start_workflow: { name: "limits_flow", input: { v: "${value}" } } }],
    };
    expect((await h.request("POST", "/api/metadata/workflow", json(flow))).status).toBe(200);
    expect((await h.request("POST", "/api/event", json(handler))).status).toBe(200);
    await h.engine.bus.publish("conductor:deep", { value: `{"value":${deepArrayText(5000)}}` });
    const executions = await eventually(async () => {
      const list = (await h.request("GET", "/api/event/executions/on_deep")).json() as any[];
      return list.length === 1 ? list : undefined;
    }, 5_000, 10);
    expect(executions[0]).toMatchObject({
      status: "FAILED",
      output: { exception: `message refused: value${"[0]".repeat(127)}: JSON nested deeper than 128 levels (the limit is BATON_MAX_JSON_DEPTH)` },
    });
    expect([...h.engine.workflows()].length).toBe(0);
  });
});
