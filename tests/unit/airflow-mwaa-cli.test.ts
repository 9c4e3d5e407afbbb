import { describe, expect, it } from "vitest";
import { type CliTokenOutput, createMwaaCliAirflow, quoteArg } from "../../src/adapters/airflow/mwaa-cli.ts";
import { AirflowCallError } from "../../src/domain/dagrun/airflow-error.ts";
import { mwaaCallsFor } from "../../src/api/mwaa-client.ts";
import { shellWords } from "../support/fake-mwaa-cli.ts";

/**
 * Request and response shapes of MWAA's CLI-token route: `CreateCliToken`'s
 * output as the AWS SDK v3 returns it, and the web server's `/aws_mwaa/cli`
 * answers (`{stdout, stderr}`, base64) carrying what Airflow 2.x's CLI prints.
 */
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const answer = (stdout: string, stderr = "") => new Response(JSON.stringify({ stdout: b64(stdout), stderr: b64(stderr) }), { status: 200, headers: { "content-type": "application/json" } });

const RECORDED_TOKEN: CliTokenOutput = { CliToken: "eyJhbGciOiJIUzI1NiJ9.cli", WebServerHostname: "abc123-1.c12.us-east-1.airflow.amazonaws.com" };

const TRIGGER_STDOUT =
  "[2026-01-01T00:00:00.000+0000] {__init__.py:42} INFO - Loaded API auth backend: airflow.api.auth.backend.session\n" +
  "Created <DagRun name_parse @ 2026-01-01T00:00:00+00:00: wf-1-t1, state:queued, queued_at: 2026-01-01 00:00:00.123456+00:00. externally triggered: True>\n";

const DUPLICATE_STDERR =
  "Traceback (most recent call last):\n" +
  '  File "/usr/local/airflow/.local/bin/airflow", line 8, in <module>\n' +
  "    sys.exit(main())\n" +
  '  File "/usr/local/airflow/.local/lib/python3.11/site-packages/airflow/api/common/trigger_dag.py", line 82, in _trigger_dag\n' +
  "    raise DagRunAlreadyExists(dag_run=dag_run, execution_date=execution_date, run_id=run_id)\n" +
  "airflow.exceptions.DagRunAlreadyExists: A DAG Run already exists for DAG name_parse at 2026-01-01T00:00:00+00:00 with run id wf-1-t1\n";

/** `airflow dags list-runs -d name_parse -o json` on Airflow 2.x (AirflowConsole's json: one line, `json.dumps` spacing). */
const LIST_RUNS_STDOUT =
  '[{"dag_id": "name_parse", "run_id": "scheduled__2025-12-31T00:00:00+00:00", "state": "success", "execution_date": "2025-12-31T00:00:00+00:00", "start_date": "2026-01-01T00:00:00.512345+00:00", "end_date": "2026-01-01T00:01:00.123456+00:00"}, ' +
  '{"dag_id": "name_parse", "run_id": "wf-1-t1", "state": "running", "execution_date": "2026-01-01T00:00:00+00:00", "start_date": "2026-01-01T00:00:01.234567+00:00", "end_date": ""}]\n';

function scripted(answers: (() => Response)[], start = 0) {
  const sent: { url: string; authorization: string | null; contentType: string | null; body: string }[] = [];
  const tokens: { Name: string }[] = [];
  let clock = start;
  let issued = 0;
  const airflow = createMwaaCliAirflow({
    environment: "prod-airflow",
    region: "us-east-1",
    now: () => clock,
    createCliToken: async (input) => {
      tokens.push(input);
      issued++;
      return { ...RECORDED_TOKEN, CliToken: `${RECORDED_TOKEN.CliToken}-${issued}` };
    },
    fetch: (async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      sent.push({ url, authorization: headers.get("authorization"), contentType: headers.get("content-type"), body: String(init.body) });
      const next = answers.shift();
      if (!next) throw new Error("no answer scripted");
      return next();
    }) as typeof fetch,
  });
  return { airflow, sent, tokens, advance: (ms: number) => (clock += ms) };
}

