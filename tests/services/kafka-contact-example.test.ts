import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noopLogger, TaskHandler } from "@io-orkes/conductor-javascript";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createMockCrm } from "../../examples/contact-form/crm.ts";
import { EVENTS_TOPIC } from "../../examples/contact-form/definitions.ts";
import { outboxMailer } from "../../examples/contact-form/mailer.ts";
import { registerContactForm } from "../../examples/contact-form/register.ts";
import { contactWorkers } from "../../examples/contact-form/workers.ts";
import { eventually, http, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";
import { attachKafka, requireShared } from "../support/kafka.ts";

/**
 * examples/contact-form with BATON_BUS=kafka: ContactFormSubmitted travels
 * through a real topic to the event handler, and EmailDispatched and
 * WorkflowCompleted land on the broker's `contact-events` topic.
 */
const shared = inject("kafka");
const RUN = randomUUID().slice(0, 8);
const TOPIC = `contact-submitted-${RUN}`;

describe("contact-form example on a real Kafka broker", () => {
  const broker = attachKafka(requireShared(shared));
  const crm = createMockCrm();
  let baton: TestBaton;
  let handler: TaskHandler;
  let outbox: string;

  beforeAll(async () => {
    outbox = await mkdtemp(join(tmpdir(), "baton-kafka-outbox-"));
    baton = await startBaton({
      env: { BATON_BUS: "kafka", KAFKA_BROKERS: broker.brokers, KAFKA_GROUP_ID: `baton-contact-${RUN}`, BATON_CONTACT_API: "true", BATON_CONTACT_TOPIC: TOPIC },
    });
    const clients = await sdkClients(baton.url);
    await registerContactForm(clients, TOPIC);
    handler = new TaskHandler({ client: clients.getClient(), workers: contactWorkers({ mailer: outboxMailer(outbox), crm }), scanForDecorated: false, logger: noopLogger });
    await handler.startWorkers();
  });

  afterAll(async () => {
    await handler?.stopWorkers();
    await baton?.close();
    await rm(outbox, { recursive: true, force: true });
  });

  it("runs both workflows from a form posted through Kafka and publishes their events on the broker", async () => {
    const form = { name: "Katherine", email: "kj@example.com", company: "NASA", message: "Orbit figures, please." };
    // The handler's consumer joins its group asynchronously: post until a submission is picked up.
    const submissionId = await eventually(async () => {
      const accepted = await http(baton.url, "POST", "/api/contact", form);
      expect(accepted.status).toBe(202);
      const id = accepted.json().submission_id as string;
      return eventually(async () => (crm.tags.has(id) ? id : undefined), 3000).catch(() => undefined);
    }, 60_000, 0);

    const lead = await eventually(async () => [...crm.leads.values()].find((l) => l.submissionId === submissionId));
    expect(lead.tags).toEqual(["web-form", "b2b"]);

    const kafka = new Kafka({ clientId: `contact-check-${RUN}`, brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `contact-check-${RUN}` });
    const seen: Record<string, any>[] = [];
    // The events topic may be seconds old (the first KAFKA_PUBLISH created it): have it exist with a leader before subscribing.
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: EVENTS_TOPIC }], waitForLeaders: true });
    await admin.disconnect();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: EVENTS_TOPIC, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(JSON.parse(message.value!.toString())) });
      const mine = await eventually(async () => {
        const events = seen.filter((e) => e.submission_id === submissionId);
        return events.length >= 2 ? events : undefined;
      }, 60_000);
      const dispatched = mine.find((e) => e.eventType === "EmailDispatched");
      expect(dispatched).toMatchObject({ to: "kj@example.com" });
      expect(await readdir(outbox)).toContain(`${dispatched?.messageId}.eml`);
      expect(mine.find((e) => e.eventType === "WorkflowCompleted")).toMatchObject({ workflow: "contact_lead", leadId: lead.leadId });
    } finally {
      await consumer.disconnect();
    }
  });
});
