import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, startServer } from "../../src/api/node.ts";
import { restartPointFor } from "../../src/projections/retry-suggestion.ts";
import { eventually, http, removeDir } from "../support/baton.ts";
import { attachKafka, requireShared } from "../support/kafka.ts";

/**
 * The seed's documents as written, on a real Kafka broker (BATON_BUS=kafka,
 * BATON_EVENT_SINK_WAITS=true): the bus naming rule (an event handler on
 * `kafka:<topic>` hears a KAFKA_PUBLISH to `<topic>`, as on the in-process bus,
 * tests/integration/event-handlers.test.ts), and the seed's EVENT without
 * asyncComplete waiting for its reply, whose `error_message` becomes the
 * task's reason and the retry suggestion's.
 */
const shared = inject("kafka");
const RUN = randomUUID().slice(0, 8);
const SHIPMENTS = `shipments-${RUN}`;
const COMPLETIONS = "conductor-events";
const EVENT_TYPE = `email_hygiene_completed_${RUN}`;

describe("the seed's documents on a real Kafka broker", () => {
  const broker = attachKafka(requireShared(shared));
  const raw = new Kafka({ clientId: `kafka-seed-test-${RUN}`, brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const producer: Producer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  let baton: RunningServer & { url: string };
  let dataDir: string;

  const call = (method: string, path: string, body?: unknown) => http(baton.url, method, path, body);

  async function define(definition: Record<string, unknown>) {
    const response = await call("POST", "/api/metadata/workflow", { version: 1, schemaVersion: 2, ...definition });
    expect(response.status, response.text).toBe(200);
  }

  async function start(name: string, input: Record<string, unknown> = {}): Promise<string> {
    const response = await call("POST", "/api/workflow", { name, input });
    expect(response.status, response.text).toBe(200);
    return response.text;
  }

  beforeAll(async () => {
    await producer.connect();
    dataDir = await mkdtemp(join(tmpdir(), "baton-kafka-seed-"));
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      BATON_EVENT_STORE: "file",
      DATA_DIR: dataDir,
      BATON_SWEEP_INTERVAL_MS: "50",
      BATON_BUS: "kafka",
      KAFKA_BROKERS: broker.brokers,
      KAFKA_GROUP_ID: `baton-seed-${RUN}`,
      BATON_EVENT_SINK_WAITS: "true",
    });
    const server = await startServer(config);
    baton = { ...server, url: `http://127.0.0.1:${server.port}` };
  });

  afterAll(async () => {
    await producer.disconnect();
    await baton?.close();
    await removeDir(dataDir);
  });

  it("fires an event handler on kafka:<topic> for a KAFKA_PUBLISH to <topic>", async () => {
    await define({ name: "seed_shipping_ack", tasks: [{ name: "shipped", taskReferenceName: "shipped", type: "WAIT" }] });
    const handler = {
      name: `shipments_${RUN}`,
      event: `kafka:${SHIPMENTS}`,
      active: true,
      actions: [{ action: "complete_task", complete_task: { workflowId: "${workflowId}", taskRefName: "shipped", output: { carrier: "${carrier}" } } }],
    };
    expect((await call("POST", "/api/event", handler)).status).toBe(200);
    await baton.engine.eventHandlers.listening(handler.event);
    const waiting = await start("seed_shipping_ack");
    await define({
      name: "seed_ship",
      tasks: [
        {
          name: "announce",
          taskReferenceName: "announce",
          type: "KAFKA_PUBLISH",
          inputParameters: { kafka_request: { topic: SHIPMENTS, value: { workflowId: "${workflow.input.target}", carrier: "DHL" } } },
        },
      ],
    });
    await start("seed_ship", { target: waiting });
    const done = await baton.engine.waitForWorkflow(waiting, Date.now() + 30_000);
    expect(done.status, JSON.stringify(baton.engine.eventHandlers.executions(handler.name))).toBe("COMPLETED");
    expect(done.tasks[0]?.outputData).toMatchObject({ carrier: "DHL" });
    // The execution is recorded after the completion it caused.
    const execution = await eventually(async () => baton.engine.eventHandlers.executions(handler.name).find((e) => e.status !== "IN_PROGRESS"), 10_000, 20);
    expect(execution).toMatchObject({ status: "COMPLETED" });
    expect(execution!.messageId).toMatch(new RegExp(`^${SHIPMENTS}:\\d+:\\d+$`));
  });

  it("runs handlers on kafka:<topic> and <topic> once each per record (one subscription, not two consumers splitting the group)", async () => {
    const topic = `invoices-${RUN}`;
    const action = [{ action: "start_workflow", start_workflow: { name: "no_such_workflow" } }];
    for (const [name, event] of [[`inv_scheme_${RUN}`, `kafka:${topic}`], [`inv_plain_${RUN}`, topic]] as const) {
      expect((await call("POST", "/api/event", { name, event, active: true, actions: action })).status).toBe(200);
      await baton.engine.eventHandlers.listening(event);
    }
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) })) });
    for (const name of [`inv_scheme_${RUN}`, `inv_plain_${RUN}`]) {
      const executions = await eventually(async () => {
        const list = baton.engine.eventHandlers.executions(name);
        return list.length >= 6 ? list : undefined;
      }, 20_000, 50);
      expect(new Set(executions.map((e) => e.messageId)).size).toBe(6);
    }
  });

  it("makes the seed's EVENT without asyncComplete wait for its reply, and keeps the service's error_message", async () => {
    await define({
      name: `seed_hygiene_${RUN}`,
      tasks: [{ name: "wait_email_hygiene", taskReferenceName: "wait_email_hygiene_ref", type: "EVENT", sink: `conductor:${EVENT_TYPE}` }],
      outputParameters: { clean: "${wait_email_hygiene_ref.output.clean}" },
    });
    const reply = async (workflowId: string, data: Record<string, unknown>) => {
      const waiting = await baton.engine.waitForWorkflow(workflowId, Date.now() + 20_000, (w) =>
        w.tasks.some((t) => t.referenceTaskName === "wait_email_hygiene_ref" && t.status === "IN_PROGRESS" && Object.keys(t.outputData).length > 0),
      );
      expect(waiting.status).toBe("RUNNING");
      await producer.send({ topic: COMPLETIONS, acks: -1, messages: [{ key: workflowId, value: JSON.stringify({ workflowId, eventType: EVENT_TYPE, data }) }] });
      return baton.engine.waitForWorkflow(workflowId, Date.now() + 30_000);
    };

    const ok = await reply(await start(`seed_hygiene_${RUN}`), { status: "completed", clean: "ada@example.com" });
    expect(ok.status, ok.reasonForIncompletion).toBe("COMPLETED");
    expect(ok.output).toEqual({ clean: "ada@example.com" });
    expect(ok.tasks[0]).toMatchObject({ status: "COMPLETED", workerId: "baton:router" });

    const bad = await reply(await start(`seed_hygiene_${RUN}`), { status: "failed", error_message: "MX lookup failed for example.invalid" });
    expect(bad.status).toBe("FAILED");
    expect(bad.tasks[0]).toMatchObject({ status: "FAILED", reasonForIncompletion: "MX lookup failed for example.invalid" });
    expect(restartPointFor(bad)?.reason).toContain("MX lookup failed for example.invalid");
    await eventually(async () => ((await call("GET", "/api/router/stats")).json().matched >= 2 ? true : undefined), 10_000, 50);
  });
});