describe("MWAA adapter (CLI token: CreateCliToken + /aws_mwaa/cli)", () => {
  it("triggers with dags trigger -r -c on the token's web server, and reads the run's state from list-runs JSON", async () => {
    const calls = scripted([() => answer(TRIGGER_STDOUT), () => answer(LIST_RUNS_STDOUT, "/usr/local/lib/python3.11/site-packages/airflow/configuration.py:760 DeprecationWarning: ...\n")]);
    expect(await calls.airflow.trigger({ dagId: "name_parse", dagRunId: "wf-1-t1", conf: { email: "a@b.c", note: "it's" } })).toEqual({
      outcome: "created",
      url: "mwaa://us-east-1/prod-airflow/dags/name_parse/dagRuns/wf-1-t1",
    });
    expect(await calls.airflow.state("name_parse", "wf-1-t1")).toBe("running");
    expect(calls.tokens).toEqual([{ Name: "prod-airflow" }]);
    expect(calls.sent.map(({ url, authorization, contentType }) => ({ url, authorization, contentType }))).toEqual([
      { url: "https://abc123-1.c12.us-east-1.airflow.amazonaws.com/aws_mwaa/cli", authorization: `Bearer ${RECORDED_TOKEN.CliToken}-1`, contentType: "text/plain" },
      { url: "https://abc123-1.c12.us-east-1.airflow.amazonaws.com/aws_mwaa/cli", authorization: `Bearer ${RECORDED_TOKEN.CliToken}-1`, contentType: "text/plain" },
    ]);
    expect(calls.sent[0]!.body).toBe(`dags trigger name_parse -r wf-1-t1 -c '{"email":"a@b.c","note":"it'"'"'s"}'`);
    // The endpoint splits words like shlex.split: the conf arrives whole, quote included.
    expect(shellWords(calls.sent[0]!.body)).toEqual(["dags", "trigger", "name_parse", "-r", "wf-1-t1", "-c", '{"email":"a@b.c","note":"it\'s"}']);
    expect(calls.sent[1]!.body).toBe("dags list-runs -d name_parse -o json");
  });

  it("maps Airflow's DagRunAlreadyExists on stderr to 'exists', like the REST 409", async () => {
    const calls = scripted([() => answer("", DUPLICATE_STDERR)]);
    expect(await calls.airflow.trigger({ dagId: "name_parse", dagRunId: "wf-1-t1", conf: {} })).toEqual({
      outcome: "exists",
      url: "mwaa://us-east-1/prod-airflow/dags/name_parse/dagRuns/wf-1-t1",
    });
  });

  it("a trigger that printed no run fails with the CLI's exception, not to be retried", async () => {
    const calls = scripted([() => answer("", "Traceback (most recent call last):\nairflow.exceptions.DagNotFound: Dag id nope not found in DagModel\n")]);
    const error = await calls.airflow.trigger({ dagId: "nope", dagRunId: "r1", conf: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AirflowCallError);
    expect(error).toMatchObject({
      transient: false,
      message: "mwaa-cli: dags trigger nope -r r1 did not create the run: airflow.exceptions.DagNotFound: Dag id nope not found in DagModel",
    });
  });

  it("renews the token after its 60 s (50 s of use by default), not before", async () => {
    const calls = scripted([() => answer(LIST_RUNS_STDOUT), () => answer(LIST_RUNS_STDOUT), () => answer(LIST_RUNS_STDOUT)]);
    await calls.airflow.state("name_parse", "wf-1-t1");
    calls.advance(49_000);
    await calls.airflow.state("name_parse", "wf-1-t1");
    calls.advance(2_000);
    await calls.airflow.state("name_parse", "wf-1-t1");
    expect(calls.tokens).toHaveLength(2);
    expect(calls.sent.map((s) => s.authorization)).toEqual([`Bearer ${RECORDED_TOKEN.CliToken}-1`, `Bearer ${RECORDED_TOKEN.CliToken}-1`, `Bearer ${RECORDED_TOKEN.CliToken}-2`]);
  });

  it("a 403 gets one new token; a second 403 is an error naming the status, not retried", async () => {
    const forbidden = () => new Response('{"message":"Forbidden"}', { status: 403 });
    const renewed = scripted([forbidden, () => answer(LIST_RUNS_STDOUT)]);
    expect(await renewed.airflow.state("name_parse", "wf-1-t1")).toBe("running");
    expect(renewed.tokens).toHaveLength(2);

    const refused = scripted([forbidden, forbidden]);
    const error = await refused.airflow.state("name_parse", "wf-1-t1").catch((e: unknown) => e);
    expect(error).toMatchObject({ transient: false, status: 403, message: 'mwaa-cli: dags list-runs -d answered HTTP 403: {"message":"Forbidden"}' });
  });

  it("a 503 from the web server and a failed CreateCliToken are errors that say what failed", async () => {
    const busy = scripted([() => new Response("Service Unavailable", { status: 503 })]);
    await expect(busy.airflow.state("name_parse", "r")).rejects.toMatchObject({ transient: true, status: 503 });

    const denied = createMwaaCliAirflow({
      environment: "prod-airflow",
      region: "us-east-1",
      createCliToken: async () => {
        throw Object.assign(new Error("User is not authorized to perform: airflow:CreateCliToken"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } });
      },
      fetch: (async () => answer("")) as unknown as typeof fetch,
    });
    await expect(denied.state("name_parse", "r")).rejects.toMatchObject({
      transient: false,
      status: 403,
      message: "mwaa-cli: CreateCliToken for 'prod-airflow' failed (403): AccessDeniedException: User is not authorized to perform: airflow:CreateCliToken",
    });
  });

  it("a run list-runs does not show is a lasting 404; stdout without JSON is an error with the CLI's stderr", async () => {
    const calls = scripted([() => answer(LIST_RUNS_STDOUT), () => answer("", "DAG: nope does not exist in 'dag' table\n")]);
    await expect(calls.airflow.state("name_parse", "other")).rejects.toMatchObject({ transient: false, status: 404, message: "mwaa-cli: dags list-runs -d name_parse does not list run 'other'" });
    await expect(calls.airflow.state("nope", "r")).rejects.toMatchObject({ message: "mwaa-cli: dags list-runs -d nope printed no JSON list: DAG: nope does not exist in 'dag' table" });
  });

  it("failureOf names the failed tasks from tasks states-for-dag-run and says their logs are out of reach", async () => {
    const states = JSON.stringify([
      { dag_id: "name_parse", execution_date: "2026-01-01T00:00:00+00:00", task_id: "load", state: "success", start_date: "2026-01-01T00:00:02+00:00", end_date: "2026-01-01T00:00:03+00:00" },
      { dag_id: "name_parse", execution_date: "2026-01-01T00:00:00+00:00", task_id: "parse", state: "failed", start_date: "2026-01-01T00:00:03+00:00", end_date: "2026-01-01T00:00:04+00:00" },
      { dag_id: "name_parse", execution_date: "2026-01-01T00:00:00+00:00", task_id: "write", state: "upstream_failed", start_date: "", end_date: "" },
    ]);
    const calls = scripted([() => answer(states), () => answer("[]")]);
    expect(await calls.airflow.failureOf!("name_parse", "wf-1-t1")).toBe("task 'parse' failed (its log is not available through the MWAA CLI)");
    expect(calls.sent[0]!.body).toBe("tasks states-for-dag-run name_parse wf-1-t1 -o json");
    expect(await calls.airflow.failureOf!("name_parse", "wf-1-t1")).toBeUndefined();
  });

  it("sends one command at a time, as AWS asks of CLI-token callers; polls of one DAG waiting together share a list-runs", async () => {
    let inFlight = 0;
    let most = 0;
    const bodies: string[] = [];
    const airflow = createMwaaCliAirflow({
      environment: "e",
      region: "us-east-1",
      createCliToken: async () => RECORDED_TOKEN,
      fetch: (async (_url: string, init: RequestInit) => {
        bodies.push(String(init.body));
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        const dagId = String(init.body).split(" ")[3];
        return answer(JSON.stringify(["r1", "r2"].map((run_id) => ({ dag_id: dagId, run_id, state: `${run_id} of ${dagId}` }))));
      }) as unknown as typeof fetch,
    });
    const polls = [airflow.state("a", "r1"), airflow.state("b", "r1"), airflow.state("a", "r2"), airflow.state("c", "r2")];
    expect(await Promise.all(polls)).toEqual(["r1 of a", "r1 of b", "r2 of a", "r2 of c"]);
    expect(most).toBe(1);
    expect(bodies).toEqual(["dags list-runs -d a -o json", "dags list-runs -d b -o json", "dags list-runs -d c -o json"]);
    // A trigger is never shared: the same command twice is sent twice.
    bodies.length = 0;
    await Promise.all([1, 2].map(() => airflow.trigger({ dagId: "a", dagRunId: "r1", conf: {} })));
    expect(bodies).toHaveLength(2);
  });

  it("quotes only what needs it", () => {
    expect(quoteArg("manual__2026-01-01T00:00:00+00:00")).toBe("manual__2026-01-01T00:00:00+00:00");
    expect(quoteArg("a b")).toBe("'a b'");
    expect(shellWords(`x ${quoteArg(`$(rm -rf /) "q" 'p' \\n`)}`)).toEqual(["x", `$(rm -rf /) "q" 'p' \\n`]);
  });
});

