import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, startServer } from "../../src/api/node.ts";
import { eventually, http } from "../support/baton.ts";
import { startEsdbStandin, type EsdbStandin } from "../support/esdb-standin/index.ts";
import { attachKafka, requireShared } from "../support/kafka.ts";
import { startWorker, stopWorker, type WorkerProcess as Worker } from "../support/worker-process.ts";

/**
 * A DAG-run service as its own process: `npm run worker -- email-hygiene` on a
 * real Kafka broker, recording DAG runs in the event store it shares with
 * Baton (the EventStoreDB stand-in, tests/support/esdb-standin). Baton runs no
 * service (BATON_SERVICES=none), so the seed's email hygiene workflow can only
 * complete if the worker consumed the request, recorded the run and handed it
 * over, and Baton's monitor ran the local DAG and published the completion.
 */
const shared = inject("kafka");
const RUN = randomUUID().slice(0, 8);
const DEFINITION = new URL("../../src/services/workflows/email_hygiene.json", import.meta.url);


describe("the email-hygiene service as a worker on Kafka, sharing Baton's EventStoreDB", () => {
  const broker = attachKafka(requireShared(shared));
  let standin: EsdbStandin;
  let baton: RunningServer & { url: string };
  let dataDir: string;
  let worker: Worker | undefined;

  beforeAll(async () => {
    // The topics exist with their leaders before anyone subscribes (a fresh broker answers "does not host this topic-partition" meanwhile).
    const admin = new Kafka({ clientId: `kafka-dag-workers-${RUN}`, brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = ["email-hygiene-requests", "airflow-trigger-requests", "dag-monitor-queue", "conductor-events"];
    await admin.createTopics({ waitForLeaders: true, topics: topics.flatMap((topic) => [{ topic }, { topic: `${topic}.dlq` }]) });
    await admin.disconnect();
    standin = await startEsdbStandin();
    dataDir = await mkdtemp(join(tmpdir(), "baton-dag-workers-"));
    const server = await startServer(
      loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        BATON_EVENT_STORE: "esdb",
        ESDB_URL: standin.connectionString,
        BATON_SWEEP_INTERVAL_MS: "50",
        BATON_BUS: "kafka",
        KAFKA_BROKERS: broker.brokers,
        KAFKA_GROUP_ID: `baton-dag-${RUN}`,
        BATON_SERVICES: "none",
        BATON_DAG_POLL_INTERVAL_MS: "200",
      }),
    );
    baton = { ...server, url: `http://127.0.0.1:${server.port}` };
    worker = await startWorker(["email-hygiene"], {
      BATON_BUS: "kafka",
      KAFKA_BROKERS: broker.brokers,
      KAFKA_GROUP_ID: `baton-dag-${RUN}`,
      BATON_EVENT_STORE: "esdb",
      ESDB_URL: standin.connectionString,
    });
  }, 180_000);

  afterAll(async () => {
    await stopWorker(worker);
    await baton?.close();
    await standin?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("completes the seed's email hygiene workflow: the worker records and hands over the run, Baton runs and monitors it", async () => {
    const workflowId = `eh-${RUN}`;
    const deployed = await http(baton.url, "POST", "/workflow/deploy", {
      workflow: JSON.parse(await readFile(DEFINITION, "utf8")),
      workflow_id: workflowId,
      trigger_conductor: true,
      input: { input_data: "Ada@Example.com\nada@example.com\nnot an address\n" },
    });
    expect(deployed.status, deployed.text).toBe(200);

    const done = await baton.engine.waitForWorkflow(workflowId, Date.now() + 90_000);
    expect(done.status, `${done.reasonForIncompletion} ${worker!.output.join("")}`).toBe("COMPLETED");
    expect(done.output).toMatchObject({ status: "success", dag_run_id: expect.any(String) });

    // The run's first event was written by the worker process (its command ids are not Baton's), to the shared store.
    // The monitor records that it published the completion after publishing it, so the
    // router may complete the workflow first: wait for that last event.
    const events = await eventually(async () => {
      const stored = await baton.store.readStream(`dagrun-${done.output.dag_run_id}`);
      return stored.some((e) => e.type === "DagRunCompletionPublished") ? stored : undefined;
    }, 30_000, 100);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["DagRunRequested", "DagRunTriggered", "DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]));
    expect(events[0]!.type).toBe("DagRunRequested");
    expect(events[0]!.metadata.source).toMatchObject({ message: { topic: "email-hygiene-requests" } });

    // The business outcome: the cleaned addresses where the completion says.
    const outputUri = String(done.output.output_uri);
    expect(outputUri).toMatch(/\/email_hygiene\.out$/);
    const lines = (await readFile(new URL(outputUri), "utf8")).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((l: { email: string; status: string }) => [l.email, l.status])).toEqual([
      ["ada@example.com", "valid"],
      ["ada@example.com", "duplicate"],
      ["not an address", "invalid"],
    ]);
  }, 180_000);
});
