import { afterEach, describe, expect, it } from "vitest";
import { createRestAirflow } from "../../src/adapters/airflow/rest.ts";
import { AirflowCallError } from "../../src/domain/dagrun/airflow-error.ts";
import { startFakeAirflow } from "../support/fake-airflow.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function fake(options: Parameters<typeof startFakeAirflow>[0]) {
  const server = await startFakeAirflow(options);
  closers.push(server.close);
  return server;
}

describe("Airflow 2 adapter (REST /api/v1, basic auth)", () => {
  it("triggers with the chosen dag_run_id and conf, polls the state to the end, and reads a 409 as 'exists'", async () => {
    const server = await fake({ version: 2 });
    const airflow = createRestAirflow({ version: 2, baseUrl: `${server.url}/`, username: "admin", password: "secret" });
    const triggered = await airflow.trigger({ dagId: "name_parse", dagRunId: "wf-1-t1", conf: { email: "a@b.c" } });
    expect(triggered).toEqual({ outcome: "created", url: `${server.url}/api/v1/dags/name_parse/dagRuns/wf-1-t1` });
    expect(server.requests[0]).toEqual({
      method: "POST",
      path: "/api/v1/dags/name_parse/dagRuns",
      authorization: `Basic ${Buffer.from("admin:secret").toString("base64")}`,
      body: { dag_run_id: "wf-1-t1", conf: { email: "a@b.c" } },
    });
    expect([await airflow.state("name_parse", "wf-1-t1"), await airflow.state("name_parse", "wf-1-t1"), await airflow.state("name_parse", "wf-1-t1")]).toEqual([
      "queued",
      "running",
      "success",
    ]);
    expect((await airflow.trigger({ dagId: "name_parse", dagRunId: "wf-1-t1", conf: {} })).outcome).toBe("exists");
  });

  it("says which errors are worth retrying: 503 yes, 404 and 401 no, with Airflow's detail", async () => {
    const server = await fake({ version: 2 });
    const airflow = createRestAirflow({ version: 2, baseUrl: server.url, username: "admin", password: "secret" });
    server.failNext(503);
    await expect(airflow.trigger({ dagId: "name_parse", dagRunId: "r", conf: {} })).rejects.toMatchObject({ transient: true, status: 503 });
    const missing = await airflow.trigger({ dagId: "nope", dagRunId: "r", conf: {} }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AirflowCallError);
    expect(missing).toMatchObject({ transient: false, status: 404, message: "airflow2: POST /dags/nope/dagRuns answered 404: DAG with dag_id: 'nope' not found" });
    const wrong = createRestAirflow({ version: 2, baseUrl: server.url, username: "admin", password: "wrong" });
    await expect(wrong.state("name_parse", "r")).rejects.toMatchObject({ transient: false, status: 401 });
  });

  it("a refused connection is transient", async () => {
    const server = await fake({ version: 2 });
    await server.close();
    closers.pop();
    const airflow = createRestAirflow({ version: 2, baseUrl: server.url, username: "a", password: "b" });
    await expect(airflow.state("name_parse", "r")).rejects.toMatchObject({ transient: true, status: undefined });
  });
});

describe("Airflow 3 adapter (REST /api/v2, token from /auth/token)", () => {
  it("gets a token once, sends logical_date null with the trigger, and renews the token on a 401", async () => {
    const server = await fake({ version: 3, finalState: "failed" });
    const airflow = createRestAirflow({ version: 3, baseUrl: server.url, username: "admin", password: "secret" });
    expect(await airflow.trigger({ dagId: "name_parse", dagRunId: "r1", conf: { a: 1 } })).toEqual({
      outcome: "created",
      url: `${server.url}/api/v2/dags/name_parse/dagRuns/r1`,
    });
    expect(server.requests.slice(0, 2)).toEqual([
      { method: "POST", path: "/auth/token", authorization: undefined, body: { username: "admin", password: "secret" } },
      { method: "POST", path: "/api/v2/dags/name_parse/dagRuns", authorization: "Bearer token-1", body: { dag_run_id: "r1", logical_date: null, conf: { a: 1 } } },
    ]);
    expect(await airflow.state("name_parse", "r1")).toBe("queued");
    server.expireTokens();
    expect(await airflow.state("name_parse", "r1")).toBe("running");
    expect(await airflow.state("name_parse", "r1")).toBe("failed");
    expect(server.requests.filter((r) => r.path === "/auth/token")).toHaveLength(2);
    expect(server.requests.at(-1)!.authorization).toBe("Bearer token-2");
    expect((await airflow.trigger({ dagId: "name_parse", dagRunId: "r1", conf: {} })).outcome).toBe("exists");
  });

  it("refused credentials are not retried", async () => {
    const server = await fake({ version: 3 });
    const airflow = createRestAirflow({ version: 3, baseUrl: server.url, username: "admin", password: "nope" });
    await expect(airflow.trigger({ dagId: "name_parse", dagRunId: "r", conf: {} })).rejects.toMatchObject({
      transient: false,
      status: 401,
      message: "airflow3: POST /auth/token answered 401: Invalid credentials",
    });
  });
});
