import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OrkesClients } from "@io-orkes/conductor-javascript";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, type StartOptions, startServer } from "../../src/api/node.ts";

/** A Baton server started in this process on a free loopback port. */
export interface TestBaton extends RunningServer {
  url: string;
  dataDir?: string;
}

/**
 * Starts Baton on the memory store, on the file store in `dataDir` (a fresh
 * temp dir by default), or on EventStoreDB at `esdbUrl` (e.g. the stand-in's).
 */
export async function startBaton(
  options: { store?: "memory" | "file" | "esdb"; dataDir?: string; esdbUrl?: string; env?: Record<string, string>; localDags?: StartOptions["localDags"] } = {},
): Promise<TestBaton> {
  const store = options.store ?? "memory";
  const dataDir = store === "file" ? (options.dataDir ?? (await mkdtemp(join(tmpdir(), "baton-test-")))) : undefined;
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    BATON_EVENT_STORE: store,
    DATA_DIR: dataDir,
    ESDB_URL: options.esdbUrl,
    BATON_SWEEP_INTERVAL_MS: "50",
    ...options.env,
  });
  const server = await startServer(config, options.localDags ? { localDags: options.localDags } : {});
  return { ...server, url: `http://127.0.0.1:${server.port}`, dataDir };
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** SDK clients pointed at `url`, exactly as the SDK's README builds them. */
export async function sdkClients(url: string) {
  // The SDK prefers CONDUCTOR_SERVER_URL over the configured URL.
  delete process.env.CONDUCTOR_SERVER_URL;
  delete process.env.CONDUCTOR_AUTH_KEY;
  delete process.env.CONDUCTOR_AUTH_SECRET;
  return OrkesClients.from({ serverUrl: url });
}

/** Polls `check` until it returns a value or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Plain JSON HTTP call against Baton, for endpoints the test drives directly. */
export async function http(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  rawBody?: string,
): Promise<{ status: number; text: string; json: () => any; contentType: string | null }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body !== undefined || rawBody !== undefined ? { "content-type": "application/json" } : {},
    body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text), contentType: response.headers.get("content-type") };
}
