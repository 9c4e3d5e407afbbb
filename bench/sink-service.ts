/**
 * The microservice of the sink benchmark (bench/sink.ts), in its own process:
 * consumes requests `{workflowId, email}` from one topic with a plain kafkajs
 * consumer and answers each on another topic with the completion event the
 * seed's services publish:
 *
 *   {workflowId, eventType: "email_validation_completed", data: {status: "completed", valid: true}}
 *
 * keyed by the workflow id. The same code serves both scenarios (Baton's
 * KAFKA_PUBLISH requests, and the bare kafkajs floor), so the service's cost is
 * the same on both sides of the ratio.
 *
 *   node --import tsx bench/sink-service.ts --brokers HOST:PORT --in TOPIC --out TOPIC --group GROUP
 *
 * Prints `ready` once its consumer has joined its group (it reads the request
 * topic from the beginning, so nothing published before is missed), and on
 * SIGTERM, or when its stdin closes (the parent is gone), prints
 * `stats {"handled":N,"requestBytes":B,"replyBytes":B,"cpuMs":M}` and exits after disconnecting.
 */
import { parseArgs } from "node:util";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { quietLogs } from "./sink-logs.ts";
import { stopWhenTold } from "./sink-stop.ts";

const { values } = parseArgs({
  options: {
    brokers: { type: "string" },
    in: { type: "string" },
    out: { type: "string" },
    group: { type: "string" },
  },
});
const { brokers, in: requests, out: replies, group } = values;
if (!brokers || !requests || !replies || !group) {
  console.error("usage: sink-service.ts --brokers HOST:PORT --in TOPIC --out TOPIC --group GROUP");
  process.exit(2);
}

const kafka = new Kafka({ clientId: "sink-bench-service", brokers: brokers.split(","), logLevel: logLevel.ERROR, logCreator: quietLogs });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
// The fetch wait of Baton's consumers (and Java's default): it bounds how long a disconnect waits, not latency.
const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 500 });
let handled = 0;
/** Request bytes seen (key + value + header names and values), to show both scenarios send the same sizes. */
let requestBytes = 0;
let replyBytes = 0;
const cpuAtStart = process.cpuUsage();

const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
consumer.on(consumer.events.CRASH, (event) => console.error(`sink-service: consumer crashed: ${event.payload.error.message}`));

await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [requests], fromBeginning: true });
await consumer.run({
  partitionsConsumedConcurrently: 3,
  // One reply request per fetched batch, as a service would; offsets are
  // committed (auto-commit) after the replies are acknowledged.
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    const messages = batch.messages.map((record) => {
      requestBytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
      for (const [name, value] of Object.entries(record.headers ?? {})) requestBytes += Buffer.byteLength(name) + Buffer.byteLength(String(value));
      const request = JSON.parse(record.value?.toString() ?? "{}") as { workflowId?: string };
      const workflowId = String(request.workflowId);
      return {
        key: workflowId,
        value: JSON.stringify({ workflowId, eventType: "email_validation_completed", data: { status: "completed", valid: true } }),
      };
    });
    for (const message of messages) replyBytes += Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
    if (messages.length > 0) await producer.send({ topic: replies, acks: -1, messages });
    handled += messages.length;
    const last = batch.messages[batch.messages.length - 1];
    if (last) resolveOffset(last.offset);
    await heartbeat();
  },
});
await joined;
console.log("ready");

stopWhenTold(async () => {
  const cpu = process.cpuUsage(cpuAtStart);
  console.log(`stats ${JSON.stringify({ handled, requestBytes, replyBytes, cpuMs: (cpu.user + cpu.system) / 1000 })}`);
  const forced = setTimeout(() => process.exit(1), 10_000);
  forced.unref();
  await consumer.disconnect().catch(() => {});
  await producer.disconnect().catch(() => {});
  process.exit(0);
});
