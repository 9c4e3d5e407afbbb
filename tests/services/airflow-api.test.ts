/**
 * The real Airflow of scripts/services/airflow.sh, driven through its REST API
 * (Airflow 3: `/api/v2`, a token from `/auth/token`) as Baton's adapter will
 * drive it: a run with a chosen `dag_run_id`, a 409 for the same id, polling to
 * the end, the output and `*_Stats.jsonl` the DAG wrote to S3, and a run that
 * fails on purpose (`conf.fail`).
 */
import { randomUUID } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { airflowApi } from "../support/airflow.ts";
import { s3Client } from "../support/s3.ts";
import { EMAIL_HYGIENE_SAMPLE, expectSeedDagFiles } from "../support/seed-dag-files.ts";

const airflow = inject("airflow");
const bucket = airflow.s3.buckets.dags;
const api = airflowApi(airflow);
let s3: S3Client;

beforeAll(() => {
  s3 = s3Client(airflow.s3);
});
afterAll(() => s3.destroy());

async function put(key: string, body: string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return `s3://${bucket}/${key}`;
}

async function text(key: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return answer.Body!.transformToString();
}

async function keysUnder(prefix: string): Promise<string[]> {
  const answer = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (answer.Contents ?? []).map((object) => object.Key!).sort();
}

/** Every file under `prefix/`, by its name under it. */
async function filesUnder(prefix: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const key of await keysUnder(`${prefix}/`)) files[key.slice(prefix.length + 1)] = await text(key);
  return files;
}

describe(`Airflow ${airflow.version} (real, standalone) through its REST API`, () => {
  it("refuses the API without a token and with a wrong password", async () => {
    const anonymous = await api.request("GET", "/api/v2/dags", undefined, false);
    expect(anonymous.status).toBe(401);
    const wrong = airflowApi({ ...airflow, password: `${airflow.password}-wrong` });
    await expect(wrong.fetchToken()).rejects.toThrow(/answered 401/);
  });

  it("runs name_parse under the run id Baton chose, answers 409 for that id again, and leaves output and stats in S3", async () => {
    const runId = `wf-${randomUUID()}-task-1`;
    const prefix = `runs/${runId}/output`;
    const input = await put(`runs/${runId}/input.csv`, "name\nDr. Juan Q. Xavier de la Vega III\nJohn Smith\nMadonna\n");

    const triggered = await api.trigger("name_parse", runId, { s3_input_uri: input, output_prefix: prefix, workflowId: "wf-1" });
    expect(triggered.status).toBe(200);
    expect(triggered.body.dag_run_id).toBe(runId);
    expect(triggered.body.conf).toMatchObject({ s3_input_uri: input, output_prefix: prefix });

    const again = await api.trigger("name_parse", runId, { s3_input_uri: input, output_prefix: prefix });
    expect(again.status).toBe(409);

    const { run, states } = await api.waitForEnd("name_parse", runId);
    expect(run.state, `states seen: ${states.join(" -> ")}`).toBe("success");
    expect(states[0]).toMatch(/^(queued|running)$/);

    // The seed's names and the records Baton's local DAG writes (the same check as tests/unit/seed-dags.test.ts).
    const { output, stats } = expectSeedDagFiles("name_parse", await filesUnder(prefix));
    expect(output).toEqual([
      { input: "Dr. Juan Q. Xavier de la Vega III", title: "Dr.", first: "Juan", middle: "Q. Xavier", last: "de la Vega", nick: "", suffix: "III", parsed: true },
      { input: "John Smith", title: "", first: "John", middle: "", last: "Smith", nick: "", suffix: "", parsed: true },
      { input: "Madonna", title: "", first: "Madonna", middle: "", last: "", nick: "", suffix: "", parsed: false },
    ]);
    expect(stats).toEqual({ dag_id: "name_parse", dag_run_id: runId, workflowId: "wf-1", input_uri: input, total: 3, parsed: 2, unparsed: 1 });

    // The 409 did not start a second run: the first one's conf is what ran.
    const tasks = await api.taskInstances("name_parse", runId);
    expect(tasks.status).toBe(200);
    expect(tasks.body.task_instances.map((t) => [t.task_id, t.state])).toEqual([["parse_names", "success"]]);
  });

  it("runs email_hygiene: one record per address (valid, invalid, duplicate), the same records as the local DAG, counts in its stats", async () => {
    const runId = `wf-${randomUUID()}-hygiene-1`;
    const prefix = `runs/${runId}/output`;
    const input = await put(`runs/${runId}/emails.csv`, EMAIL_HYGIENE_SAMPLE.input);

    expect((await api.trigger("email_hygiene", runId, { s3_input_uri: input, output_prefix: prefix, workflowId: "wf-2" })).status).toBe(200);
    const { run } = await api.waitForEnd("email_hygiene", runId);
    expect(run.state).toBe("success");

    const { output, stats } = expectSeedDagFiles("email_hygiene", await filesUnder(prefix));
    expect(output).toEqual(EMAIL_HYGIENE_SAMPLE.output);
    expect(stats).toEqual({ dag_id: "email_hygiene", dag_run_id: runId, workflowId: "wf-2", input_uri: input, ...EMAIL_HYGIENE_SAMPLE.counts });
  });

  it("fails a run whose conf asks it to, writing nothing, and says why in the task's log", async () => {
    const runId = `wf-${randomUUID()}-fail-1`;
    const prefix = `runs/${runId}/output`;
    const input = await put(`runs/${runId}/input.csv`, "name\nJohn Smith\n");

    expect((await api.trigger("name_parse", runId, { s3_input_uri: input, output_prefix: prefix, fail: true, fail_reason: "bad batch on purpose" })).status).toBe(200);
    const { run, states } = await api.waitForEnd("name_parse", runId);
    expect(run.state, `states seen: ${states.join(" -> ")}`).toBe("failed");
    expect(await keysUnder(prefix)).toEqual([]);

    const tasks = await api.taskInstances("name_parse", runId);
    expect(tasks.body.task_instances.map((t) => [t.task_id, t.state])).toEqual([["parse_names", "failed"]]);
    const log = await api.request<{ content: unknown }>("GET", `/api/v2/dags/name_parse/dagRuns/${runId}/taskInstances/parse_names/logs/1?full_content=true`);
    expect(log.status).toBe(200);
    expect(JSON.stringify(log.body.content)).toContain("bad batch on purpose");
  });

  it("fails a run whose conf lacks its input, naming the field", async () => {
    const runId = `wf-${randomUUID()}-noinput-1`;
    expect((await api.trigger("email_hygiene", runId, { output_prefix: `runs/${runId}/output` })).status).toBe(200);
    const { run } = await api.waitForEnd("email_hygiene", runId);
    expect(run.state).toBe("failed");
    const log = await api.request<{ content: unknown }>("GET", `/api/v2/dags/email_hygiene/dagRuns/${runId}/taskInstances/clean_emails/logs/1?full_content=true`);
    expect(JSON.stringify(log.body.content)).toContain("conf.s3_input_uri: expected an s3://bucket/key URI");
  });
});
