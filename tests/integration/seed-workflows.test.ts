/**
 * The seed's workflows on `npm start` alone (the embedded defaults: file event
 * store, in-process bus, file object store, local executor, every data service
 * in Baton), through the Node entry: email hygiene (KAFKA_PUBLISH ->
 * email-hygiene service -> email_hygiene DAG -> monitor -> completion ->
 * EVENT) and name parse (KAFKA_PUBLISH -> airflow-adapter -> name_parse DAG ->
 * ...), both deployed through `POST /workflow/deploy` with their input file as
 * the seed did, and the email + phone validation FORK_JOIN. Each is checked
 * by its business outcome: the cleaned addresses and parsed names in the
 * object store, the stats, the DAG run's history; the validation results.
 */
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { collectSubscription } from "../support/graphql-ws.ts";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, startServer } from "../../src/api/node.ts";
import { eventually, http, removeDir } from "../support/baton.ts";
import { MAIL_DOMAINS } from "../support/mail-domains.ts";

const workflowFile = (name: string) => new URL(`../../src/services/workflows/${name}.json`, import.meta.url);
const definition = async (name: string) => JSON.parse(await readFile(workflowFile(name), "utf8")) as Record<string, unknown>;

let server: RunningServer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await removeDir(dataDir);
  dataDir = undefined;
});

async function boot() {
  dataDir = await mkdtemp(join(tmpdir(), "baton-seed-workflows-"));
  // Only what a test must change: a free port, a short poll interval (10 s by default) and sweep.
  server = await startServer(loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, BATON_DAG_POLL_INTERVAL_MS: "50", BATON_SWEEP_INTERVAL_MS: "50" }), {
    services: { adapters: { lookupMailDomain: MAIL_DOMAINS } },
  });
  const url = `http://127.0.0.1:${server.port}`;
  const call = (method: string, path: string, body?: unknown) => http(url, method, path, body);
  const objects = createFsObjectStore(join(dataDir, "objects"));
  const text = async (key: string) => new Response(await objects.get(key)).text();
  const jsonLines = async (key: string) => (await text(key)).trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const keyOf = (uri: string) => {
    const root = objects.uri("x").slice(0, -1);
    expect(uri.startsWith(root), `${uri} is in the object store`).toBe(true);
    return decodeURIComponent(uri.slice(root.length));
  };
  return { server, call, objects, text, jsonLines, keyOf };
}

type Harness = Awaited<ReturnType<typeof boot>>;

async function deploy(h: Harness, name: string, workflowId: string, inputData: string) {
  const deployed = await h.call("POST", "/workflow/deploy", { workflow: await definition(name), workflow_id: workflowId, trigger_conductor: true, input: { input_data: inputData } });
  expect(deployed.status, deployed.text).toBe(200);
  expect(deployed.json()).toMatchObject({ runId: workflowId, workflow_instance_id: workflowId });
  const done = await h.server.engine.waitForWorkflow(workflowId, Date.now() + 20_000);
  expect(done.status, done.reasonForIncompletion).toBe("COMPLETED");
  return { done, deployed: deployed.json() as { s3_input_uri: string } };
}

/** The run's events, from its stream and from GET /api/dagruns/{id}, which must agree. */
async function dagRunHistory(h: Harness, workflowId: string) {
  const runs = await eventually(async () => {
    const listed = (await h.call("GET", `/api/dagruns?workflowId=${workflowId}`)).json() as { id: string; completionPublished?: boolean }[];
    return listed[0]?.completionPublished ? listed : undefined;
  }, 5_000);
  expect(runs).toHaveLength(1);
  const run = (await h.call("GET", `/api/dagruns/${runs[0]!.id}`)).json() as { id: string; dagId: string; status: string; statsUrl?: string; events: { type: string }[] };
  const stream = (await h.server.store.readStream(`dagrun-${run.id}`)).map((e) => e.type);
  expect(run.events.map((e) => e.type)).toEqual(stream);
  return { run, types: stream };
}