describe("MWAA SDK route (BATON_MWAA_ROUTE)", () => {
  class MWAAClient {
    constructor(readonly config: { region: string }) {}
    async send(command: { input: unknown; kind: string }) {
      return { kind: command.kind, input: command.input };
    }
  }
  const command = (kind: string) =>
    class {
      readonly kind = kind;
      constructor(readonly input: unknown) {}
    };
  const old = { MWAAClient, CreateCliTokenCommand: command("cli") } as never;
  const recent = { MWAAClient, CreateCliTokenCommand: command("cli"), InvokeRestApiCommand: command("invoke") } as never;

  it("auto picks InvokeRestApi when the SDK has it, else the CLI token (3.523.0 has not)", async () => {
    expect(Object.keys(mwaaCallsFor(recent, "us-east-1", "auto"))).toEqual(["mwaaInvoke"]);
    const calls = mwaaCallsFor(old, "us-east-1", "auto");
    expect(Object.keys(calls)).toEqual(["mwaaCreateCliToken"]);
    expect(await (calls as { mwaaCreateCliToken: (i: { Name: string }) => Promise<unknown> }).mwaaCreateCliToken({ Name: "e" })).toEqual({ kind: "cli", input: { Name: "e" } });
    expect(Object.keys(mwaaCallsFor(recent, "us-east-1", "cli-token"))).toEqual(["mwaaCreateCliToken"]);
  });

  it("invoke-rest-api on an SDK without it is a start-up error that names the way out", () => {
    expect(() => mwaaCallsFor(old, "us-east-1", "invoke-rest-api")).toThrow(
      "BATON_MWAA_ROUTE=invoke-rest-api needs an @aws-sdk/client-mwaa with InvokeRestApiCommand; the installed one has none: set BATON_MWAA_ROUTE=cli-token",
    );
  });

  it("the installed @aws-sdk/client-mwaa has CreateCliTokenCommand, so auto takes the CLI-token route with it", async () => {
    const sdk = (await import("@aws-sdk/client-mwaa")) as Record<string, unknown>;
    expect(typeof sdk.CreateCliTokenCommand).toBe("function");
    const calls = mwaaCallsFor(sdk as never, "us-east-1", "auto");
    expect(Object.keys(calls)).toEqual([typeof sdk.InvokeRestApiCommand === "function" ? "mwaaInvoke" : "mwaaCreateCliToken"]);
  });
});
