import { type ChildProcess, spawn } from "node:child_process";
import { collectSubscription } from "../support/graphql-ws.ts";
import { once } from "node:events";
import { createServer } from "node:net";
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { eventually, http } from "../support/baton.ts";

/**
 * Subscriptions over graphql-ws against the Deno entry (src/api/deno.ts) run by
 * the real Deno binary: the portable binding through `hono/deno`'s upgradeWebSocket.
 */
const deno = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
const root = new URL("../..", import.meta.url).pathname;

let child: ChildProcess;
let output = "";
let url: string;
let client: Client;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(deno, ["run", "--allow-all", "src/api/deno.ts"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", BATON_EVENT_STORE: "memory", BATON_SWEEP_INTERVAL_MS: "50", BATON_GRAPHIQL: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`deno exited with ${child.exitCode}:\n${output}`);
    return fetch(`${url}/health`).then((r) => (r.ok ? true : undefined), () => undefined);
  }, 50_000, 200);
  client = createClient({ url: `${url.replace("http", "ws")}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
});

afterAll(async () => {
  await client?.dispose();
  if (child && child.exitCode === null) {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  }
});

function collect(query: string, variables: Record<string, unknown>, done: (items: any[]) => boolean) {
  return collectSubscription(client, query, variables, done);
}

describe("GraphQL subscriptions over graphql-ws on Deno", () => {
  it("still sends a browser on GET /graphql to the local GraphiQL and refuses upgrades without the graphql-transport-ws subprotocol", async () => {
    // Yoga's own GraphiQL page loads from a CDN, so browsers go to the console's (src/api/graphql/local-graphiql.ts).
    const page = await fetch(`${url}/graphql`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/graphiql");

    const socket = new WebSocket(`${url.replace("http", "ws")}/graphql`, ["not-graphql"]);
    socket.on("error", () => {}); // the refused handshake
    const [request, response] = (await once(socket, "unexpected-response")) as [{ destroy(): void }, { statusCode: number }];
    expect(response.statusCode).toBe(400);
    request.destroy();

    // Another site's page may not open one (cross-site WebSocket hijacking).
    const foreign = new WebSocket(`${url.replace("http", "ws")}/graphql`, ["graphql-transport-ws"], { headers: { origin: "https://evil.example" } });
    foreign.on("error", () => {});
    const [refusedRequest, refused] = (await once(foreign, "unexpected-response")) as [{ destroy(): void }, { statusCode: number }];
    expect(refused.statusCode).toBe(403);
    refusedRequest.destroy();
  });

  it("streams a workflow's events in order, then its status change", async () => {
    expect((await http(url, "POST", "/api/metadata/taskdefs", [{ name: "deno_ws_step", retryCount: 0 }])).status).toBe(200);
    const definition = { name: "deno_ws_flow", version: 1, schemaVersion: 2, tasks: [{ name: "deno_ws_step", taskReferenceName: "step", type: "SIMPLE" }] };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);

    const statuses = collect(
      `subscription { workflowStatusChanged(filter: {workflowType: "deno_ws_flow"}) { workflowId status previousStatus } }`,
      {},
      (items) => items.some((item) => item.workflowStatusChanged?.status === "COMPLETED"),
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the subscription register

    const started = await http(url, "POST", "/api/workflow", { name: "deno_ws_flow", input: { x: 1 } });
    expect(started.status).toBe(200);
    const workflowId = started.text;
    const events = collect(
      `subscription($id: ID!) { workflowEvents(workflowId: $id, fromRevision: 0) { workflowId revision type } }`,
      { id: workflowId },
      (items) => items.some((item) => item.workflowEvents?.type === "WorkflowCompleted"),
    );

    const task = await eventually(async () => {
      const polled = await http(url, "GET", "/api/tasks/poll/deno_ws_step?workerid=deno-worker");
      return polled.status === 200 ? polled.json() : undefined;
    }, 10_000);
    const updated = await http(url, "POST", "/api/tasks", {
      workflowInstanceId: workflowId,
      taskId: task.taskId,
      status: "COMPLETED",
      outputData: { done: true },
      workerId: "deno-worker",
    });
    expect(updated.status).toBe(200);

    const received = (await events.finished).map((item) => item.workflowEvents);
    const stored = (await http(url, "GET", `/api/workflow/${workflowId}/timeline`)).json() as { revision: number; type: string }[];
    expect(received.map((e) => e.revision)).toEqual(received.map((_, i) => i));
    expect(received.map((e) => [e.revision, e.type])).toEqual(stored.map((e) => [e.revision, e.type]));
    expect(received[0]).toMatchObject({ workflowId, revision: 0, type: "WorkflowStarted" });
    expect(received.at(-1).type).toBe("WorkflowCompleted");

    const changes = (await statuses.finished).map((item) => item.workflowStatusChanged).filter((c) => c.workflowId === workflowId);
    expect(changes).toEqual([
      { workflowId, status: "RUNNING", previousStatus: null },
      { workflowId, status: "COMPLETED", previousStatus: "RUNNING" },
    ]);
  });

  it("applies yoga's validation, limits and error masking over the socket", async () => {
    const [unknown] = await collect(`subscription { workflowEvents(workflowId: "nope") { revision } }`, {}, () => false).finished;
    expect(unknown.errors).toMatchObject([{ message: "No such workflow found by id: nope", extensions: { code: "NOT_FOUND" } }]);
    await expect(collect(`subscription { nope }`, {}, () => false).finished).rejects.toThrow(/Cannot query field .*nope.* on type .*Subscription/);
    const deep = `query Deep { __type(name: "Query") { ${"ofType { ".repeat(11)}name${" }".repeat(11)} } }`;
    await expect(collect(deep, {}, () => false).finished).rejects.toThrow(/Query depth limit of 10 exceeded/);
  });
});
