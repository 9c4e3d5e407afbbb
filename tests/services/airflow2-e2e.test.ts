/**
 * Baton against a real Airflow 2 (2.10, `/api/v1` with basic auth; the
 * `airflow2` project's tests/support/airflow2-global-setup.ts starts it with the
 * DAGs of tests/services/dags) and BATON_AIRFLOW=airflow2: the REST adapter
 * triggers under a chosen `dag_run_id` and reads a repeated id's 409 as "the
 * run exists"; the seed's Name Parse and email hygiene workflows run their DAG,
 * Baton's monitor follows it to success, copies output and stats from S3 to the
 * MinIO store and publishes the completion that completes the EVENT; a failing
 * DAG fails the workflow with the DAG's own error message.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRestAirflow } from "../../src/adapters/airflow/rest.ts";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, startServer } from "../../src/api/node.ts";
import { airflowApi } from "../support/airflow.ts";
import { eventually, http } from "../support/baton.ts";
import { nameParseWorkflow as seedNameParse } from "../support/name-parse-workflow.ts";
import { s3Client } from "../support/s3.ts";
import { EMAIL_HYGIENE_SAMPLE, expectSeedDagFiles } from "../support/seed-dag-files.ts";

const airflow = inject("airflow");
const { buckets } = airflow.s3;
const api = airflowApi(airflow);
let s3: S3Client;
let baton: RunningServer;
let url: string;

const NAME_PARSE_CONFIG = `<service name="name_parse" version="1"><field name="full_name" column="name"/></service>`;

/** The seed's Name Parse workflow: request the DAG run, wait for its completion (`dp_config` makes the deploy add the input's URI). */
const nameParseWorkflow = (name: string) =>
  seedNameParse({
    name,
    data: { dag_id: "name_parse", completion_event_type: "name_parse_completed", dp_config: NAME_PARSE_CONFIG, fail_while: "${workflow.input.fail_while}", dag_run_id: "${workflow.input.dag_run_id}" },
    outputs: ["stats_url", "output_uri", "dag_run_id"],
  });

beforeAll(async () => {
  expect(airflow.major).toBe(2);
  s3 = s3Client(airflow.s3);
  baton = await startServer(
    loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      BATON_SWEEP_INTERVAL_MS: "50",
      BATON_EVENT_STORE: "memory",
      BATON_OBJECT_STORE: "minio",
      S3_ENDPOINT: airflow.s3.endpoint,
      S3_BUCKET: buckets.objects,
      S3_ACCESS_KEY_ID: airflow.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: airflow.s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: "true",
      BATON_AIRFLOW: "airflow2",
      AIRFLOW_URL: airflow.url,
      AIRFLOW_USERNAME: airflow.username,
      AIRFLOW_PASSWORD: airflow.password,
      AIRFLOW_S3_BUCKET: buckets.dags,
      BATON_DAG_POLL_INTERVAL_MS: "500",
    }),
  );
  url = `http://127.0.0.1:${baton.port}`;
});

afterAll(async () => {
  await baton?.close();
  s3?.destroy();
});

const keyOf = (uri: string, bucket: string) => {
  expect(uri.startsWith(`s3://${bucket}/`), `${uri} is in bucket ${bucket}`).toBe(true);
  return uri.slice(`s3://${bucket}/`.length);
};

async function text(bucket: string, key: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
}

async function deploy(workflow: unknown, input: Record<string, unknown>) {
  const workflowId = `af2-${randomUUID()}`;
  const answer = await http(url, "POST", "/workflow/deploy", { workflow, workflow_id: workflowId, trigger_conductor: true, input });
  expect(answer.status, answer.text).toBe(200);
  return { workflowId, inputUri: (answer.json() as { s3_input_uri: string }).s3_input_uri };
}

async function finished(workflowId: string) {
  return eventually(async () => {
    const workflow = (await http(url, "GET", `/api/workflow/${workflowId}?includeTasks=true`)).json();
    return ["COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"].includes(workflow.status) ? workflow : undefined;
  }, 240_000, 250);
}

async function dagRunsOf(workflowId: string): Promise<any[]> {
  return (await http(url, "GET", `/api/dagruns?workflowId=${encodeURIComponent(workflowId)}`)).json();
}

/** The artifact's copy in the MinIO store has the size and ETag of what the DAG wrote to Airflow's bucket. */
async function expectCopied(key: string) {
  const [copy, original] = await Promise.all([
    s3.send(new HeadObjectCommand({ Bucket: buckets.objects, Key: key })),
    s3.send(new HeadObjectCommand({ Bucket: buckets.dags, Key: key })),
  ]);
  expect(copy.ContentLength).toBe(original.ContentLength);
  expect(copy.ETag).toBe(original.ETag);
}

