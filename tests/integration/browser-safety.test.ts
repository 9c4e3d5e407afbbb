import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.ts";
import { authPortOf, createAuth } from "../../src/api/auth/auth.ts";
import { createGraphQL } from "../../src/api/graphql/yoga.ts";
import { inProcessApp } from "../support/app.ts";

/**
 * What a page on another site can make a visitor's browser do to a Baton on
 * localhost (authentication off, the default): CORS stays closed unless
 * allowed, and simple cross-site requests (form posts, text/plain fetches)
 * change nothing.
 */
const opened: Awaited<ReturnType<typeof inProcessApp>>[] = [];
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close();
});

async function harness(corsOrigins: string[] = []) {
  const h = await inProcessApp();
  opened.push(h);
  const auth = createAuth({ mode: "off", corsOrigins }, authPortOf(h.engine));
  const app = corsOrigins.length > 0 ? createApp({ engine: h.engine, auth, graphql: createGraphQL({ engine: h.engine, plugins: [auth.graphqlPlugin] }) }) : h.app;
  return { ...h, app };
}

const EVIL = "https://evil.example";
const taskDef = JSON.stringify([{ name: "planted", retryCount: 0, timeoutSeconds: 60, totalTimeoutSeconds: 0 }]);

describe("cross-site requests", () => {
  it("refuses a text/plain POST that would create a task definition (415), from any origin", async () => {
    const h = await harness();
    const variants: Record<string, string>[] = [{ "content-type": "text/plain;charset=UTF-8" }, { "content-type": "text/plain", origin: EVIL }, { "content-type": "application/x-www-form-urlencoded" }, {}];
    for (const headers of variants) {
      const response = await h.app.request("/api/metadata/taskdefs", { method: "POST", headers, body: taskDef });
      expect([403, 415]).toContain(response.status);
    }
    const plain = await h.app.request("/api/metadata/taskdefs", { method: "POST", headers: { "content-type": "text/plain" }, body: taskDef });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({ status: 415, message: "Content-Type: expected application/json, got 'text/plain'" });
    expect(h.engine.listTaskDefs()).toEqual([]);
  });

  it("refuses a changing request from another site's page even with JSON (403), and accepts the server's own origin", async () => {
    const h = await harness();
    const refused = await h.app.request("http://localhost/api/metadata/taskdefs", { method: "POST", headers: { "content-type": "application/json", origin: EVIL }, body: taskDef });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain(`Cross-origin POST from ${EVIL} refused`);
    expect(h.engine.listTaskDefs()).toEqual([]);
    const own = await h.app.request("http://localhost/api/metadata/taskdefs", { method: "POST", headers: { "content-type": "application/json", origin: "http://localhost" }, body: taskDef });
    expect(own.status).toBe(200);
    expect(h.engine.listTaskDefs().map((def) => def.name)).toEqual(["planted"]);
  });

  it("refuses GraphQL over text/plain (415) and runs it over JSON", async () => {
    const h = await harness();
    const body = JSON.stringify({ query: 'mutation { registerTaskDefs(definitions: [{name: "via_gql"}]) { name } }' });
    const plain = await h.app.request("/graphql", { method: "POST", headers: { "content-type": "text/plain" }, body });
    expect(plain.status).toBe(415);
    expect(h.engine.listTaskDefs()).toEqual([]);
    const ok = await h.app.request("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(ok.status).toBe(200);
    expect(h.engine.listTaskDefs().map((def) => def.name)).toEqual(["via_gql"]);
  });

  it("keeps Conductor's text/plain task log working, and bodiless changes without a content type", async () => {
    const h = await harness();
    await h.call("POST", "/api/metadata/workflow", { name: "logged", version: 1, tasks: [{ name: "t", taskReferenceName: "t", type: "SIMPLE" }] });
    const workflowId = (await h.call("POST", "/api/workflow", { name: "logged" })).text;
    const [task] = (await h.call("GET", "/api/tasks/poll/batch/t?count=1&timeout=0")).json();
    const logged = await h.app.request(`/api/tasks/${task.taskId}/log`, { method: "POST", headers: { "content-type": "text/plain" }, body: "a raw line" });
    expect(logged.status).toBe(200);
    expect((await h.call("GET", `/api/tasks/${task.taskId}/log`)).json()).toEqual([expect.objectContaining({ log: "a raw line" })]);
    const form = await h.app.request(`/api/tasks/${task.taskId}/log`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=b" });
    expect(form.status).toBe(415);
    expect(await form.text()).toContain("expected application/json or text/plain");
    expect((await h.app.request(`/api/workflow/${workflowId}/pause`, { method: "PUT" })).status).toBe(200);
  });
});

describe("CORS", () => {
  it("sends no CORS headers by default, on REST and on /graphql (yoga's reflection is off)", async () => {
    const h = await harness();
    const responses = [
      await h.app.request("/graphql", { method: "POST", headers: { "content-type": "application/json", origin: EVIL }, body: JSON.stringify({ query: "{ taskDefs { name } }" }) }),
      await h.app.request("/graphql", { method: "OPTIONS", headers: { origin: EVIL, "access-control-request-method": "POST" } }),
      await h.app.request("/api/metadata/taskdefs", { headers: { origin: EVIL } }),
      await h.app.request("/api/metadata/taskdefs", { method: "OPTIONS", headers: { origin: EVIL, "access-control-request-method": "POST" } }),
    ];
    for (const response of responses) {
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  it("allows the listed origins only, never with credentials", async () => {
    const h = await harness(["https://console.example"]);
    const allowed = await h.app.request("/graphql", {
      method: "OPTIONS",
      headers: { origin: "https://console.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-authorization" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://console.example");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-authorization");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    const query = await h.app.request("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://console.example" },
      body: JSON.stringify({ query: "{ taskDefs { name } }" }),
    });
    expect(query.status).toBe(200);
    expect(query.headers.get("access-control-allow-origin")).toBe("https://console.example");
    const other = await h.app.request("/api/metadata/taskdefs", { headers: { origin: EVIL } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    // An allowed origin may change things from its pages; others still may not.
    const change = (origin: string) =>
      h.app.request("http://localhost/api/metadata/taskdefs", { method: "POST", headers: { "content-type": "application/json", origin }, body: taskDef });
    expect((await change("https://console.example")).status).toBe(200);
    expect((await change(EVIL)).status).toBe(403);
  });
});
