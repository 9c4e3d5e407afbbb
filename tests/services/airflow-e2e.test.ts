/**
 * The Name Parse workflow end to end on the real Airflow: deployed through
 * `POST /workflow/deploy` (input written to Baton's object store on the S3
 * server), its KAFKA_PUBLISH asks the airflow-adapter for a run of the
 * `name_parse` DAG (tests/services/dags), Airflow runs it (reading the input
 * from S3, writing output and `*_Stats.jsonl` to its own bucket), Baton's
 * monitor polls it, copies the artifacts from S3 to the MinIO store (the
 * `minio` client), publishes the completion on `conductor-events`, and the
 * router completes the EVENT. A failing run fails the workflow; the retry
 * suggestion's rerun runs a new DAG run to success. A restart of Baton while
 * the DAG runs loses nothing and monitors the run once.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
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

/** The seed's Name Parse workflow: request the DAG run, wait for its completion. */
const nameParseWorkflow = (name: string) =>
  seedNameParse({
    name,
    data: { dag_id: "name_parse", completion_event_type: "name_parse_completed", dp_config: NAME_PARSE_CONFIG, fail_while: "${workflow.input.fail_while}", delay_seconds: "${workflow.input.delay_seconds}" },
    outputs: ["stats_url", "output_uri", "dag_run_id"],
  });

/** Baton as `npm start` opens it: runs in the MinIO store, DAGs on the real Airflow, artifacts from Airflow's bucket. */
const batonConfig = (store: Record<string, string>) =>
  loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    BATON_SWEEP_INTERVAL_MS: "50",
    BATON_OBJECT_STORE: "minio",
    S3_ENDPOINT: airflow.s3.endpoint,
    S3_BUCKET: buckets.objects,
    S3_ACCESS_KEY_ID: airflow.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: airflow.s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: "true",
    BATON_AIRFLOW: "airflow3",
    AIRFLOW_URL: airflow.url,
    AIRFLOW_USERNAME: airflow.username,
    AIRFLOW_PASSWORD: airflow.password,
    AIRFLOW_S3_BUCKET: buckets.dags,
    BATON_DAG_POLL_INTERVAL_MS: "500",
    ...store,
  });