describe("the seed's workflows on the embedded defaults (npm start alone)", () => {
  it("email hygiene: deployed with its input file, the email-hygiene service runs the DAG; cleaned addresses and stats land in the object store", async () => {
    const h = await boot();
    const input = ["Ada.Lovelace@Example.com", "  alan@example.org", "not an address", "ada.lovelace@example.com", "grace@example.net", ""].join("\n");
    const { done, deployed } = await deploy(h, "email_hygiene", "hygiene-1", input);

    const output = done.output as { status: string; dag_run_id: string; stats_url: string; output_uri: string };
    expect(output.status).toBe("success");
    // The DAG read the file deploy stored and wrote output and stats under the run's prefix (the bridge's layout, the seed's names).
    expect(h.keyOf(output.output_uri)).toBe(`dagruns/email_hygiene/${output.dag_run_id}/email_hygiene.out`);
    expect(h.keyOf(output.stats_url)).toBe(`dagruns/email_hygiene/${output.dag_run_id}/Email_Hygiene_Stats.jsonl`);
    expect(await h.jsonLines(h.keyOf(output.output_uri))).toEqual([
      { input: "Ada.Lovelace@Example.com", email: "ada.lovelace@example.com", status: "valid" },
      { input: "alan@example.org", email: "alan@example.org", status: "valid" },
      { input: "not an address", email: "not an address", status: "invalid" },
      { input: "ada.lovelace@example.com", email: "ada.lovelace@example.com", status: "duplicate" },
      { input: "grace@example.net", email: "grace@example.net", status: "valid" },
    ]);
    expect(await h.jsonLines(h.keyOf(output.stats_url))).toEqual([
      { dag_id: "email_hygiene", dag_run_id: output.dag_run_id, workflowId: "hygiene-1", input_uri: deployed.s3_input_uri, total: 5, valid: 3, invalid: 1, duplicates: 1 },
    ]);

    // The EVENT was completed by the router with the seed's completion, named email_hygiene_completed.
    const wait = done.tasks.find((t) => t.referenceTaskName === "wait_email_hygiene_ref")!;
    expect(wait).toMatchObject({ status: "COMPLETED", workerId: "baton:router" });
    expect(wait.outputData).toMatchObject({ status: "success", dag_id: "email_hygiene", dag_run_id: output.dag_run_id, stats_url: output.stats_url });

    const { run, types } = await dagRunHistory(h, "hygiene-1");
    expect(run).toMatchObject({ id: output.dag_run_id, dagId: "email_hygiene", status: "SUCCEEDED", statsUrl: output.stats_url });
    expect(types[0]).toBe("DagRunRequested");
    expect(types[1]).toBe("DagRunTriggered");
    expect(types).toContain("DagRunStateObserved");
    expect(types.slice(-3)).toEqual(["DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]);
    const synced = (await h.server.store.readStream(`dagrun-${run.id}`)).find((e) => e.type === "DagRunArtifactsSynced")!.data as { objects: { target: string; kind: string; size: number }[] };
    expect(synced.objects.map((o) => [o.kind, o.target])).toEqual(
      expect.arrayContaining([
        ["output", output.output_uri],
        ["stats", output.stats_url],
      ]),
    );
    expect(synced.objects.every((o) => o.size > 0)).toBe(true);

    // The GraphQL stats subscription counts the DAG run beside the workflow (its first push is the current counts).
    // Over graphql-ws, as the console reads it: its first push is the current counts.
    const client = createClient({ url: `ws://127.0.0.1:${h.server.port}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    const pushed = collectSubscription(client, "subscription { stats { byTypeAndStatus { workflowType status count } dagRuns { dagId status count averageDurationMs } } }", {}, (items) => items.length >= 1);
    const [first] = await pushed.finished;
    await client.dispose();
    const stats = first.stats;
    expect(stats.byTypeAndStatus).toEqual([{ workflowType: "email_hygiene", status: "COMPLETED", count: 1 }]);
    expect(stats.dagRuns).toEqual([{ dagId: "email_hygiene", status: "SUCCEEDED", count: 1, averageDurationMs: expect.any(Number) }]);
    expect(stats.dagRuns[0].averageDurationMs).toBeGreaterThan(0);
  });

  it("name parse: deployed with its input file, the airflow-adapter runs the DAG; parsed names and stats land in the object store", async () => {
    const h = await boot();
        // A CSV whose header names the `name` column (the other input shape is one record a line, as in email hygiene above).
    const { done, deployed } = await deploy(h, "name_parse", "names-1", 'id,name\n1,Dr. Ada M. Lovelace Jr.\n2,"Turing, Alan"\n3,Grace Hopper\n');
    const output = done.output as { status: string; dag_run_id: string; stats_url: string; output_uri: string };
    expect(output.status).toBe("success");
    expect(h.keyOf(output.output_uri)).toBe(`dagruns/name_parse/${output.dag_run_id}/nameparse.out`);
    const names = await h.jsonLines(h.keyOf(output.output_uri));
    expect(names.map((n) => [n.input, n.title, n.first, n.middle, n.last, n.suffix])).toEqual([
      ["Dr. Ada M. Lovelace Jr.", "Dr.", "Ada", "M.", "Lovelace", "Jr."],
      ["Turing, Alan", "", "Alan", "", "Turing", ""],
      ["Grace Hopper", "", "Grace", "", "Hopper", ""],
    ]);
    expect(await h.jsonLines(h.keyOf(output.stats_url))).toEqual([
      { dag_id: "name_parse", dag_run_id: output.dag_run_id, workflowId: "names-1", input_uri: deployed.s3_input_uri, total: 3, parsed: 3, unparsed: 0 },
    ]);
    const { run, types } = await dagRunHistory(h, "names-1");
    expect(run).toMatchObject({ dagId: "name_parse", status: "SUCCEEDED" });
    expect([types[0], types[1], ...types.slice(-3)]).toEqual(["DagRunRequested", "DagRunTriggered", "DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]);
  });

  it("a DAG that cannot read its input fails the EVENT with the reason, and the run's history says failed", async () => {
    const h = await boot();
    expect((await h.call("POST", "/api/metadata/workflow", await definition("email_hygiene"))).status).toBe(200);
    const started = await h.call("POST", "/api/workflow", { name: "email_hygiene", input: { s3_input_uri: h.objects.uri("nowhere/input.in") } });
    expect(started.status, started.text).toBe(200);
    const done = await h.server.engine.waitForWorkflow(started.text, Date.now() + 20_000);
    expect(done.status).toBe("FAILED");
    const wait = done.tasks.find((t) => t.referenceTaskName === "wait_email_hygiene_ref")!;
    expect(wait.status).toBe("FAILED");
    // The DAG's own words reach the task (the local executor tells the monitor why a run failed).
    const why = `email_hygiene: input ${h.objects.uri("nowhere/input.in")} does not exist`;
    expect(wait.reasonForIncompletion).toContain(why);
    expect(wait.outputData).toMatchObject({ status: "failed", dag_id: "email_hygiene", error_message: expect.stringContaining(why) });
    const { run, types } = await dagRunHistory(h, started.text);
    expect(run.status).toBe("FAILED");
    expect(types).toContain("DagRunFailed");
    expect(types).not.toContain("DagRunSucceeded");
  });

  it("email + phone validation: the FORK_JOIN completes through the in-process validators with each result", async () => {
    const h = await boot();
    expect((await h.call("POST", "/api/metadata/workflow", await definition("email_phone_validation"))).status).toBe(200);
    const started = await h.call("POST", "/api/workflow", {
      name: "email_phone_validation",
      input: { emails: ["ada.lovelace@example.com", "not an address"], phones: ["+44 20 7946 0958", "030 901820"], default_country: "DE" },
    });
    expect(started.status, started.text).toBe(200);
    const done = await h.server.engine.waitForWorkflow(started.text, Date.now() + 20_000);
    expect(done.status, done.reasonForIncompletion).toBe("COMPLETED");
    const output = done.output as { emails: { email: string; valid: boolean }[]; phones: { phone: string; valid: boolean; e164?: string; country?: string }[] };
    expect(output.emails.map((e) => [e.email, e.valid])).toEqual([
      ["ada.lovelace@example.com", true],
      ["not an address", false],
    ]);
    expect(output.phones.map((p) => [p.phone, p.valid, p.country, p.e164])).toEqual([
      ["+44 20 7946 0958", true, "GB", "+442079460958"],
      ["030 901820", true, "DE", "+4930901820"],
    ]);
  });
});
