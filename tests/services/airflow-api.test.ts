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

/** A CSV with a header, as the DAGs write it (no quoted commas in these tests' data). */
const csvRows = (body: string) => {
  const [header, ...lines] = body.trim().split("\n");
  const names = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((value, i) => [names[i], value])));
};

const jsonLines = (body: string) => body.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);

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

    expect(await keysUnder(prefix)).toEqual([`${prefix}/NameParse_Stats.jsonl`, `${prefix}/name_parse_output.csv`]);
    const rows = csvRows(await text(`${prefix}/name_parse_output.csv`));
    expect(rows).toEqual([
      { input: "Dr. Juan Q. Xavier de la Vega III", title: "Dr.", first: "Juan", middle: "Q. Xavier", last: "de la Vega", suffix: "III", nickname: "", valid: "True" },
      { input: "John Smith", title: "", first: "John", middle: "", last: "Smith", suffix: "", nickname: "", valid: "True" },
      { input: "Madonna", title: "", first: "Madonna", middle: "", last: "", suffix: "", nickname: "", valid: "False" },
    ]);
    const [stats, ...more] = jsonLines(await text(`${prefix}/NameParse_Stats.jsonl`));
    expect(more).toEqual([]);
    expect(stats).toMatchObject({ dag_id: "name_parse", dag_run_id: runId, workflowId: "wf-1", records_in: 3, records_out: 3, parsed: 2, unparsed: 1 });
    expect(stats!.ended_at as number).toBeGreaterThanOrEqual(stats!.started_at as number);

    // The 409 did not start a second run: the first one's conf is what ran.
    const tasks = await api.taskInstances("name_parse", runId);
    expect(tasks.status).toBe(200);
    expect(tasks.body.task_instances.map((t) => [t.task_id, t.state])).toEqual([["parse_names", "success"]]);
  });

  it("runs email_hygiene: invalid addresses reported, duplicates dropped, counts in its stats", async () => {
    const runId = `wf-${randomUUID()}-hygiene-1`;
    const prefix = `runs/${runId}/output`;
    const input = await put(`runs/${runId}/emails.csv`, "id,email\n1,Ada@Example.com\n2,ada@example.COM\n3,not-an-email\n4,info@example.org\n");

    expect((await api.trigger("email_hygiene", runId, { s3_input_uri: input, output_prefix: prefix })).status).toBe(200);
    const { run } = await api.waitForEnd("email_hygiene", runId);
    expect(run.state).toBe("success");

    const rows = csvRows(await text(`${prefix}/email_hygiene_output.csv`));
    expect(rows.map((row) => [row.input, row.email, row.status, row.role_account])).toEqual([
      ["Ada@Example.com", "ada@example.com", "valid", "False"],
      ["not-an-email", "", "invalid", "False"],
      ["info@example.org", "info@example.org", "valid", "True"],
    ]);
    expect(rows[1]!.reason).toMatch(/@/);
    const [stats] = jsonLines(await text(`${prefix}/EmailHygiene_Stats.jsonl`));
    expect(stats).toMatchObject({ dag_id: "email_hygiene", dag_run_id: runId, records_in: 4, records_out: 3, valid: 2, invalid: 1, duplicate: 1 });
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