beforeAll(async () => {
  s3 = s3Client(airflow.s3);
  baton = await startServer(batonConfig({ BATON_EVENT_STORE: "memory" }));
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

async function deploy(workflowName: string, input: Record<string, unknown>, at = url) {
  const workflowId = `np-${randomUUID()}`;
  const answer = await http(at, "POST", "/workflow/deploy", {
    workflow: nameParseWorkflow(workflowName),
    workflow_id: workflowId,
    trigger_conductor: true,
    input,
  });
  expect(answer.status, answer.text).toBe(200);
  return { workflowId, deployed: answer.json() as { s3_input_uri: string; workflow_instance_id: string } };
}

async function finished(workflowId: string, timeoutMs = 240_000, at = url) {
  return eventually(async () => {
    const workflow = (await http(at, "GET", `/api/workflow/${workflowId}?includeTasks=true`)).json();
    return ["COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"].includes(workflow.status) ? workflow : undefined;
  }, timeoutMs, 250);
}

async function dagRunsOf(workflowId: string, at = url): Promise<any[]> {
  return (await http(at, "GET", `/api/dagruns?workflowId=${encodeURIComponent(workflowId)}`)).json();
}

describe(`Name Parse through Baton and Airflow ${airflow.version}`, () => {
  it("deploy -> KAFKA_PUBLISH -> airflow-adapter -> real DAG run -> monitor -> S3 to MinIO -> completion -> EVENT -> COMPLETED", async () => {
    const { workflowId, deployed } = await deploy("name_parse_e2e", { input_data: "name\nAda Lovelace\nDr. Martin Luther King Jr.\nPlato\n" });
    expect(deployed.workflow_instance_id).toBe(workflowId);
    expect(deployed.s3_input_uri).toBe(`s3://${buckets.objects}/runs/${workflowId}/input.in`);

    const workflow = await finished(workflowId);
    expect(workflow.status, workflow.reasonForIncompletion).toBe("COMPLETED");

    // One DAG run, and Airflow itself ran it under that id.
    const [run, ...others] = await dagRunsOf(workflowId);
    expect(others).toEqual([]);
    expect(run).toMatchObject({ dagId: "name_parse", workflowId, status: "SUCCEEDED", airflowState: "success" });
    const inAirflow = await api.dagRun("name_parse", run.id);
    expect(inAirflow.status).toBe(200);
    expect(inAirflow.body).toMatchObject({ dag_run_id: run.id, state: "success", conf: { s3_input_uri: deployed.s3_input_uri } });

    // The business outcome: parsed names and stats in the MinIO store, copies of what the DAG wrote to Airflow's bucket.
    expect(workflow.output.dag_run_id).toBe(run.id);
    const statsKey = keyOf(workflow.output.stats_url, buckets.objects);
    const outputKey = keyOf(workflow.output.output_uri, buckets.objects);
    expect(statsKey).toMatch(/NameParse_Stats\.jsonl$/);
    expect(outputKey).toMatch(/\/nameparse\.out$/);
    const stats = JSON.parse(await text(buckets.objects, statsKey));
    expect(stats).toMatchObject({ dag_id: "name_parse", dag_run_id: run.id, workflowId, total: 3, parsed: 2, unparsed: 1 });
    const output = (await text(buckets.objects, outputKey)).trim().split("\n").map((line) => JSON.parse(line));
    expect(output.map((n: { input: string; last: string; parsed: boolean }) => [n.input, n.last, n.parsed])).toEqual([
      ["Ada Lovelace", "Lovelace", true],
      ["Dr. Martin Luther King Jr.", "King", true],
      ["Plato", "", false],
    ]);
    for (const key of [statsKey, outputKey]) {
      const [copy, original] = await Promise.all([
        s3.send(new HeadObjectCommand({ Bucket: buckets.objects, Key: key })),
        s3.send(new HeadObjectCommand({ Bucket: buckets.dags, Key: key })),
      ]);
      expect(copy.ContentLength).toBe(original.ContentLength);
      expect(copy.ETag).toBe(original.ETag);
    }

    // The whole history: the dagrun stream, and the workflow's EVENT completed by the router from the completion.
    const history = (await http(url, "GET", `/api/dagruns/${encodeURIComponent(run.id)}`)).json().events.map((e: { type: string }) => e.type);
    expect(history.slice(0, 2)).toEqual(["DagRunRequested", "DagRunTriggered"]);
    expect(history).toContain("DagRunStateObserved");
    expect(history.slice(-3)).toEqual(["DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]);
    const synced = (await baton.store.readStream(`dagrun-${run.id}`)).find((e) => e.type === "DagRunArtifactsSynced")!;
    expect((synced.data as { objects: { target: string }[] }).objects.map((o) => o.target).sort()).toEqual([workflow.output.stats_url, workflow.output.output_uri].sort());
    const eventTask = workflow.tasks.find((t: { referenceTaskName: string }) => t.referenceTaskName === "wait_name_parse_ref");
    expect(eventTask).toMatchObject({ status: "COMPLETED", outputData: { status: "success", stats_url: workflow.output.stats_url } });
    const workflowEvents = await baton.store.readStream(`workflow-${workflowId}`);
    const completion = workflowEvents.find((e) => e.type === "TaskCompleted" && (e.data as { taskId?: string }).taskId === eventTask.taskId);
    expect(completion?.metadata.source).toMatchObject({ kind: "router", message: { topic: "conductor-events" } });
  });

  it("email hygiene, the seed's shipped workflow: KAFKA_PUBLISH -> email-hygiene service -> real DAG run -> monitor -> S3 to MinIO -> completion -> COMPLETED", async () => {
    const workflow = JSON.parse(await readFile(new URL("../../src/services/workflows/email_hygiene.json", import.meta.url), "utf8"));
    const workflowId = `eh-${randomUUID()}`;
    const answer = await http(url, "POST", "/workflow/deploy", { workflow, workflow_id: workflowId, trigger_conductor: true, input: { input_data: EMAIL_HYGIENE_SAMPLE.input } });
    expect(answer.status, answer.text).toBe(200);
    const { s3_input_uri: inputUri } = answer.json() as { s3_input_uri: string };

    const done = await finished(workflowId);
    expect(done.status, done.reasonForIncompletion).toBe("COMPLETED");
    expect(done.output.status).toBe("success");

    // The email-hygiene service asked for the run (its DAG and event type); Airflow ran it under Baton's id.
    const [run, ...others] = await dagRunsOf(workflowId);
    expect(others).toEqual([]);
    expect(run).toMatchObject({ dagId: "email_hygiene", workflowId, status: "SUCCEEDED", airflowState: "success" });
    expect(done.output.dag_run_id).toBe(run.id);
    const inAirflow = await api.dagRun("email_hygiene", run.id);
    expect(inAirflow.body).toMatchObject({ dag_run_id: run.id, state: "success", conf: { s3_input_uri: inputUri, workflowId } });
    const requested = (await baton.store.readStream(`dagrun-${run.id}`))[0]!;
    expect(requested.type).toBe("DagRunRequested");
    expect(requested.data).toMatchObject({ dagId: "email_hygiene", eventType: "email_hygiene_completed" });

    // The cleaned addresses and stats, copied to MinIO under the seed's names, the records the local DAG writes.
    const outputKey = keyOf(done.output.output_uri, buckets.objects);
    const statsKey = keyOf(done.output.stats_url, buckets.objects);
    const prefix = outputKey.slice(0, outputKey.lastIndexOf("/") + 1);
    expect(statsKey.startsWith(prefix)).toBe(true);
    const files = { [outputKey.slice(prefix.length)]: await text(buckets.objects, outputKey), [statsKey.slice(prefix.length)]: await text(buckets.objects, statsKey) };
    const { output, stats } = expectSeedDagFiles("email_hygiene", files);
    expect(output).toEqual(EMAIL_HYGIENE_SAMPLE.output);
    expect(stats).toEqual({ dag_id: "email_hygiene", dag_run_id: run.id, workflowId, input_uri: inputUri, ...EMAIL_HYGIENE_SAMPLE.counts });
    for (const key of [statsKey, outputKey]) {
      const [copy, original] = await Promise.all([
        s3.send(new HeadObjectCommand({ Bucket: buckets.objects, Key: key })),
        s3.send(new HeadObjectCommand({ Bucket: buckets.dags, Key: key })),
      ]);
      expect(copy.ETag).toBe(original.ETag);
    }

    // The router completed the EVENT with the seed's completion.
    const wait = done.tasks.find((t: { referenceTaskName: string }) => t.referenceTaskName === "wait_email_hygiene_ref");
    expect(wait).toMatchObject({ status: "COMPLETED", outputData: { status: "success", dag_id: "email_hygiene", stats_url: done.output.stats_url } });
    const history = (await http(url, "GET", `/api/dagruns/${encodeURIComponent(run.id)}`)).json().events.map((e: { type: string }) => e.type);
    expect(history.slice(-3)).toEqual(["DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]);
  });

  it("a failing DAG run fails the workflow; the retry suggestion's rerun runs a new DAG run to success", async () => {
    const switchKey = `switches/${randomUUID()}`;
    await s3.send(new PutObjectCommand({ Bucket: buckets.dags, Key: switchKey, Body: "the reference data is not loaded yet" }));
    const { workflowId } = await deploy("name_parse_e2e_retry", { input_data: "name\nGrace Hopper\n", fail_while: `s3://${buckets.dags}/${switchKey}` });

    const failed = await finished(workflowId);
    expect(failed.status).toBe("FAILED");
    const [firstRun] = await dagRunsOf(workflowId);
    expect(firstRun).toMatchObject({ status: "FAILED", airflowState: "failed" });
    expect((await api.dagRun("name_parse", firstRun.id)).body.state).toBe("failed");
    const waited = failed.tasks.find((t: { referenceTaskName: string }) => t.referenceTaskName === "wait_name_parse_ref");
    expect(waited.status).toBe("FAILED");
    expect(waited.reasonForIncompletion).toContain(firstRun.id);
    // The DAG's own error, from the failed task's structured log (the REST adapter's failureOf).
    expect(waited.reasonForIncompletion).toContain("RuntimeError: the reference data is not loaded yet");

    const graphql = async (query: string, variables: Record<string, unknown>) => {
      const answer = await http(url, "POST", "/graphql", { query, variables });
      const body = answer.json();
      expect(body.errors, answer.text).toBeUndefined();
      return body.data;
    };
    const { retrySuggestion } = await graphql(`query($id: ID!) { retrySuggestion(workflowId: $id) { reRunFromTaskRefName resetTasks reason } }`, { id: workflowId });
    expect(retrySuggestion).toMatchObject({ reRunFromTaskRefName: "dp_name_parse", resetTasks: ["dp_name_parse", "wait_name_parse_ref"] });

    // The cause is fixed; the suggested retry asks for a new run, which succeeds.
    await s3.send(new DeleteObjectCommand({ Bucket: buckets.dags, Key: switchKey }));
    await graphql(`mutation($id: ID!) { retryFromSuggestion(workflowId: $id) { workflowId } }`, { id: workflowId });
    const completed = await eventually(async () => {
      const workflow = (await http(url, "GET", `/api/workflow/${workflowId}?includeTasks=true`)).json();
      return workflow.status === "COMPLETED" || (workflow.status === "FAILED" && workflow.tasks.length > failed.tasks.length) ? workflow : undefined;
    }, 240_000, 250);
    expect(completed.status, completed.reasonForIncompletion).toBe("COMPLETED");
    const runs = await dagRunsOf(workflowId);
    expect(runs).toHaveLength(2);
    const secondRun = runs.find((r) => r.id !== firstRun.id);
    expect(secondRun).toMatchObject({ status: "SUCCEEDED", airflowState: "success" });
    expect((await api.dagRun("name_parse", secondRun.id)).body.state).toBe("success");
    expect(completed.output.dag_run_id).toBe(secondRun.id);
    const stats = JSON.parse(await text(buckets.objects, keyOf(completed.output.stats_url, buckets.objects)));
    expect(stats).toMatchObject({ dag_run_id: secondRun.id, total: 1, parsed: 1 });
  });

  it("a restart of Baton while the DAG runs loses nothing: the run is triggered once, monitored to its end once, the workflow completes", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "baton-airflow-restart-"));
    const config = batonConfig({ BATON_EVENT_STORE: "file", DATA_DIR: dataDir, BATON_FSYNC: "false" });
    let first: RunningServer | undefined = await startServer(config);
    let second: RunningServer | undefined;
    try {
      const firstUrl = `http://127.0.0.1:${first.port}`;
      const { workflowId } = await deploy("name_parse_e2e_restart", { input_data: "name\nKatherine Johnson\n", delay_seconds: 20 }, firstUrl);
      // Stop Baton once Airflow runs the DAG.
      const run = await eventually(async () => {
        const [found] = await dagRunsOf(workflowId, firstUrl);
        return found?.airflowState === "running" ? found : undefined;
      }, 120_000, 250);
      await first.close();
      first = undefined;
      expect((await api.dagRun("name_parse", run.id)).body.state).toBe("running");

      second = await startServer(config);
      const secondUrl = `http://127.0.0.1:${second.port}`;
      const workflow = await finished(workflowId, 240_000, secondUrl);
      expect(workflow.status, workflow.reasonForIncompletion).toBe("COMPLETED");
      expect(workflow.output.dag_run_id).toBe(run.id);
      expect(JSON.parse(await text(buckets.objects, keyOf(workflow.output.stats_url, buckets.objects)))).toMatchObject({ dag_run_id: run.id, total: 1, parsed: 1 });

      // Once each: requested, triggered, succeeded, synced, published; and one run in Airflow.
      const types = (await second.store.readStream(`dagrun-${run.id}`)).map((e) => e.type);
      const count = (type: string) => types.filter((t) => t === type).length;
      expect({ requested: count("DagRunRequested"), triggered: count("DagRunTriggered"), succeeded: count("DagRunSucceeded"), synced: count("DagRunArtifactsSynced"), published: count("DagRunCompletionPublished") }, types.join(", ")).toEqual({
        requested: 1, triggered: 1, succeeded: 1, synced: 1, published: 1,
      });
      expect(await dagRunsOf(workflowId, secondUrl)).toHaveLength(1);
      const inAirflow = await api.request<{ total_entries: number; dag_runs: { dag_run_id: string }[] }>("GET", `/api/v2/dags/name_parse/dagRuns?run_id_pattern=${encodeURIComponent(workflowId)}`);
      expect(inAirflow.body.dag_runs.map((r) => r.dag_run_id)).toEqual([run.id]);
      // The EVENT was completed once, by the completion the resumed monitor published.
      const eventTask = workflow.tasks.find((t: { referenceTaskName: string }) => t.referenceTaskName === "wait_name_parse_ref");
      const completions = (await second.store.readStream(`workflow-${workflowId}`)).filter((e) => e.type === "TaskCompleted" && (e.data as { taskId?: string }).taskId === eventTask.taskId);
      expect(completions).toHaveLength(1);
    } finally {
      await first?.close();
      await second?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
