import { describe, expect, it } from "vitest";
import { airflowFor } from "../../src/api/open-dag-runs.ts";
import { loadConfig } from "../../src/api/config.ts";

describe("Airflow bridge configuration", () => {
  it("chooses the adapter by BATON_AIRFLOW", () => {
    const rest = { AIRFLOW_URL: "http://127.0.0.1:8081", AIRFLOW_USERNAME: "admin", AIRFLOW_PASSWORD: "pw" };
    expect(airflowFor(loadConfig({}), {}).kind).toBe("local");
    expect(airflowFor(loadConfig({ BATON_AIRFLOW: "airflow2", ...rest }), {}).kind).toBe("airflow2");
    expect(airflowFor(loadConfig({ BATON_AIRFLOW: "airflow3", ...rest }), {}).kind).toBe("airflow3");
    const mwaa = loadConfig({ BATON_AIRFLOW: "mwaa", MWAA_ENVIRONMENT: "prod", MWAA_REGION: "eu-west-1" });
    expect(airflowFor(mwaa, { mwaaInvoke: async () => ({}) }).kind).toBe("mwaa");
    expect(() => airflowFor(mwaa, {})).toThrow(/BATON_AIRFLOW=mwaa \(BATON_MWAA_ROUTE=auto\) needs the Node entry/);
  });

  it("chooses MWAA's route by BATON_MWAA_ROUTE, auto taking the call the SDK gave", () => {
    const both = { mwaaInvoke: async () => ({}), mwaaCreateCliToken: async () => ({}) };
    const env = { BATON_AIRFLOW: "mwaa", MWAA_ENVIRONMENT: "prod" };
    const isCli = (airflow: object) => "cli" in airflow;
    expect(isCli(airflowFor(loadConfig(env), both))).toBe(false);
    expect(isCli(airflowFor(loadConfig(env), { mwaaCreateCliToken: both.mwaaCreateCliToken }))).toBe(true);
    expect(isCli(airflowFor(loadConfig({ ...env, BATON_MWAA_ROUTE: "cli-token" }), both))).toBe(true);
    expect(isCli(airflowFor(loadConfig({ ...env, BATON_MWAA_ROUTE: "invoke-rest-api" }), both))).toBe(false);
    expect(() => airflowFor(loadConfig({ ...env, BATON_MWAA_ROUTE: "cli-token" }), { mwaaInvoke: both.mwaaInvoke })).toThrow(/BATON_MWAA_ROUTE=cli-token\) needs the Node entry/);
    expect(loadConfig({ ...env, MWAA_CLI_URL: "http://127.0.0.1:9/" }).MWAA_CLI_URL).toBe("http://127.0.0.1:9/");
  });

  it("reads the monitor's settings", () => {
    expect(
      loadConfig({ BATON_DAG_POLL_INTERVAL_MS: "500", BATON_DAG_MONITOR_CONCURRENCY: "3", BATON_DAG_TRIGGER_ATTEMPTS: "5", BATON_DAG_RUNS: "false" }),
    ).toMatchObject({ BATON_DAG_POLL_INTERVAL_MS: 500, BATON_DAG_MONITOR_CONCURRENCY: 3, BATON_DAG_TRIGGER_ATTEMPTS: 5, BATON_DAG_RUNS: false });
  });

  it.each([
    [{ BATON_AIRFLOW: "airflow4" }, /BATON_AIRFLOW must be one of local, airflow2, airflow3, mwaa/],
    [{ BATON_AIRFLOW: "airflow2" }, /BATON_AIRFLOW=airflow2\|airflow3 needs AIRFLOW_URL, AIRFLOW_USERNAME and AIRFLOW_PASSWORD/],
    [{ BATON_AIRFLOW: "mwaa" }, /BATON_AIRFLOW=mwaa needs MWAA_ENVIRONMENT/],
    [{ BATON_MWAA_ROUTE: "rest" }, /BATON_MWAA_ROUTE must be one of auto, invoke-rest-api, cli-token/],
    [{ MWAA_CLI_URL: "webserver" }, /MWAA_CLI_URL must be an http:\/\/ or https:\/\/ URL/],
    [{ AIRFLOW_URL: "ftp://x" }, /AIRFLOW_URL must be an http:\/\/ or https:\/\/ URL/],
    [{ BATON_DAG_MONITOR_CONCURRENCY: "0" }, /BATON_DAG_MONITOR_CONCURRENCY must be >= 1/],
    [{ BATON_DAG_POLL_INTERVAL_MS: "fast" }, /BATON_DAG_POLL_INTERVAL_MS must be a whole number/],
    [{ BATON_DAG_OUTPUT_PREFIX: "out/{dagId}/" }, /BATON_DAG_OUTPUT_PREFIX must contain \{dagRunId\} and end with '\/'/],
  ])("refuses %j with a message naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
