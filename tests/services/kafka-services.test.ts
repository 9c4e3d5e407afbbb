import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, startServer } from "../../src/api/node.ts";
import { eventually, http } from "../support/baton.ts";
import { attachKafka, requireShared } from "../support/kafka.ts";
import { startWorker, stopWorker, type WorkerProcess as Worker } from "../support/worker-process.ts";

/**
 * The data services as their own processes on a real Kafka broker: Baton runs
 * none of them (BATON_SERVICES=none); two `npm run worker` processes share the
 * email-validator's consumer group (one also runs the phone-validator), and
 * the shipped email + phone validation workflow completes through them, with
 * the email requests split between the two processes.
 */
const shared = inject("kafka");
const RUN = randomUUID().slice(0, 8);
const DEFINITION = new URL("../../src/services/workflows/email_phone_validation.json", import.meta.url);


/** True while any process of the group still runs. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the data services as their own processes on Kafka", () => {
  const broker = attachKafka(requireShared(shared));
  const kafka = new Kafka({ clientId: `kafka-services-test-${RUN}`, brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  let baton: RunningServer & { url: string };
  const workers: Worker[] = [];

  beforeAll(async () => {
    // Four partitions, so two processes in one consumer group each get some.
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: "email-validation-requests", numPartitions: 4 }] });
    await admin.disconnect();
    const server = await startServer(
      loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        BATON_EVENT_STORE: "memory",
        BATON_SWEEP_INTERVAL_MS: "50",
        BATON_BUS: "kafka",
        KAFKA_BROKERS: broker.brokers,
        KAFKA_GROUP_ID: `baton-services-${RUN}`,
        BATON_SERVICES: "none",
      }),
    );
    baton = { ...server, url: `http://127.0.0.1:${server.port}` };
    const env = { BATON_BUS: "kafka", KAFKA_BROKERS: broker.brokers, KAFKA_GROUP_ID: `workers-${RUN}`, BATON_EMAIL_VALIDATOR_MX_CHECK: "false" };
    // One after the other: the second join rebalances the group before any request is sent.
    workers.push(await startWorker(["email-validator", "phone-validator"], env));
    workers.push(await startWorker(["email-validator"], env));
  });

  afterAll(async () => {
    for (const worker of workers) await stopWorker(worker);
    await baton?.close();
  });

  it("completes the validation workflow through the worker processes, which share the email requests", async () => {
    const registered = await http(baton.url, "POST", "/api/metadata/workflow", JSON.parse(await readFile(DEFINITION, "utf8")));
    expect(registered.status, registered.text).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const started = await http(baton.url, "POST", "/api/workflow", {
        name: "email_phone_validation",
        input: { emails: [`user${i}@example.com`, `broken${i}@`], phones: ["+44 20 7946 0958", `+1 999 555 01${String(i).padStart(2, "0")}`] },
      });
      expect(started.status, started.text).toBe(200);
      ids.push(started.text);
    }
    for (const [i, id] of ids.entries()) {
      const done = await baton.engine.waitForWorkflow(id, Date.now() + 60_000);
      expect(done.status, `${done.reasonForIncompletion} ${workers.map((w) => w.output.join("")).join("\n")}`).toBe("COMPLETED");
      expect(done.output).toMatchObject({
        emails_valid: false,
        emails: [
          { email: `user${i}@example.com`, valid: true, checks: { syntax: true, domain: true } },
          { email: `broken${i}@`, valid: false, reason: "not a valid email address (syntax)" },
        ],
        phones_valid: false,
        phones: [
          { phone: "+44 20 7946 0958", valid: true, country: "GB", line_type: "fixed_line" },
          { valid: false, possible: true },
        ],
      });
    }

    // Which process answered each email request: the completions' serviceInstance header.
    const consumer = kafka.consumer({ groupId: `observer-${RUN}` });
    const answeredBy = new Map<string, string>();
    await consumer.connect();
    await consumer.subscribe({ topic: "conductor-events", fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        // Other test files on this broker left malformed records on this topic: skip them, or kafkajs retries one forever.
        let event: { workflowId?: string; eventType?: string };
        try {
          event = JSON.parse(message.value?.toString() ?? "{}") as { workflowId?: string; eventType?: string };
        } catch {
          return;
        }
        if (event.eventType === "email_validation_completed" && ids.includes(event.workflowId ?? "")) {
          answeredBy.set(event.workflowId!, message.headers?.serviceInstance?.toString() ?? "?");
        }
      },
    });
    // Joining a new consumer group and reading the topic from the start can take a while on a loaded broker.
    await eventually(async () => (answeredBy.size === ids.length ? true : undefined), 90_000, 100);
    await consumer.disconnect();
    const instances = new Set(answeredBy.values());
    expect(instances.size, JSON.stringify([...answeredBy])).toBe(2);
    for (const instance of instances) expect(instance).toMatch(/^.+:\d+$/);
  }, 240_000);

  it("shuts down on SIGTERM, closing its consumers, and leaves no process behind", async () => {
    const worker = workers.pop()!;
    await stopWorker(worker);
    await eventually(async () => (groupAlive(worker.child.pid!) ? undefined : true), 15_000, 100);
    const said = worker.output.join("");
    expect(said).toContain("baton worker: SIGTERM received, shutting down");
    expect(said).not.toContain("failed");
  });
});
