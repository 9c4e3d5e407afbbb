import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad } from "../../bench/load.ts";
import { chainWorkload, type Workload } from "../../bench/workload.ts";
import { startBaton, type TestBaton } from "../support/baton.ts";

/**
 * The side-by-side benchmark's load generator (bench/load.ts) against Baton
 * behind a proxy that answers a workflow search on `endTime` as Conductor's
 * PostgreSQL index does (it binds endTime as a timestamp and fails), so only an
 * observer that does not depend on the search index can see workflows end.
 */
let baton: TestBaton;
let proxy: Server;
let proxyUrl: string;
const searches: string[] = [];
/**
 * With `lagIndex` on, the proxy's search accepts endTime but hides the first workflow it sees ended
 * for 1.5 s, as an index written after a later workflow's row does (Conductor
 * 3.32.3 on SQLite honours `endTime >`, and on a loaded machine its index rows
 * land out of order): by the time it shows, its endTime is behind the cursor of
 * a search observer.
 */
let lagIndex = false;
let lagging: { id: string; until: number } | undefined;

beforeAll(async () => {
  baton = await startBaton();
  const target = new URL(baton.url);
  proxy = createServer((req, res) => {
    if (!lagIndex && req.url?.startsWith("/api/workflow/search") && decodeURIComponent(req.url).includes("endTime")) {
      searches.push(req.url);
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: 500, message: "Could not apply bind parameter at index 4" }));
      return;
    }
    const isSearch = lagIndex && req.url?.startsWith("/api/workflow/search");
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      if (!isSearch) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { results?: Array<{ workflowId: string; status: string }>; totalHits?: number };
        const ended = body.results?.find((w) => w.status === "COMPLETED");
        if (!lagging && ended) lagging = { id: ended.workflowId, until: Date.now() + 1500 };
        if (lagging && Date.now() < lagging.until) body.results = body.results?.filter((w) => w.workflowId !== lagging!.id);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      });
    });
    upstream.on("error", (error) => res.writeHead(502).end(error.message));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await baton?.close();
});

const base = { warmup: 2, observeIntervalMs: 10, stallTimeoutMs: 20_000, workers: { concurrency: 4, pollInterval: 1 } };

describe("bench/load.ts completion observer", () => {
  it("sees every workflow end through bulk status requests where the server's search rejects endTime (Conductor on PostgreSQL)", async () => {
    searches.length = 0;
    const result = await runLoad({ ...base, serverUrl: proxyUrl, workflows: 12, inflight: 5, observer: "status", observeBatch: 3 });
    expect(result.failures).toEqual([]);
    expect(result.workflowsPerSecond).toBeGreaterThan(0);
    expect(result.latencyMs.p99).toBeGreaterThan(0);
    expect(result.observerRequests).toBeGreaterThan(0);
    // Batches of at most 3 ids: never more ids asked about than 3 per request.
    expect(result.observedIds).toBeLessThanOrEqual(3 * result.observerRequests);
    expect(searches).toEqual([]);
  }, 60_000);

  it("does not lose a workflow whose end reaches the search index late (3.32.3 at 50 in flight lost one of 30 so)", async () => {
    lagIndex = true;
    lagging = undefined;
    try {
      const result = await runLoad({ ...base, serverUrl: proxyUrl, warmup: 0, workflows: 30, inflight: 10, stallTimeoutMs: 5000, observer: "status" });
      expect(result.failures).toEqual([]);
      expect(result.latencyMs.max).toBeGreaterThan(0);
    } finally {
      lagIndex = false;
    }
  }, 60_000);

  it("stops a step at its time cap and reports it as timed out, with the workflow that never ended and the rest terminated", async () => {
    // No worker polls this workload's tasks: its workflows stay RUNNING.
    const stuck: Workload = { ...chainWorkload, workflowName: "bench_never_ends", workflowDef: { ...chainWorkload.workflowDef, name: "bench_never_ends" }, workers: () => [] };
    const started = performance.now();
    const result = await runLoad({ ...base, serverUrl: baton.url, workload: stuck, warmup: 0, workflows: 6, inflight: 3, observer: "status", timeCapMs: 1500 });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(result.timedOut).toBe(true);
    expect(result.failures.join("\n")).toMatch(/time cap of 1.5 s reached with 0\/6 done \(3 started\)/);
    expect(result.stuck).toHaveLength(3);
    const first = result.stuck[0] as { workflowId: string; status: string; tasks: unknown[] };
    expect(first.status).toBe("RUNNING");
    expect(first.tasks.length).toBeGreaterThan(0);
    const after = await (await fetch(`${baton.url}/api/workflow/${first.workflowId}?includeTasks=false`)).json();
    expect(after.status).toBe("TERMINATED");
  }, 60_000);
});
