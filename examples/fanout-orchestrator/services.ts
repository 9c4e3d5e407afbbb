import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ConductorWorker, Task } from "@io-orkes/conductor-javascript";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { REPLY_EVENT_TYPE, requestTopicOf, SERVICES, type ServiceName, taskTypeOf } from "./definitions.ts";

/** What the mock services are asked for (one call's request payload). */
export interface ServiceRequest {
  task_id?: string;
  service: ServiceName;
  item_index: number;
  scenario_id: string | number;
  business_type_id: string | number;
}

/** How the mock services behave: latency per service (ms), and which calls fail. */
export interface MockServiceOptions {
  latencyMs?: Partial<Record<ServiceName, number>>;
  /** Services whose every call fails. */
  failServices?: ServiceName[];
  /** Scenario ids whose calls fail, whichever service. */
  failScenarios?: (string | number)[];
}

/** Reads the options from FANOUT_LATENCY_MS (one number, or `revenue=50,rebates=10`), FANOUT_FAIL_SERVICES, FANOUT_FAIL_SCENARIOS. */
export function mockOptionsFromEnv(env: Record<string, string | undefined>): MockServiceOptions {
  const list = (name: string) => (env[name] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  const latencyMs: Partial<Record<ServiceName, number>> = {};
  for (const part of list("FANOUT_LATENCY_MS")) {
    const [left, right] = part.includes("=") ? part.split("=") : [undefined, part];
    const ms = Number(right);
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`FANOUT_LATENCY_MS: '${part}' must be milliseconds, or service=milliseconds`);
    for (const service of left ? [left] : SERVICES) {
      if (!SERVICES.includes(service as ServiceName)) throw new Error(`FANOUT_LATENCY_MS: '${service}' is not one of ${SERVICES.join(", ")}`);
      latencyMs[service as ServiceName] = ms;
    }
  }
  const failServices = list("FANOUT_FAIL_SERVICES");
  for (const service of failServices) {
    if (!SERVICES.includes(service as ServiceName)) throw new Error(`FANOUT_FAIL_SERVICES: '${service}' is not one of ${SERVICES.join(", ")}`);
  }
  return { latencyMs, failServices: failServices as ServiceName[], failScenarios: list("FANOUT_FAIL_SCENARIOS") };
}

export class ServiceFailure extends Error {}

/**
 * One service's answer. The figures are made up but deterministic, so a test
 * can recompute them: revenue from the scenario and business type, a rebate
 * rate from the business type, specialty lines from the scenario.
 */
export async function callService(service: ServiceName, request: ServiceRequest, options: MockServiceOptions = {}) {
  const latency = options.latencyMs?.[service] ?? 0;
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
  if (options.failServices?.includes(service)) throw new ServiceFailure(`${service} service unavailable`);
  if (options.failScenarios?.map(String).includes(String(request.scenario_id))) {
    throw new ServiceFailure(`${service} service: scenario ${request.scenario_id} not found`);
  }
  const scenario = Number(request.scenario_id) || 0;
  const businessType = Number(request.business_type_id) || 0;
  const base = { service, scenario_id: request.scenario_id, business_type_id: request.business_type_id };
  switch (service) {
    case "revenue":
      return { ...base, revenue: scenario * 1000 + businessType * 10 };
    case "rebates":
      return { ...base, rebate_rate: Math.round(businessType * 0.5 * 100) / 10000 };
    case "specialty":
      return { ...base, specialty_lines: Array.from({ length: (scenario % 3) + 1 }, (_, i) => `S-${scenario}-${i + 1}`) };
    default: {
      const unknown: never = service;
      throw new ServiceFailure(`unknown service ${String(unknown)}`);
    }
  }
}

/** The three services as Conductor workers (the `worker` transport), through the official SDK's TaskHandler. */
export function serviceWorkers(options: MockServiceOptions = {}): ConductorWorker[] {
  return SERVICES.map((service) => ({
    taskDefName: taskTypeOf(service),
    concurrency: 4,
    pollInterval: 20,
    execute: async (task: Task) => {
      const request = task.inputData?.request as ServiceRequest;
      try {
        return { status: "COMPLETED" as const, outputData: { response: await callService(service, request, options) } };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { status: "FAILED" as const, reasonForIncompletion: message, outputData: { error: message } };
      }
    },
  }));
}

/** The three services over HTTP (the `http` transport): `POST /revenue`, `/rebates`, `/specialty`; a failure answers 503 with `{error}`. */
export async function startServiceServer(options: MockServiceOptions = {}, port = 0): Promise<{ url: string; server: Server; calls: ServiceRequest[]; close: () => Promise<void> }> {
  const calls: ServiceRequest[] = [];
  const server = createServer((req, res) => {
    const service = (req.url ?? "").replace(/^\//, "") as ServiceName;
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", async () => {
      const reply = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      if (req.method !== "POST" || !SERVICES.includes(service)) return reply(404, { error: `no service at ${req.method} ${req.url}` });
      let request: ServiceRequest;
      try {
        request = JSON.parse(body) as ServiceRequest;
      } catch {
        return reply(400, { error: "body must be JSON" });
      }
      calls.push(request);
      try {
        reply(200, await callService(service, request, options));
      } catch (error) {
        reply(503, { error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, calls, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * The three services over Kafka (the `kafka` transport): each reads
 * `fanout-<service>-requests` and replies on `replyTopic` (the event router's,
 * `conductor-events` by default) the way the seed's services do:
 * `{workflowId, eventType, data: {status: "completed", response} | {status: "failed", error_message}}`.
 */
export async function startKafkaServices(brokers: string[], options: MockServiceOptions = {}, { groupId = "fanout-mock-services", replyTopic = "conductor-events" } = {}) {
  const kafka = new Kafka({ clientId: "fanout-mock-services", brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId });
  await producer.connect();
  await consumer.connect();
  const topics = SERVICES.map(requestTopicOf);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic })), waitForLeaders: true });
  await admin.disconnect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const service = SERVICES.find((s) => requestTopicOf(s) === topic)!;
      const { workflowId, data } = JSON.parse(message.value?.toString() ?? "{}") as { workflowId: string; data: ServiceRequest };
      let reply: Record<string, unknown>;
      try {
        reply = { status: "completed", response: await callService(service, data, options) };
      } catch (error) {
        reply = { status: "failed", error_message: error instanceof Error ? error.message : String(error) };
      }
      await producer.send({ topic: replyTopic, messages: [{ key: workflowId, value: JSON.stringify({ workflowId, eventType: REPLY_EVENT_TYPE, data: reply }) }] });
    },
  });
  await joined;
  return {
    async close() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
