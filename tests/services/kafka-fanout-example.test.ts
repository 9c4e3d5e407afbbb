import { randomUUID } from "node:crypto";
import { noopLogger, TaskHandler } from "@io-orkes/conductor-javascript";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { registerFanout } from "../../examples/fanout-orchestrator/register.ts";
import { serviceWorkers, startKafkaServices } from "../../examples/fanout-orchestrator/services.ts";
import { eventually, http, sdkClients, startBaton, type TestBaton } from "../support/baton.ts";
import { attachKafka, requireShared } from "../support/kafka.ts";

/**
 * examples/fanout-orchestrator with BATON_BUS=kafka: `POST /fanout/api/orchestrate`
 * queues the request on a real Kafka topic, the example's event handler on
 * `kafka:<topic>` starts the workflow, and the SDK workers make the calls.
 */
const shared = inject("kafka");
const RUN = randomUUID().slice(0, 8);
const TOPIC = `fanout-requests-${RUN}`;

describe("fan-out orchestrator example on a real Kafka broker", () => {
  const broker = attachKafka(requireShared(shared));
  let baton: TestBaton;
  let handler: TaskHandler;
  let clients: Awaited<ReturnType<typeof sdkClients>>;

  beforeAll(async () => {
    baton = await startBaton({
      env: { BATON_BUS: "kafka", KAFKA_BROKERS: broker.brokers, KAFKA_GROUP_ID: `baton-fanout-${RUN}`, BATON_FANOUT_API_PREFIX: "/fanout", BATON_FANOUT_TOPIC: TOPIC },
    });
    clients = await sdkClients(baton.url);
    await registerFanout(clients, { kind: "worker" }, TOPIC);
    handler = new TaskHandler({ client: clients.getClient(), workers: serviceWorkers({ failServices: ["specialty"] }), scanForDecorated: false, logger: noopLogger });
    await handler.startWorkers();
  });

  afterAll(async () => {
    await handler?.stopWorkers();
    await baton?.close();
  });

  it("queues the request on Kafka and tracks every call the workflow made from it", async () => {
    const payload = [{ services: ["revenue", "specialty"], scenario_id: 9, business_type_id: 5 }];
    // The handler's consumer joins its group asynchronously: post until a task shows up (each post is its own task).
    const taskId = await eventually(async () => {
      const accepted = await http(baton.url, "POST", "/fanout/api/orchestrate", { task_name: "over kafka", payload });
      expect(accepted.status).toBe(202);
      const id = accepted.json().task_id as string;
      const found = await eventually(async () => ((await http(baton.url, "GET", `/fanout/api/tasks/${id}`)).status === 200 ? id : undefined), 3000).catch(() => undefined);
      return found;
    }, 60_000, 0);

    const task = await eventually(async () => {
      const view = (await http(baton.url, "GET", `/fanout/api/tasks/${taskId}`)).json();
      return view.status === "COMPLETED" || view.status === "FAILED" ? view : undefined;
    });
    expect(task.status).toBe("FAILED");
    const calls = Object.fromEntries(task.requests.map((r: any) => [r.service, r]));
    expect(calls.revenue).toMatchObject({ status: "COMPLETED", response_payload: { revenue: 9050 }, request_payload: { task_id: taskId, scenario_id: 9 } });
    expect(calls.specialty).toMatchObject({ status: "FAILED", error: "specialty service unavailable" });

    // The request really travelled through the broker.
    const kafka = new Kafka({ clientId: `fanout-check-${RUN}`, brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(TOPIC);
      expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBeGreaterThanOrEqual(1);
    } finally {
      await admin.disconnect();
    }
  });

  it("makes each call as a Kafka request whose reply the router hands back (the kafka transport)", async () => {
    const services = await startKafkaServices([broker.brokers], { failScenarios: [13] }, { groupId: `fanout-services-${RUN}` });
    try {
      await registerFanout(clients, { kind: "kafka" }, TOPIC);
      const payload = [{ services: ["revenue", "rebates"], scenario_id: 3, business_type_id: 4 }, { services: ["specialty"], scenario_id: 13, business_type_id: 1 }];
      const accepted = await http(baton.url, "POST", "/fanout/api/orchestrate/direct", { task_name: "calls over kafka", payload });
      const taskId = accepted.json().task_id as string;
      const task = await eventually(async () => {
        const view = (await http(baton.url, "GET", `/fanout/api/tasks/${taskId}`)).json();
        return view.status === "COMPLETED" || view.status === "FAILED" ? view : undefined;
      }, 60_000);
      expect(task.status).toBe("FAILED");
      const calls = Object.fromEntries(task.requests.map((r: any) => [`${r.item_index}:${r.service}`, r]));
      expect(calls["0:revenue"]).toMatchObject({ status: "COMPLETED", response_payload: { revenue: 3040 }, request_payload: { task_id: taskId, scenario_id: 3 } });
      expect(calls["0:rebates"]).toMatchObject({ status: "COMPLETED", response_payload: { rebate_rate: 0.02 } });
      expect(calls["1:specialty"].status).toBe("FAILED");
      expect(calls["1:specialty"].error).toContain("specialty service: scenario 13 not found");
    } finally {
      await services.close();
      await registerFanout(clients, { kind: "worker" }, TOPIC);
    }
  });
});