/**
 * The seed's local DAGs (src/adapters/airflow/seed-dags): the cleaning and
 * parsing rules, where they read their input, and the errors that name what is
 * missing. End to end through the bridge: tests/integration/seed-workflows.test.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanAddresses, emailHygieneDag } from "../../src/adapters/airflow/seed-dags/email-hygiene.ts";
import { nameParseDag, parseNames } from "../../src/adapters/airflow/seed-dags/name-parse.ts";
import { keyInStore, recordsOf } from "../../src/adapters/airflow/seed-dags/run-files.ts";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";
import { EMAIL_HYGIENE_SAMPLE, expectSeedDagFiles } from "../support/seed-dag-files.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function store() {
  const dir = await mkdtemp(join(tmpdir(), "baton-seed-dags-"));
  dirs.push(dir);
  return createFsObjectStore(dir);
}

describe("the seed's local DAGs", () => {
  it("email hygiene lower-cases, checks syntax and keeps the first of equal addresses", () => {
    expect(cleanAddresses(["A@Example.com", "a@example.com ", "a@", "b@example.org"]).map((c) => [c.email, c.status])).toEqual([
      ["a@example.com", "valid"],
      ["a@example.com", "duplicate"],
      ["a@", "invalid"],
      ["b@example.org", "valid"],
    ]);
  });

  it("name parse splits titles, suffixes and 'Last, First'", () => {
    expect(parseNames(["Prof. Emmy Noether", "Hopper, Grace B."]).map((n) => [n.title, n.first, n.middle, n.last])).toEqual([
      ["Prof.", "Emmy", "", "Noether"],
      ["", "Grace", "B.", "Hopper"],
    ]);
  });

  it("read the column a CSV header names (any case, quoted fields, a BOM), else every non-blank line", () => {
    expect(recordsOf('\uFEFFid,Name,email\n1,"Turing, Alan",a@example.com\n\n2,  Grace Hopper ,\n3,,x@example.com\n', "name")).toEqual(["Turing, Alan", "Grace Hopper"]);
    expect(recordsOf("Turing, Alan\r\n  Grace Hopper\n\n", "name")).toEqual(["Turing, Alan", "Grace Hopper"]);
    expect(recordsOf("ada@example.com\nalan@example.org", "email")).toEqual(["ada@example.com", "alan@example.org"]);
    expect(() => recordsOf('name\n"unclosed\n', "name")).toThrow();
  });

  it("finds the key a URI names in a store (percent-encoded file URLs too), and nothing for another store's URI", async () => {
    const objects = await store();
    expect(keyInStore(objects, objects.uri("runs/a b/input.in"))).toBe("runs/a b/input.in");
    expect(keyInStore(objects, "s3://bucket/runs/x/input.in")).toBeUndefined();
  });

  it("a run without an input, or with one in no store it reads, fails naming the conf field", async () => {
    const objects = await store();
    const dag = emailHygieneDag({ output: objects, inputs: [objects] });
    const run = (conf: Record<string, unknown>) => dag({ dagId: "email_hygiene", dagRunId: "r1", conf: { output_prefix: "out/", ...conf } });
    await expect(run({})).rejects.toThrow("email_hygiene: conf.s3_input_uri (the URI deploy gives) or conf.input_key (a key in the object store) is required");
    await expect(run({ s3_input_uri: "s3://elsewhere/in" })).rejects.toThrow("email_hygiene: conf.s3_input_uri s3://elsewhere/in is in none of the object stores this DAG reads");
    await objects.put("in/list.txt", "x@example.com\n");
    await expect(dag({ dagId: "email_hygiene", dagRunId: "r1", conf: { input_key: "in/list.txt" } })).rejects.toThrow("email_hygiene: conf.output_prefix is required");
    await run({ input_key: "in/list.txt" });
    expect((await objects.list("out/")).map((o) => o.key)).toEqual(["out/Email_Hygiene_Stats.jsonl", "out/email_hygiene.out"]);
  });

  /** Every file under `prefix`, by its name under the prefix. */
  async function filesUnder(objects: Awaited<ReturnType<typeof store>>, prefix: string): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    for (const { key } of await objects.list(prefix)) files[key.slice(prefix.length)] = await new Response(await objects.get(key)).text();
    return files;
  }

  it("write the seed's file names and record fields, the same check the real-Airflow DAGs pass (airflow-api.test.ts)", async () => {
    const objects = await store();
    const stores = { output: objects, inputs: [objects] };
    await objects.put("in/emails.csv", EMAIL_HYGIENE_SAMPLE.input);
    await emailHygieneDag(stores)({ dagId: "email_hygiene", dagRunId: "r1", conf: { input_key: "in/emails.csv", output_prefix: "out/eh/", workflowId: "wf-1" } });
    const hygiene = expectSeedDagFiles("email_hygiene", await filesUnder(objects, "out/eh/"));
    expect(hygiene.output).toEqual(EMAIL_HYGIENE_SAMPLE.output);
    expect(hygiene.stats).toEqual({ dag_id: "email_hygiene", dag_run_id: "r1", workflowId: "wf-1", input_uri: objects.uri("in/emails.csv"), ...EMAIL_HYGIENE_SAMPLE.counts });

    await objects.put("in/names.csv", "name\nJohn Smith\n");
    await nameParseDag(stores)({ dagId: "name_parse", dagRunId: "r2", conf: { input_key: "in/names.csv", output_prefix: "out/np/", workflowId: "wf-2" } });
    const names = expectSeedDagFiles("name_parse", await filesUnder(objects, "out/np/"));
    expect(names.output).toEqual([{ input: "John Smith", title: "", first: "John", middle: "", last: "Smith", nick: "", suffix: "", parsed: true }]);
    expect(names.stats).toMatchObject({ dag_id: "name_parse", dag_run_id: "r2", total: 1, parsed: 1, unparsed: 0 });
  });
});