describe(`Baton with BATON_AIRFLOW=airflow2 on a real Airflow ${airflow.version}`, () => {
  it("the airflow2 adapter triggers under the chosen dag_run_id, reads a repeated id's 409 as 'exists', and follows the run to success", async () => {
    const adapter = createRestAirflow({ version: 2, baseUrl: airflow.url, username: airflow.username, password: airflow.password });
    const runId = `af2-${randomUUID()}-adapter`;
    const key = `runs/${runId}/input.csv`;
    await s3.send(new PutObjectCommand({ Bucket: buckets.dags, Key: key, Body: "name\nAlan Turing\n" }));
    const conf = { s3_input_uri: `s3://${buckets.dags}/${key}`, output_prefix: `runs/${runId}/output` };

    const first = await adapter.trigger({ dagId: "name_parse", dagRunId: runId, conf });
    expect(first).toEqual({ outcome: "created", url: `${airflow.url}/api/v1/dags/name_parse/dagRuns/${runId}` });
    const again = await adapter.trigger({ dagId: "name_parse", dagRunId: runId, conf: { ...conf, fail: true } });
    expect(again.outcome).toBe("exists");

    const states: string[] = [];
    const end = await eventually(async () => {
      const state = await adapter.state("name_parse", runId);
      if (states.at(-1) !== state) states.push(state);
      return state === "success" || state === "failed" ? state : undefined;
    }, 180_000, 500);
    // The first trigger's conf ran (the 409 changed nothing): success, not the second's `fail`.
    expect(end, `states seen: ${states.join(" -> ")}`).toBe("success");
    expect((await api.dagRun("name_parse", runId)).body).toMatchObject({ dag_run_id: runId, state: "success", conf });
    await expect(adapter.state("name_parse", `${runId}-never-triggered`)).rejects.toThrow(/airflow2: GET .* answered 404/);
  });

  it("refuses a wrong password with a non-transient error naming the status", async () => {
    const adapter = createRestAirflow({ version: 2, baseUrl: airflow.url, username: airflow.username, password: `${airflow.password}-wrong` });
    await expect(adapter.state("name_parse", "any")).rejects.toMatchObject({ transient: false, status: 401 });
  });

  it("Name Parse: deploy -> KAFKA_PUBLISH -> airflow-adapter -> Airflow 2 DAG run -> monitor -> S3 to MinIO -> completion -> EVENT -> COMPLETED", async () => {
    const { workflowId, inputUri } = await deploy(nameParseWorkflow("name_parse_airflow2"), { input_data: "name\nAda Lovelace\nDr. Martin Luther King Jr.\nPlato\n" });
    const workflow = await finished(workflowId);
    expect(workflow.status, workflow.reasonForIncompletion).toBe("COMPLETED");

    const [run, ...others] = await dagRunsOf(workflowId);
    expect(others).toEqual([]);
    expect(run).toMatchObject({ dagId: "name_parse", workflowId, status: "SUCCEEDED", airflowState: "success" });
    expect((await api.dagRun("name_parse", run.id)).body).toMatchObject({ dag_run_id: run.id, state: "success", conf: { s3_input_uri: inputUri, workflowId } });

    expect(workflow.output.dag_run_id).toBe(run.id);
    const statsKey = keyOf(workflow.output.stats_url, buckets.objects);
    const outputKey = keyOf(workflow.output.output_uri, buckets.objects);
    expect(JSON.parse(await text(buckets.objects, statsKey))).toEqual({ dag_id: "name_parse", dag_run_id: run.id, workflowId, input_uri: inputUri, total: 3, parsed: 2, unparsed: 1 });
    const output = (await text(buckets.objects, outputKey)).trim().split("\n").map((line) => JSON.parse(line));
    expect(output.map((n: { input: string; last: string; parsed: boolean }) => [n.input, n.last, n.parsed])).toEqual([
      ["Ada Lovelace", "Lovelace", true],
      ["Dr. Martin Luther King Jr.", "King", true],
      ["Plato", "", false],
    ]);
    await expectCopied(statsKey);
    await expectCopied(outputKey);

    const history = (await http(url, "GET", `/api/dagruns/${encodeURIComponent(run.id)}`)).json().events.map((e: { type: string }) => e.type);
    expect(history.slice(0, 2)).toEqual(["DagRunRequested", "DagRunTriggered"]);
    expect(history).toContain("DagRunStateObserved");
    expect(history.slice(-3)).toEqual(["DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]);
    const triggered = (await baton.store.readStream(`dagrun-${run.id}`)).find((e) => e.type === "DagRunTriggered")!;
    expect(triggered.data).toMatchObject({ url: `${airflow.url}/api/v1/dags/name_parse/dagRuns/${run.id}`, existing: false });
    const wait = workflow.tasks.find((t: { referenceTaskName: string }) => t.referenceTaskName === "wait_name_parse_ref");
    expect(wait).toMatchObject({ status: "COMPLETED", outputData: { status: "success", stats_url: workflow.output.stats_url } });
  });

  it("a run that already exists under the workflow's dag_run_id (Airflow's 409) is monitored, not run again: its output completes the workflow", async () => {
    const runId = `af2-${randomUUID()}-existing`;
    const key = `runs/${runId}/names.csv`;
    await s3.send(new PutObjectCommand({ Bucket: buckets.dags, Key: key, Body: "name\nMary Shelley\n" }));
    // Someone started the run first, writing where Baton's monitor looks (BATON_DAG_OUTPUT_PREFIX's default).
    const earlier = { s3_input_uri: `s3://${buckets.dags}/${key}`, output_prefix: `dagruns/name_parse/${runId}/` };
    expect((await api.trigger("name_parse", runId, earlier)).status).toBe(200);

    const { workflowId } = await deploy(nameParseWorkflow("name_parse_airflow2_existing"), { input_data: "name\nSomeone Else\nAnd Another\n", dag_run_id: runId });
    const done = await finished(workflowId);
    expect(done.status, done.reasonForIncompletion).toBe("COMPLETED");
    expect(done.output.dag_run_id).toBe(runId);
    const events = await baton.store.readStream(`dagrun-${runId}`);
    expect(events.find((e) => e.type === "DagRunTriggered")?.data).toMatchObject({ existing: true });
    // The earlier run's conf is what Airflow ran, and its output is what reached MinIO.
    expect((await api.dagRun("name_parse", runId)).body).toMatchObject({ state: "success", conf: earlier });
    expect(JSON.parse(await text(buckets.objects, keyOf(done.output.stats_url, buckets.objects)))).toMatchObject({ dag_run_id: runId, input_uri: earlier.s3_input_uri, total: 1, parsed: 1 });
  });

  it("email hygiene, the seed's shipped workflow, completes on Airflow 2 with the cleaned addresses and stats in MinIO", async () => {
    const workflow = JSON.parse(await readFile(new URL("../../src/services/workflows/email_hygiene.json", import.meta.url), "utf8"));
    const { workflowId, inputUri } = await deploy(workflow, { input_data: EMAIL_HYGIENE_SAMPLE.input });
    const done = await finished(workflowId);
    expect(done.status, done.reasonForIncompletion).toBe("COMPLETED");

    const [run, ...others] = await dagRunsOf(workflowId);
    expect(others).toEqual([]);
    expect(run).toMatchObject({ dagId: "email_hygiene", workflowId, status: "SUCCEEDED", airflowState: "success" });
    const outputKey = keyOf(done.output.output_uri, buckets.objects);
    const statsKey = keyOf(done.output.stats_url, buckets.objects);
    const prefix = outputKey.slice(0, outputKey.lastIndexOf("/") + 1);
    const files = { [outputKey.slice(prefix.length)]: await text(buckets.objects, outputKey), [statsKey.slice(prefix.length)]: await text(buckets.objects, statsKey) };
    const { output, stats } = expectSeedDagFiles("email_hygiene", files);
    expect(output).toEqual(EMAIL_HYGIENE_SAMPLE.output);
    expect(stats).toEqual({ dag_id: "email_hygiene", dag_run_id: run.id, workflowId, input_uri: inputUri, ...EMAIL_HYGIENE_SAMPLE.counts });
    await expectCopied(statsKey);
    await expectCopied(outputKey);
  });

  it("a failing DAG fails the workflow with the DAG's own error message from the task's log", async () => {
    const switchKey = `switches/${randomUUID()}`;
    await s3.send(new PutObjectCommand({ Bucket: buckets.dags, Key: switchKey, Body: "the reference data is not loaded yet" }));
    try {
      const { workflowId } = await deploy(nameParseWorkflow("name_parse_airflow2_failing"), { input_data: "name\nGrace Hopper\n", fail_while: `s3://${buckets.dags}/${switchKey}` });
      const failed = await finished(workflowId);
      expect(failed.status).toBe("FAILED");
      const [run] = await dagRunsOf(workflowId);
      expect(run).toMatchObject({ status: "FAILED", airflowState: "failed" });
      expect((await api.dagRun("name_parse", run.id)).body.state).toBe("failed");
      const wait = failed.tasks.find((t: { referenceTaskName: string }) => t.referenceTaskName === "wait_name_parse_ref");
      expect(wait.status).toBe("FAILED");
      expect(wait.reasonForIncompletion).toContain(run.id);
      expect(wait.reasonForIncompletion).toContain("RuntimeError: the reference data is not loaded yet");
      const failedEvent = (await baton.store.readStream(`dagrun-${run.id}`)).find((e) => e.type === "DagRunFailed")!;
      expect((failedEvent.data as { reason: string }).reason).toBe(
        `DAG run '${run.id}' of DAG 'name_parse' ended failed: task 'parse_names' (try 1): RuntimeError: the reference data is not loaded yet`,
      );
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket: buckets.dags, Key: switchKey }));
    }
  });
});
