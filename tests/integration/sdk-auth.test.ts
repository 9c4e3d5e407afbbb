import { type ConductorWorker, noopLogger, OrkesClients, TaskHandler } from "@io-orkes/conductor-javascript";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { authPortOf } from "../../src/api/auth/auth.ts";
import { createKey } from "../../src/api/auth/routes.ts";
import type { ApiKeyRole } from "../../src/domain/api-keys/api-key.ts";
import { testHasher } from "../support/auth.ts";
import { eventually, startBaton, type TestBaton } from "../support/baton.ts";
import { collectSubscription } from "../support/graphql-ws.ts";

/**
 * The official JavaScript SDK against a server with BATON_AUTH=required, given
 * only keyId/keySecret as its README says: it fetches a token from
 * POST /api/token, sends it in X-Authorization, and fetches a new one when the
 * server answers EXPIRED_TOKEN (tokens here live 2 seconds).
 */
let baton: TestBaton;
const handlers: TaskHandler[] = [];

beforeAll(async () => {
  baton = await startBaton({ env: { BATON_AUTH: "required", BATON_AUTH_SECRET: "t".repeat(40), BATON_TOKEN_TTL_SECONDS: "2" } });
});

afterAll(async () => {
  for (const handler of handlers) await handler.stopWorkers();
  await baton?.close();
});

const newKey = (role: ApiKeyRole, taskTypes: string[] = []) =>
  createKey(authPortOf(baton.engine), testHasher, { name: `sdk-${role}`, role, taskTypes }, { kind: "system", detail: "test" });

async function clientsWith(key?: { keyId: string; keySecret: string }) {
  delete process.env.CONDUCTOR_SERVER_URL;
  delete process.env.CONDUCTOR_AUTH_KEY;
  delete process.env.CONDUCTOR_AUTH_SECRET;
  return OrkesClients.from({ serverUrl: baton.url, ...(key ? { keyId: key.keyId, keySecret: key.keySecret } : {}), logger: noopLogger });
}

describe("official SDK with keyId/keySecret against an auth-enabled Baton", () => {
  it("is refused without a key", async () => {
    const anonymous = await clientsWith();
    await expect(anonymous.getMetadataClient().getAllTaskDefs()).rejects.toThrow(/401|Authentication required/);
  });

  it("registers and starts with an admin key, runs the task with a worker key for its type, across token expiry", async () => {
    const admin = await clientsWith(await newKey("admin"));
    const worker = await clientsWith(await newKey("worker", ["auth_greet"]));
    await admin.getMetadataClient().registerTasks([{ name: "auth_greet", retryCount: 0, timeoutSeconds: 60, responseTimeoutSeconds: 30, totalTimeoutSeconds: 0 }]);
    await admin.getWorkflowClient().registerWorkflow(true, {
      name: "auth_hello",
      version: 1,
      timeoutSeconds: 0,
      tasks: [{ name: "auth_greet", taskReferenceName: "greet", type: "SIMPLE", inputParameters: { name: "${workflow.input.name}" } }],
      outputParameters: { message: "${greet.output.message}" },
    } as never);
    const greet: ConductorWorker = {
      taskDefName: "auth_greet",
      pollInterval: 50,
      execute: async (task) => ({ status: "COMPLETED", outputData: { message: `Hello ${String(task.inputData?.name)}` } }),
    };
    const handler = new TaskHandler({ client: worker.getClient(), workers: [greet], scanForDecorated: false, logger: noopLogger });
    handlers.push(handler);
    await handler.startWorkers();

    const first = await admin.getWorkflowClient().startWorkflow({ name: "auth_hello", version: 1, input: { name: "Baton" } });
    const done = await eventually(async () => {
      const workflow = await admin.getWorkflowClient().getWorkflow(first, false);
      return workflow.status === "COMPLETED" ? workflow : undefined;
    }, 15_000);
    expect(done.output).toEqual({ message: "Hello Baton" });

    // Past the 2-second token lifetime: the SDK's requests get EXPIRED_TOKEN, fetch a new token and go on.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const second = await admin.getWorkflowClient().startWorkflow({ name: "auth_hello", version: 1, input: { name: "again" } });
    const later = await eventually(async () => {
      const workflow = await admin.getWorkflowClient().getWorkflow(second, false);
      return workflow.status === "COMPLETED" ? workflow : undefined;
    }, 15_000);
    expect(later.output).toEqual({ message: "Hello again" });
  });

  it("keeps a worker key to its task types and a reader key to reads", async () => {
    const reader = await clientsWith(await newKey("reader"));
    expect(Array.isArray(await reader.getMetadataClient().getAllTaskDefs())).toBe(true);
    await expect(reader.getMetadataClient().registerTasks([{ name: "reader_made", retryCount: 0, timeoutSeconds: 60, totalTimeoutSeconds: 0 }])).rejects.toThrow(/403|Forbidden/);
    const worker = await clientsWith(await newKey("worker", ["auth_greet"]));
    await expect(worker.getMetadataClient().getAllTaskDefs()).rejects.toThrow(/403|Forbidden/);
  });
});

describe("graphql-ws with authentication on", () => {
  const url = () => `${baton.url.replace("http", "ws")}/graphql`;
  const token = async (role: ApiKeyRole) => {
    const key = await newKey(role);
    const response = await fetch(`${baton.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(key) });
    return ((await response.json()) as { token: string }).token;
  };

  it("takes the token in connectionParams; refuses a connection without one (4403) and mutations from readers", async () => {
    const readerToken = await token("reader");
    const reader = createClient({ url: url(), webSocketImpl: WebSocket, lazy: true, retryAttempts: 0, connectionParams: { "X-Authorization": readerToken } });
    try {
      const stats = collectSubscription(reader, "subscription { stats { total } }", {}, (items) => items.length >= 1);
      expect((await stats.finished)[0]).toMatchObject({ stats: { total: expect.any(Number) } });
      const mutation = collectSubscription(reader, 'mutation { registerTaskDefs(definitions: [{name: "ws_made"}]) { name } }', {});
      const [result] = await mutation.finished;
      expect(result.errors[0].extensions.code).toBe("FORBIDDEN");
    } finally {
      await reader.dispose();
    }
    for (const connectionParams of [undefined, { "X-Authorization": "forged" }, { Authorization: `Bearer ${await token("worker")}` }]) {
      const refused = createClient({ url: url(), webSocketImpl: WebSocket, lazy: true, retryAttempts: 0, connectionParams });
      try {
        await expect(collectSubscription(refused, "subscription { stats { total } }", {}).finished).rejects.toThrow(/4403/);
      } finally {
        await refused.dispose();
      }
    }
  });

  it("refuses upgrades from another site's page", async () => {
    const status = await new Promise<number | string>((resolve) => {
      const socket = new WebSocket(url(), "graphql-transport-ws", { headers: { origin: "https://evil.example" } });
      socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      socket.on("open", () => {
        socket.close();
        resolve("opened");
      });
      socket.on("error", () => undefined);
    });
    expect(status).toBe(403);
  });
});
