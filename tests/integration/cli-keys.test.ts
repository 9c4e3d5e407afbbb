/**
 * `baton keys` as a user runs it (`node --import tsx src/cli/baton.ts keys ...`)
 * on a file DATA_DIR, and a server started on that directory with
 * BATON_AUTH=required accepting the keys it made.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeDir, startBaton, type TestBaton } from "../support/baton.ts";

const ROOT = join(import.meta.dirname, "..", "..");

function baton(args: string[], dataDir: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATA_DIR: dataDir, BATON_EVENT_STORE: "file", ...extraEnv };
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "src/cli/baton.ts", ...args], { cwd: ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

let dir: string | undefined;
let server: TestBaton | undefined;
afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

const token = (url: string, keyId: string, keySecret: string) =>
  fetch(`${url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ keyId, keySecret }) });

describe("baton keys", () => {
  it("creates keys (secret printed once, only its hash stored), lists and revokes them; a server then accepts the active ones", async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-keys-"));
    const admin = await baton(["keys", "create", "--name", "ops", "--role", "admin", "--json"], dir);
    expect(admin.code, admin.stderr).toBe(0);
    const adminKey = JSON.parse(admin.stdout) as { keyId: string; keySecret: string; role: string };
    expect(adminKey.role).toBe("admin");
    const worker = await baton(["keys", "create", "--name", "etl", "--role", "worker", "--task-types", "load, transform"], dir);
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stdout).toMatch(/keyId: +\S+\nkeySecret: +\S+\nrole: +worker \(task types: load, transform\)/);
    expect(worker.stderr).toContain("the secret is shown only now");
    const workerKeyId = worker.stdout.match(/keyId: +(\S+)/)![1]!;

    const log = await readFile(join(dir, "events.log"));
    expect(log.includes(adminKey.keySecret)).toBe(false);
    expect(log.includes("ApiKeyCreated")).toBe(true);

    expect((await baton(["keys", "revoke", workerKeyId], dir)).code).toBe(0);
    const listed = await baton(["keys", "list"], dir);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${adminKey.keyId} +ops +admin +\\*`));
    expect(listed.stdout).toMatch(new RegExp(`${workerKeyId} +etl +worker +load,transform +\\S+ +\\d{4}-`));
    expect(listed.stdout).not.toContain(adminKey.keySecret);

    server = await startBaton({ store: "file", dataDir: dir, env: { BATON_AUTH: "required" } });
    const ok = await token(server.url, adminKey.keyId, adminKey.keySecret);
    expect(ok.status).toBe(200);
    const { token: adminToken } = (await ok.json()) as { token: string };
    expect((await fetch(`${server.url}/api/metadata/taskdefs`, { headers: { "x-authorization": adminToken } })).status).toBe(200);
    expect((await fetch(`${server.url}/api/metadata/taskdefs`)).status).toBe(401);
    // The signing secret was generated into DATA_DIR, readable by its owner only.
    expect((await stat(join(dir, "auth-secret"))).mode & 0o077).toBe(0);

    // `replay --url` reads the server's answers with BATON_TOKEN.
    const asAdmin = { "content-type": "application/json", "x-authorization": adminToken };
    await fetch(`${server.url}/api/metadata/workflow`, { method: "POST", headers: asAdmin, body: JSON.stringify({ name: "keyed", tasks: [{ name: "k", taskReferenceName: "k", type: "SIMPLE" }] }) });
    expect((await fetch(`${server.url}/api/workflow`, { method: "POST", headers: asAdmin, body: JSON.stringify({ name: "keyed" }) })).status).toBe(200);
    const anonymousReplay = await baton(["replay", "--url", server.url], dir);
    expect(anonymousReplay.code).not.toBe(0);
    expect(anonymousReplay.stderr).toContain("answered 401");
    const replay = await baton(["replay", "--url", server.url], dir, { BATON_TOKEN: adminToken });
    expect(replay.code, replay.stderr).toBe(0);

    // Listing reads beside the running server; creating refuses and says what to do instead.
    const listedBeside = await baton(["keys", "list", "--json"], dir);
    expect(listedBeside.code, listedBeside.stderr).toBe(0);
    expect((JSON.parse(listedBeside.stdout) as { keyId: string }[]).map((k) => k.keyId).sort()).toEqual([adminKey.keyId, workerKeyId].sort());
    const refused = await baton(["keys", "create", "--name", "late", "--role", "reader"], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is in use by process \d+.*stop it.*or manage keys through the running server.*POST \/api\/admin\/keys/s);
  });

  it("names the flag and what it expects", async () => {
    const scratch = await mkdtemp(join(tmpdir(), "baton-keys-bad-"));
    try {
      const badRole = await baton(["keys", "create", "--name", "x", "--role", "owner"], scratch);
      expect(badRole.code).toBe(2);
      expect(badRole.stderr).toContain("role: expected one of admin, worker, reader");
      const noName = await baton(["keys", "create", "--role", "reader"], scratch);
      expect(noName.code).toBe(2);
      expect(noName.stderr).toContain("name: expected a string");
      const unknown = await baton(["keys", "rotate"], scratch);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("keys: expected create, list or revoke, got 'rotate'");
      const missing = await baton(["keys", "revoke", "no-such-key"], scratch);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("No API key no-such-key");
    } finally {
      await removeDir(scratch);
    }
  });
});
