/**
 * Baton on EventStoreDB (the stand-in) that is not there at start: the server
 * listens at once, says what it waits for, becomes ready when the store comes
 * back, and follows later outages in its readiness; a write during an outage
 * is a retryable 503.
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { listenAndStart, type StartingServer } from "../../src/api/node.ts";
import { createLogger } from "../../src/api/observability/logger.ts";
import { eventually } from "../support/baton.ts";
import { type EsdbStandin, startEsdbStandin } from "../support/esdb-standin/index.ts";

let standin: EsdbStandin | undefined;
let server: StartingServer | undefined;
afterAll(async () => {
  await server?.close();
  await standin?.stop();
});

/**
 * BATON_START_HOLD_MS of this test: long enough for the start to finish within it once the store returns
 * (4.2 s on the loaded 2-core machine), short enough to wait for once.
 */
const HOLD_MS = 12_000;

describe("start-up with EventStoreDB unreachable", () => {
  it("serves health at once, waits quietly, becomes ready when the store returns, and tracks later outages", async () => {
    standin = await startEsdbStandin();
    await standin.pause();
    const lines: { level: string; message: string }[] = [];
    const logger = createLogger({ write: (line) => lines.push(JSON.parse(line) as { level: string; message: string }), level: "info", format: "json" });
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      BATON_EVENT_STORE: "esdb",
      ESDB_URL: standin.connectionString.replace("esdb://", "esdb://admin:changeit@"),
      BATON_START_HOLD_MS: String(HOLD_MS),
    });
    const started = Date.now();
    server = await listenAndStart(config, logger, { initialDelayMs: 50, maxDelayMs: 200, reportEveryMs: 60_000, probeTimeoutMs: 200, watchEveryMs: 100 });
    expect(Date.now() - started).toBeLessThan(5_000);
    const url = `http://127.0.0.1:${server.port}`;

    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    await eventually(async () => (server!.health.stateOf("store") === "down" ? true : undefined), 5_000);
    const waiting = await fetch(`${url}/health/ready`);
    expect(waiting.status).toBe(503);
    const report = (await waiting.json()) as { healthy: boolean; status: string; components: Record<string, { state: string; detail: string; error?: string }> };
    expect(report).toMatchObject({ healthy: false, status: "starting" });
    expect(report.components.store).toMatchObject({ state: "down", detail: expect.stringMatching(/^eventstoredb at 127\.0\.0\.1:\d+$/) });
    // Why it is down, in words an operator can act on: the stand-in is paused, so the connection is refused or times out.
    expect(report.components.store!.error).toMatch(/ECONNREFUSED|refused|timed out|timeout|ECONNRESET/i);
    expect(report.components.bus).toMatchObject({ state: "disabled" });
    // An API request waits up to BATON_START_HOLD_MS for the start, then gets the 503; health and metrics never wait.
    const asked = Date.now();
    const refused = await fetch(`${url}/api/metadata/workflow`);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(HOLD_MS - 50);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(((await refused.json()) as { message: string }).message).toContain("waiting for store (eventstoredb at 127.0.0.1:");
    expect((await fetch(`${url}/metrics`)).status).toBe(200);

    // Many attempts, one line; the credentials in ESDB_URL never appear.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const waitLines = lines.filter((line) => line.message.includes("eventstoredb"));
    expect(waitLines).toHaveLength(1);
    expect(waitLines[0]!.level).toBe("warn");
    expect(JSON.stringify(lines)).not.toContain("changeit");

    // A request that arrives while the store is away and the store returns within the hold is answered by the started engine.
    const held = fetch(`${url}/api/metadata/taskdefs`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await standin.resume();
    const running = await server.ready;
    expect((await held).status).toBe(200);
    expect(running.port).toBe(server.port);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const up = (await (await fetch(`${url}/health`)).json()) as { status: string; components: Record<string, { state: string }>; position: unknown };
    expect(up.status).toBe("ready");
    expect(up.components.store!.state).toBe("up");
    expect(lines.some((line) => line.level === "info" && line.message.includes("is reachable, after"))).toBe(true);
    const registered = await fetch(`${url}/api/metadata/taskdefs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([{ name: "t1" }]) });
    expect(registered.status).toBe(200);

    await standin.pause();
    await eventually(async () => ((await fetch(`${url}/health/ready`)).status === 503 ? true : undefined), 5_000);
    expect(((await (await fetch(`${url}/health`)).json()) as { status: string }).status).toBe("degraded");
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    // A write while the store is away is a retryable 503 naming the store, not a 500 "internal error".
    const during = await fetch(`${url}/api/metadata/taskdefs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([{ name: "t2" }]) });
    expect(during.status).toBe(503);
    expect(during.headers.get("retry-after")).toBe("5");
    const outage = (await during.json()) as { message: string; retryable: boolean };
    expect(outage.retryable).toBe(true);
    expect(outage.message).toMatch(/^EventStoreDB at esdb:\/\/127\.0\.0\.1:\d+.* is unavailable \(/);
    expect(outage.message).not.toContain("changeit");
    await standin.resume();
    await eventually(async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), 5_000);
    expect(lines.filter((line) => line.message.includes("lost eventstoredb"))).toHaveLength(1);
    expect(lines.filter((line) => line.message.includes("reachable again"))).toHaveLength(1);
  });
});
