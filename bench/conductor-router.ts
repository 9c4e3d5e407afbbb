/**
 * The Conductor stack's router, in its own process, built the way the seed
 * describes its router service: a plain kafkajs consumer on the completion topic
 * (`conductor-events`) reads each service reply, finds the EVENT task waiting
 * for it (GET /api/workflow/{id}, the rules in bench/conductor-router-match.ts)
 * and completes it with `POST /api/tasks`. A reply that beats its EVENT task
 * (the service answers before Conductor has stored the KAFKA_PUBLISH's
 * completion and started the EVENT) is looked up again after 10, 20, 40, then
 * every 100 ms, for up to 30 s. The messages of one fetched batch are routed
 * concurrently; offsets are committed once the batch is done.
 *
 *   node --import tsx bench/conductor-router.ts --brokers HOST:PORT --topic TOPIC --group GROUP --conductor URL
 *
 * Prints `ready` once its consumer joined its group, and on SIGTERM (or when its
 * stdin closes) `stats {"routed":N,"lookups":N,"unmatched":N,"errors":N,"cpuMs":M}`.
 */
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel } from "kafkajs";
import { type ConductorWorkflowView, type Reply, parseReply, taskForReply } from "./conductor-router-match.ts";
import { quietLogs } from "./sink-logs.ts";
import { stopWhenTold } from "./sink-stop.ts";

const { values } = parseArgs({
  options: { brokers: { type: "string" }, topic: { type: "string" }, group: { type: "string" }, conductor: { type: "string" } },
});
const { brokers, topic, group, conductor } = values;
if (!brokers || !topic || !group || !conductor) {
  console.error("usage: conductor-router.ts --brokers HOST:PORT --topic TOPIC --group GROUP --conductor URL");
  process.exit(2);
}
const GIVE_UP_MS = 30_000;
const stats = { routed: 0, lookups: 0, unmatched: 0, errors: 0 };
const cpuAtStart = process.cpuUsage();

async function conductorCall(method: string, path: string, body?: unknown): Promise<string> {
  const response = await fetch(`${conductor}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return text;
}

async function route(reply: Reply): Promise<void> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (let attempt = 0; ; attempt++) {
    stats.lookups += 1;
    const workflow = JSON.parse(await conductorCall("GET", `/api/workflow/${encodeURIComponent(reply.workflowId)}?includeTasks=true`)) as ConductorWorkflowView;
    const found = taskForReply(workflow, reply);
    switch (found.kind) {
      case "complete":
        await conductorCall("POST", "/api/tasks", {
          workflowInstanceId: reply.workflowId,
          taskId: found.taskId,
          status: found.status,
          outputData: found.outputData,
          ...(found.reasonForIncompletion ? { reasonForIncompletion: found.reasonForIncompletion } : {}),
        });
        stats.routed += 1;
        return;
      case "wait":
        if (Date.now() > deadline) {
          stats.unmatched += 1;
          console.log(`unmatched after ${GIVE_UP_MS / 1000} s: ${found.reason}`);
          return;
        }
        await sleep(attempt < 3 ? 10 * 2 ** attempt : 100);
        break;
      case "unmatched":
        stats.unmatched += 1;
        console.log(`unmatched: ${found.reason}`);
        return;
      default: {
        const exhaustive: never = found;
        throw new Error(`unknown lookup ${JSON.stringify(exhaustive)}`);
      }
    }
  }
}

async function routeMessage(value: string): Promise<void> {
  try {
    await route(parseReply(value));
  } catch (error) {
    stats.errors += 1;
    console.log(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const kafka = new Kafka({ clientId: "conductor-router", brokers: brokers.split(","), logLevel: logLevel.ERROR, logCreator: quietLogs });
const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 500 });
const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
consumer.on(consumer.events.CRASH, (event) => console.error(`conductor-router: consumer crashed: ${event.payload.error.message}`));
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  partitionsConsumedConcurrently: 3,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    await Promise.all(batch.messages.map((message) => routeMessage(message.value?.toString() ?? "")));
    const last = batch.messages[batch.messages.length - 1];
    if (last) resolveOffset(last.offset);
    await heartbeat();
  },
});
await joined;
console.log("ready");

stopWhenTold(async () => {
  const cpu = process.cpuUsage(cpuAtStart);
  console.log(`stats ${JSON.stringify({ ...stats, cpuMs: (cpu.user + cpu.system) / 1000 })}`);
  setTimeout(() => process.exit(1), 10_000).unref();
  await consumer.disconnect().catch(() => {});
  process.exit(0);
});
