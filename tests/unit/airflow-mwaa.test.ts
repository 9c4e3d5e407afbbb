import { describe, expect, it } from "vitest";
import { createMwaaAirflow, type InvokeRestApiInput, type InvokeRestApiOutput } from "../../src/adapters/airflow/mwaa.ts";

/**
 * Request and response shapes of MWAA's InvokeRestApi as the AWS SDK v3
 * (`@aws-sdk/client-mwaa`) sends and returns them: the output of a 200, and the
 * modelled errors for Airflow's own 4xx (`RestApiClientException`) and 5xx
 * (`RestApiServerException`), which carry Airflow's status and body.
 */
const RECORDED_TRIGGER_OUTPUT: InvokeRestApiOutput = {
  RestApiStatusCode: 200,
  RestApiResponse: {
    conf: { email: "a@b.c" },
    dag_id: "name_parse",
    dag_run_id: "wf-1-t1",
    end_date: null,
    execution_date: "2026-01-01T00:00:00+00:00",
    external_trigger: true,
    logical_date: "2026-01-01T00:00:00+00:00",
    run_type: "manual",
    start_date: null,
    state: "queued",
  },
};

function clientException(status: number, detail: string) {
  return Object.assign(new Error(`Airflow answered ${status}`), {
    name: status >= 500 ? "RestApiServerException" : "RestApiClientException",
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: 400 },
    RestApiStatusCode: status,
    RestApiResponse: { detail, status, title: status === 409 ? "Conflict" : "Error", type: "about:blank" },
  });
}

function recorder(answers: ((input: InvokeRestApiInput) => InvokeRestApiOutput)[]) {
  const sent: InvokeRestApiInput[] = [];
  return {
    sent,
    invoke: async (input: InvokeRestApiInput) => {
      sent.push(input);
      return answers.shift()!(input);
    },
  };
}

describe("MWAA adapter (InvokeRestApi)", () => {
  it("triggers through POST /dags/{dag}/dagRuns on the named environment and reads the state", async () => {
    const calls = recorder([() => RECORDED_TRIGGER_OUTPUT, () => ({ RestApiStatusCode: 200, RestApiResponse: { ...RECORDED_TRIGGER_OUTPUT.RestApiResponse as object, state: "running" } })]);
    const airflow = createMwaaAirflow({ environment: "prod-airflow", region: "us-east-1", invoke: calls.invoke });
    expect(await airflow.trigger({ dagId: "name_parse", dagRunId: "wf-1-t1", conf: { email: "a@b.c" } })).toEqual({
      outcome: "created",
      url: "mwaa://us-east-1/prod-airflow/dags/name_parse/dagRuns/wf-1-t1",
    });
    expect(await airflow.state("name_parse", "wf-1-t1")).toBe("running");
    expect(calls.sent).toEqual([
      { Name: "prod-airflow", Method: "POST", Path: "/dags/name_parse/dagRuns", Body: { dag_run_id: "wf-1-t1", conf: { email: "a@b.c" } } },
      { Name: "prod-airflow", Method: "GET", Path: "/dags/name_parse/dagRuns/wf-1-t1" },
    ]);
  });

  it("reads Airflow's 409 inside RestApiClientException as an existing run", async () => {
    const airflow = createMwaaAirflow({
      environment: "env",
      region: "eu-west-1",
      invoke: async () => {
        throw clientException(409, "DAGRun with DAG ID: 'name_parse' and DAGRun ID: 'r' already exists");
      },
    });
    expect((await airflow.trigger({ dagId: "name_parse", dagRunId: "r", conf: {} })).outcome).toBe("exists");
  });

  it("Airflow's 404 is final, its 503 and AWS throttling are transient", async () => {
    const answers = [clientException(404, "DAG with dag_id: 'nope' not found"), clientException(503, "busy"), Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 429 } })];
    const airflow = createMwaaAirflow({
      environment: "env",
      region: "eu-west-1",
      invoke: async () => {
        throw answers.shift();
      },
    });
    await expect(airflow.trigger({ dagId: "nope", dagRunId: "r", conf: {} })).rejects.toMatchObject({
      transient: false,
      status: 404,
      message: "mwaa: POST /dags/nope/dagRuns failed (404): DAG with dag_id: 'nope' not found",
    });
    await expect(airflow.state("x", "r")).rejects.toMatchObject({ transient: true, status: 503 });
    await expect(airflow.state("x", "r")).rejects.toMatchObject({ transient: true, status: 429 });
  });
});
