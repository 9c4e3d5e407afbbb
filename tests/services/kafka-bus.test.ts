import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKafkaBus, type KafkaBus } from "../../src/adapters/bus/kafka.ts";
import { ValidationError } from "../../src/domain/errors.ts";
import type { DeliveredMessage } from "../../src/domain/ports.ts";
import { attachKafka, requireShared } from "../support/kafka.ts";

const shared = inject("kafka");

/** Polls `condition` until it holds, or fails after `timeoutMs` with `what`. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe("the Kafka bus on a real broker", () => {
  const broker = attachKafka(requireShared(shared));
  const raw = new Kafka({ clientId: "kafka-bus-test", brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const admin = raw.admin();
  const errors: string[] = [];
  let bus: KafkaBus;

  const newBus = (options: Partial<Parameters<typeof createKafkaBus>[0]> = {}) =>
    createKafkaBus({
      brokers: [broker.brokers],
      groupId: unique("test"),
      handlerRetryDelayMs: 20,
      logger: { info: () => {}, error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields ?? {})}`) },
      ...options,
    });

  /** Every record of `topic` from the start, read with a plain kafkajs consumer. */
  async function readTopic(topic: string, count: number) {
    const consumer = raw.consumer({ groupId: unique("reader"), maxWaitTimeInMs: 100 });
    const records: { offset: string; key: string | undefined; value: Buffer | null; headers: Record<string, string> }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        records.push({ offset: message.offset, key: message.key?.toString(), value: message.value, headers });
      },
    });
    try {
      await waitFor(() => records.length >= count, `${count} records on ${topic}`);
    } finally {
      await consumer.disconnect();
    }
    return records;
  }

  async function endOffsetSum(topic: string): Promise<number> {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
  }

  beforeAll(async () => {
    await admin.connect();
    bus = await newBus();
  });

  afterAll(async () => {
    await bus?.close();
    await admin.disconnect();
  });

  it("delivers a published message with its key and headers, to every named subscriber", async () => {
    const topic = unique("roundtrip");
    const seen: DeliveredMessage[] = [];
    const audit: DeliveredMessage[] = [];
    const subscription = bus.subscribe(`kafka:${topic}`, async (message) => void seen.push(message));
    const auditor = bus.subscribe(`kafka:${topic}`, async (message) => void audit.push(message), { group: "audit" });
    await Promise.all([subscription.ready, auditor.ready]);
    expect(subscription.groupId).not.toBe(auditor.groupId);

    const sent = await bus.publish(`kafka:${topic}`, {
      key: "order-1",
      value: JSON.stringify({ orderId: 1, note: "naïve ☕" }),
      headers: { workflowId: "wf-1", taskId: "task-1", correlationId: "c-1" },
    });

    await waitFor(() => seen.length === 1 && audit.length === 1, "both subscribers");
    const expected = {
      topic,
      partition: sent.partition,
      offset: sent.offset,
      key: "order-1",
      value: JSON.stringify({ orderId: 1, note: "naïve ☕" }),
      headers: { workflowId: "wf-1", taskId: "task-1", correlationId: "c-1" },
    };
    expect(seen[0]).toEqual(expected);
    expect(audit[0]).toEqual(expected);
    await Promise.all([subscription.close(), auditor.close()]);
  });

  it("starts subscriptions on topics other processes are creating at the same moment (as three Baton processes starting together do)", async () => {
    // Each bus creates the topics it subscribes to; a bus that finds a topic another
    // created a moment ago must wait for its leaders rather than fail its start.
    const topics = Array.from({ length: 4 }, () => unique("racing"));
    const buses = await Promise.all([0, 1, 2].map(() => newBus({ groupId: unique("racer") })));
    try {
      const subscriptions = buses.flatMap((racer) => topics.map((topic) => racer.subscribe(`kafka:${topic}`, async () => {})));
      const outcomes = await Promise.allSettled(subscriptions.map((subscription) => subscription.ready));
      expect(outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [String(outcome.reason)] : []))).toEqual([]);
    } finally {
      await Promise.all(buses.map((racer) => racer.close()));
    }
  });

  it("keeps each key's messages in publish order across partitions handled side by side", async () => {
    const topic = unique("ordering");
    const keys = ["a", "b", "c", "d", "e"];
    const perKey = 60;
    const seen = new Map<string, number[]>(keys.map((key) => [key, []]));
    const partitions = new Map<string, Set<number>>(keys.map((key) => [key, new Set()]));
    const subscription = bus.subscribe(`kafka:${topic}`, async (message) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      seen.get(message.key!)!.push(JSON.parse(message.value).seq);
      partitions.get(message.key!)!.add(message.partition);
    });
    await subscription.ready;

    await Promise.all(
      keys.map(async (key) => {
        for (let seq = 0; seq < perKey; seq++) await bus.publish(`kafka:${topic}`, { key, value: JSON.stringify({ seq }) });
      }),
    );

    await waitFor(() => [...seen.values()].every((list) => list.length >= perKey), "every message");
    for (const key of keys) {
      expect(seen.get(key)).toEqual([...Array(perKey).keys()]);
      expect(partitions.get(key)!.size).toBe(1);
    }
    expect(new Set([...partitions.values()].map((set) => [...set][0])).size).toBeGreaterThan(1);
    await subscription.close();
  });

  it("retries a handler that fails once, in order, and sends nothing to the dead-letter topic", async () => {
    const topic = unique("retry");
    const calls: number[] = [];
    let failed = false;
    const subscription = bus.subscribe(`kafka:${topic}`, async (message) => {
      const { seq } = JSON.parse(message.value) as { seq: number };
      calls.push(seq);
      if (seq === 2 && !failed) {
        failed = true;
        throw new Error("event store briefly unavailable");
      }
    });
    await subscription.ready;
    for (let seq = 0; seq < 5; seq++) await bus.publish(`kafka:${topic}`, { key: "same", value: JSON.stringify({ seq }) });

    await waitFor(() => calls.includes(4), "the last message");
    expect(calls).toEqual([0, 1, 2, 2, 3, 4]);
    expect(await endOffsetSum(`${topic}.dlq`)).toBe(0);
    await subscription.close();
  });

  it("commits a record's offset only after its handler's promise resolved", async () => {
    const topic = unique("commit");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    const subscription = bus.subscribe(`kafka:${topic}`, async (message) => {
      if (message.value === '"slow"') await gate;
      handled.push(message.value);
    });
    await subscription.ready;
    const committed = async () => {
      const [entry] = await admin.fetchOffsets({ groupId: subscription.groupId, topics: [topic] });
      return Math.max(...(entry?.partitions ?? []).map((p) => Number(p.offset)));
    };
    await bus.publish(`kafka:${topic}`, { key: "k", value: '"fast"' });
    const slow = await bus.publish(`kafka:${topic}`, { key: "k", value: '"slow"' });
    await bus.publish(`kafka:${topic}`, { key: "k", value: '"after"' });

    await waitFor(() => handled.includes('"fast"'), "the first message");
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // several commit intervals
    expect(await committed()).toBeLessThanOrEqual(Number(slow.offset)); // "slow" and later: not committed
    expect(handled).toEqual(['"fast"']);

    release();
    await waitFor(async () => (await committed()) === Number(slow.offset) + 2, "the commit after the handler resolved");
    expect(handled).toEqual(['"fast"', '"slow"', '"after"']);
    await subscription.close();
  });

  it("redelivers to the group what a consumer killed mid-handler had not finished", async () => {
    const topic = unique("crash");
    const groupId = unique("crash-group");
    const fixture = fileURLToPath(new URL("../support/kafka-crash-consumer.ts", import.meta.url));
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", fixture, broker.brokers, `kafka:${topic}`, groupId], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += String(chunk)));
    try {
      await waitFor(() => output.includes("ready"), "the child consumer", 60_000);
      for (const value of ["m0", "m1", "block", "m3"]) await bus.publish(`kafka:${topic}`, { key: "k", value: JSON.stringify(value) });
      await waitFor(() => output.includes("blocking"), "the child to block");
      expect(output).toContain('handled "m1"');
    } finally {
      child.kill("SIGKILL");
    }

    const survivor = await newBus({ groupId, sessionTimeoutMs: 6_000 });
    const seen: string[] = [];
    const subscription = survivor.subscribe(`kafka:${topic}`, async (message) => void seen.push(JSON.parse(message.value)));
    await subscription.ready;
    await waitFor(() => seen.includes("m3"), "the rest of the partition after the crash", 60_000);
    expect(seen).toContain("block");
    // At-least-once: what came before the blocked record may come again, but nothing is skipped.
    expect(seen.slice(seen.indexOf("block"))).toEqual(["block", "m3"]);
    await survivor.close();
  });

  it("with an orderKey, handles a batch's keys side by side, each key in order, and commits everything handled", async () => {
    const topic = unique("keyed");
    const workflows = ["w1", "w2", "w3", "w4", "w5"];
    const perWorkflow = 20;
    const seen = new Map<string, number[]>(workflows.map((wf) => [wf, []]));
    let inHand = 0;
    let mostInHand = 0;
    const subscription = bus.subscribe(
      `kafka:${topic}`,
      async (message) => {
        inHand++;
        mostInHand = Math.max(mostInHand, inHand);
        await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4));
        seen.get(message.headers!.wf!)!.push(JSON.parse(message.value).seq);
        inHand--;
      },
      { orderKey: (message) => message.headers!.wf!, concurrency: 4 },
    );
    await subscription.ready;

    // One Kafka key, so one partition: the workflows' messages interleave in one batch.
    const sent: Promise<unknown>[] = [];
    for (let seq = 0; seq < perWorkflow; seq++) {
      for (const wf of workflows) sent.push(bus.publish(`kafka:${topic}`, { key: "k", value: JSON.stringify({ seq }), headers: { wf } }));
    }
    await Promise.all(sent);

    await waitFor(() => [...seen.values()].every((list) => list.length >= perWorkflow), "every message");
    for (const wf of workflows) expect(seen.get(wf)).toEqual([...Array(perWorkflow).keys()]);
    expect(mostInHand).toBeGreaterThan(1);
    expect(mostInHand).toBeLessThanOrEqual(4);
    const committed = async () => {
      const [entry] = await admin.fetchOffsets({ groupId: subscription.groupId, topics: [topic] });
      return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    await waitFor(async () => (await committed()) === workflows.length * perWorkflow, "every offset committed");
    await subscription.close();
  });

  it("with an orderKey, a crash with one key blocked redelivers from the blocked record on, though later keys were handled", async () => {
    const topic = unique("keyed-crash");
    const groupId = unique("keyed-crash-group");
    const fixture = fileURLToPath(new URL("../support/kafka-crash-consumer.ts", import.meta.url));
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", fixture, broker.brokers, `kafka:${topic}`, groupId, "keyed"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += String(chunk)));
    const send = (value: string, wf: string) => bus.publish(`kafka:${topic}`, { key: "k", value: JSON.stringify(value), headers: { wf } });
    try {
      await waitFor(() => output.includes("ready"), "the child consumer", 60_000);
      await send("a0", "a");
      await waitFor(() => output.includes('handled "a0"'), "the first record");
      // Published together: one produce request, so one fetched batch.
      await Promise.all([send("block", "b"), send("a1", "a"), send("b1", "b"), send("a2", "a")]);
      await waitFor(() => output.includes('handled "a2"'), "workflow a's records past the blocked one");
      expect(output).toContain("blocking");
      expect(output).toContain('handled "a1"');
      expect(output).not.toContain('handled "b1"'); // behind "block": same key
    } finally {
      child.kill("SIGKILL");
    }

    const survivor = await newBus({ groupId, sessionTimeoutMs: 6_000 });
    const seen: string[] = [];
    const subscription = survivor.subscribe(`kafka:${topic}`, async (message) => void seen.push(JSON.parse(message.value)));
    await subscription.ready;
    await waitFor(() => seen.includes("a2"), "the rest of the partition after the crash", 60_000);
    // Nothing from the blocked record on was committed: all of it comes again, in order.
    expect(seen.slice(seen.indexOf("block"))).toEqual(["block", "a1", "b1", "a2"]);
    expect(seen).not.toContain("a0"); // handled and committed before the block
    await survivor.close();
  });

  it("dead-letters an undecodable record and a rejected one with the reason, and the partition keeps flowing", async () => {
    const topic = unique("poison");
    const handled: string[] = [];
    const strict = await newBus({ handlerAttempts: 2 });
    const subscription = strict.subscribe(`kafka:${topic}`, async (message) => {
      const body = JSON.parse(message.value) as { kind: string };
      if (body.kind === "invalid") throw new ValidationError("data.status must be a string");
      if (body.kind === "broken") throw new Error("always fails");
      handled.push(body.kind);
    });
    await subscription.ready;

    const producer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const poison = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const sent = await producer.send({
      topic,
      messages: [
        { key: "k", value: JSON.stringify({ kind: "first" }) },
        { key: "k", value: poison, headers: { workflowId: "wf-9" } },
        { key: "k", value: JSON.stringify({ kind: "invalid" }) },
        { key: "k", value: JSON.stringify({ kind: "broken" }) },
        { key: "k", value: JSON.stringify({ kind: "last" }) },
      ],
    });
    await producer.disconnect();

    await waitFor(() => handled.includes("last"), "the record after the poison");
    expect(handled).toEqual(["first", "last"]);
    const letters = await readTopic(`${topic}.dlq`, 3);
    const base = Number(sent[0]!.baseOffset);
    expect(letters.map((letter) => letter.headers.dlqKind)).toEqual(["decode", "handler", "handler"]);
    expect(letters[0]!.value).toEqual(poison);
    expect(letters[0]!.key).toBe("k");
    expect(letters[0]!.headers).toMatchObject({
      workflowId: "wf-9",
      dlqReason: "the record's value is not valid UTF-8 text",
      dlqTopic: topic,
      dlqPartition: String(sent[0]!.partition),
      dlqOffset: String(base + 1),
      dlqGroupId: subscription.groupId,
    });
    expect(letters[1]!.headers).toMatchObject({ dlqReason: "data.status must be a string", dlqAttempts: "1", dlqOffset: String(base + 2) });
    expect(letters[2]!.headers).toMatchObject({ dlqReason: "always fails", dlqAttempts: "2", dlqOffset: String(base + 3) });
    await strict.close();
  });

  it("loses no message when the broker restarts mid-stream", async () => {
    const topic = unique("restart");
    const total = 200;
    const seen = new Set<number>();
    const order = new Map<string, number[]>();
    const subscription = bus.subscribe(`kafka:${topic}`, async (message) => {
      const { seq } = JSON.parse(message.value) as { seq: number };
      if (!seen.has(seq)) order.set(message.key!, [...(order.get(message.key!) ?? []), seq]);
      seen.add(seq);
    });
    await subscription.ready;

    let restarted: Promise<void> | undefined;
    const publishing = (async () => {
      for (let seq = 0; seq < total; seq++) {
        if (seq === 50) restarted = broker.restart({ downMs: 5_000 });
        await bus.publish(`kafka:${topic}`, { key: `k${seq % 4}`, value: JSON.stringify({ seq }) });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await publishing;
    await restarted;

    await waitFor(() => seen.size === total, `all ${total} messages after the restart`, 90_000);
    expect(errors.some((line) => line.includes("ECONNREFUSED"))).toBe(true); // the broker really was gone meanwhile
    for (const list of order.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(await endOffsetSum(`${topic}.dlq`)).toBe(0);
    await subscription.close();
  }, 180_000);
});
