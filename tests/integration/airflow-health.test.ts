import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { airflowDependency } from "../../src/api/dependency-watch.ts";
import { type RunningServer, startServer } from "../../src/api/node.ts";
import { silentLogger } from "../../src/api/observability/logger.ts";

/** A TCP listener standing in for the Airflow API's port (health only probes that it answers). */
async function listener(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

type Report = { status: string; components: Record<string, { state: string; detail: string; required?: boolean }> };

describe("Airflow in /health when BATON_AIRFLOW is not local", () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start(airflowUrl: string): Promise<RunningServer> {
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      BATON_EVENT_STORE: "memory",
      BATON_AIRFLOW: "airflow2",
      AIRFLOW_URL: airflowUrl,
      AIRFLOW_USERNAME: "admin",
      AIRFLOW_PASSWORD: "secret",
      BATON_CONSOLE: "false",
    });
    const server = await startServer(config, { logger: silentLogger, timing: { probeTimeoutMs: 500, watchEveryMs: 100 } });
    closers.push(() => server.close());
    return server;
  }

  it("shows Airflow up while its API port answers, and down (not required: still ready) once it stops", async () => {
    const airflow = await listener();
    const server = await start(`http://127.0.0.1:${airflow.port}`);
    const url = `http://127.0.0.1:${server.port}/health`;
    const first = (await (await fetch(url)).json()) as Report;
    expect(first.components.airflow).toMatchObject({ state: "up", detail: `airflow2 at 127.0.0.1:${airflow.port}`, required: false });
    await new Promise((resolve) => airflow.server.close(resolve));
    await expect.poll(async () => ((await (await fetch(url)).json()) as Report).components.airflow?.state, { timeout: 10_000 }).toBe("down");
    const ready = await fetch(`http://127.0.0.1:${server.port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as Report).status).toBe("ready");
  }, 60_000);

  it("reports an unreachable Airflow as down at start", async () => {
    const closed = await listener();
    await new Promise((resolve) => closed.server.close(resolve));
    const server = await start(`http://127.0.0.1:${closed.port}`);
    const report = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as Report;
    expect(report.components.airflow?.state).toBe("down");
  }, 60_000);

  it("is no component for the local executor, and names MWAA's regional endpoint", () => {
    expect(airflowDependency({ BATON_AIRFLOW: "local" })).toBeUndefined();
    expect(airflowDependency({ BATON_AIRFLOW: "mwaa", MWAA_ENVIRONMENT: "prod", MWAA_REGION: "eu-west-1" })).toEqual({
      component: "airflow",
      detail: "mwaa prod at airflow.eu-west-1.amazonaws.com",
      endpoints: [{ host: "airflow.eu-west-1.amazonaws.com", port: 443 }],
    });
    expect(airflowDependency({ BATON_AIRFLOW: "airflow3", AIRFLOW_URL: "https://airflow.example.com/" })?.endpoints).toEqual([{ host: "airflow.example.com", port: 443 }]);
  });
});
