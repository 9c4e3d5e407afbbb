import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.ts";
import { createGraphQL } from "../../src/api/graphql/yoga.ts";
import { authApp } from "../support/auth.ts";

/** POST /api/token as the Conductor SDKs call it, and what tokens are worth afterwards. */
const opened: Awaited<ReturnType<typeof authApp>>[] = [];
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close();
});

async function harness(settings: Parameters<typeof authApp>[0] = {}) {
  const h = await authApp(settings);
  opened.push(h);
  return h;
}

const json = { "content-type": "application/json" };
const requestToken = (h: Awaited<ReturnType<typeof authApp>>, body: unknown) =>
  h.app.request("/api/token", { method: "POST", headers: json, body: JSON.stringify(body) });

describe("tokens", () => {
  it("issues a token for a key's id and secret, and refuses a wrong secret, an unknown key and a revoked key alike", async () => {
    const h = await harness();
    const key = await h.key("reader");
    const ok = await requestToken(h, { keyId: key.keyId, keySecret: key.keySecret });
    expect(ok.status).toBe(200);
    const { token } = (await ok.json()) as { token: string };
    expect(token.split(".")).toHaveLength(3);
    expect((await h.app.request("/api/workflow/search", { headers: { "x-authorization": token } })).status).toBe(200);

    for (const body of [{ keyId: key.keyId, keySecret: "wrong" }, { keyId: "no-such-key", keySecret: key.keySecret }]) {
      const refused = await requestToken(h, body);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ status: 401, message: "Invalid keyId or keySecret", retryable: false });
    }
    const missing = await requestToken(h, { keyId: key.keyId });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("keySecret");

    await h.engine.revokeApiKey(key.keyId, { kind: "system" });
    expect((await requestToken(h, { keyId: key.keyId, keySecret: key.keySecret })).status).toBe(401);
    // Revoking ends the tokens already issued, at once.
    const after = await h.app.request("/api/workflow/search", { headers: { "x-authorization": token } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: "INVALID_TOKEN" });
  });

  it("expires tokens after BATON_TOKEN_TTL_SECONDS with EXPIRED_TOKEN, the code the SDKs refresh on", async () => {
    let now = Date.now();
    const h = await harness({ tokenTtlSeconds: 60, clock: () => now });
    const token = await h.tokenOfRole("admin");
    expect((await h.app.request("/api/metadata/taskdefs", { headers: { "x-authorization": token } })).status).toBe(200);
    now += 61_000;
    const expired = await h.app.request("/api/metadata/taskdefs", { headers: { "x-authorization": token } });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ status: 401, error: "EXPIRED_TOKEN" });
  });

  it("refuses a token signed with another secret", async () => {
    const other = await harness({ signingSecret: "o".repeat(40) });
    const h = await harness();
    const token = await other.tokenOfRole("admin");
    const response = await h.app.request("/api/metadata/taskdefs", { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: "INVALID_TOKEN" });
  });

  it("rate-limits failed token requests per source address (429 with Retry-After), not other addresses", async () => {
    let now = 1_000_000;
    let address = "10.0.0.1";
    const h = await harness({ failureLimit: { max: 3, windowMs: 60_000 }, clientAddress: () => address, clock: () => now });
    const key = await h.key("reader");
    for (let i = 0; i < 3; i++) expect((await requestToken(h, { keyId: key.keyId, keySecret: "guess" })).status).toBe(401);
    const limited = await requestToken(h, { keyId: key.keyId, keySecret: key.keySecret });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await limited.json()).toMatchObject({ status: 429, retryable: true });
    address = "10.0.0.2";
    expect((await requestToken(h, { keyId: key.keyId, keySecret: key.keySecret })).status).toBe(200);
    address = "10.0.0.1";
    now += 60_000;
    expect((await requestToken(h, { keyId: key.keyId, keySecret: key.keySecret })).status).toBe(200);
  });

  it("never writes a secret or a token to the log or to the stored events", async () => {
    const lines: string[] = [];
    const original = { log: console.log, error: console.error, warn: console.warn, info: console.info };
    for (const name of ["log", "error", "warn", "info"] as const) console[name] = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    try {
      const h = await harness();
      const key = await h.key("admin");
      const token = await h.tokenFor(key);
      await requestToken(h, { keyId: key.keyId, keySecret: "wrong" });
      await h.app.request("/api/metadata/taskdefs", { headers: { "x-authorization": `${token}x` } });
      const stored = JSON.stringify(await h.engine.models.apiKeys.get(key.keyId));
      expect(stored).not.toContain(key.keySecret);
      const all = lines.join("\n");
      expect(all).not.toContain(key.keySecret);
      expect(all).not.toContain(token);
    } finally {
      Object.assign(console, original);
    }
  });

  it("is not mounted when authentication is off, so the SDKs take the server for Conductor OSS; nor are the key endpoints", async () => {
    const h = await harness({ mode: "off" });
    expect((await requestToken(h, { keyId: "a", keySecret: "b" })).status).toBe(404);
    expect((await h.app.request("/api/admin/keys", { method: "POST", headers: json, body: JSON.stringify({ name: "x", role: "admin" }) })).status).toBe(404);
    expect(h.engine.listApiKeys()).toEqual([]);
    expect((await h.app.request("/api/metadata/taskdefs")).status).toBe(200);
  });
});

describe("admin key endpoints", () => {
  it("creates (secret shown once), lists (no hashes) and revokes keys; only admins may", async () => {
    const h = await harness();
    const admin = { ...json, "x-authorization": await h.tokenOfRole("admin") };
    const created = await h.app.request("/api/admin/keys", { method: "POST", headers: admin, body: JSON.stringify({ name: "etl", role: "worker", taskTypes: ["load"] }) });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { keyId: string; keySecret: string; role: string; taskTypes: string[] };
    expect(key).toMatchObject({ role: "worker", taskTypes: ["load"] });
    expect(key.keySecret.length).toBeGreaterThanOrEqual(40);
    const listed = await (await h.app.request("/api/admin/keys", { headers: admin })).text();
    expect(listed).toContain(key.keyId);
    expect(listed).not.toContain(key.keySecret);
    expect(listed).not.toContain("secretHash");
    expect((await requestToken(h, { keyId: key.keyId, keySecret: key.keySecret })).status).toBe(200);
    const bad = await h.app.request("/api/admin/keys", { method: "POST", headers: admin, body: JSON.stringify({ name: "x", role: "root" }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("role: expected one of admin, worker, reader");
    expect((await h.app.request(`/api/admin/keys/${key.keyId}`, { method: "DELETE", headers: admin })).status).toBe(200);
    expect((await requestToken(h, { keyId: key.keyId, keySecret: key.keySecret })).status).toBe(401);
    expect((await h.app.request("/api/admin/keys/unknown-key", { method: "DELETE", headers: admin })).status).toBe(404);
  });
});

describe("GraphiQL with authentication on", () => {
  it("sends a browser to the local page without a token (it holds no data), while its operations still need one", async () => {
    const h = await harness();
    const app = createApp({ engine: h.engine, auth: h.auth, graphql: createGraphQL({ engine: h.engine, graphiql: true, plugins: [h.auth.graphqlPlugin] }) });
    const page = await app.request("/graphql", { headers: { accept: "text/html" } });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/graphiql");
    const query = await app.request("/graphql?query=%7BtaskDefs%7Bname%7D%7D", { headers: { accept: "text/html" } });
    expect(query.status).toBe(401);
    expect((await app.request("/graphql?query=%7BtaskDefs%7Bname%7D%7D", { headers: { accept: "application/json" } })).status).toBe(401);
  });
});
