import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Consumer, Kafka, type LogEntry, logLevel, Partitioners, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, startServer } from "../../src/api/node.ts";
import type { WorkflowState } from "../../src/domain/workflow/state.ts";
import { http, removeDir } from "../support/baton.ts";
import { attachKafka, requireShared } from "../support/kafka.ts";

/**
 * The seed system's sink pattern end to end on a real Kafka broker: Baton runs
 * in this process with BATON_BUS=kafka on the file store; a KAFKA_PUBLISH sends
 * a request to `email-validation-requests`; a test microservice written with
 * plain kafkajs (its own consumer group) validates the address and publishes
 * `email_validation_completed` on `conductor-events`; Baton's event router
 * completes the waiting EVENT task and the workflow moves on to an INLINE step
 * that uses the reply.
 */
const shared = inject("kafka");

const REQUESTS = "email-validation-requests";
const COMPLETIONS = "conductor-events";
const EVENT_TYPE = "email_validation_completed";
/** Marks this run's requests and poison records, in case the broker is reused. */
const RUN = randomUUID().slice(0, 8);

interface ValidationRequest {
  workflowId: string;
  email: string;
  run: string;
}

interface Reply {
  workflowId: string;
  eventType: string;
  data: Record<string, unknown>;
}

/** A reply as the service sent it: where it landed. */
interface SentReply {
  reply: Reply;
  partition: number;
  offset: string;
}

/** Bounded polling with a failure message that says what was awaited and what was last seen. */
async function waitUntil<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, describeLast?: () => unknown): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const last = describeLast ? `; last seen: ${JSON.stringify(describeLast())}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * What the service answers for an address: "fail" in it -> a failed reply,
 * "twice" -> the reply and then a second, different one, "bad" -> invalid,
 * anything else -> valid.
 */
function repliesFor({ workflowId, email }: ValidationRequest): Reply[] {
  if (email.includes("fail")) return [{ workflowId, eventType: EVENT_TYPE, data: { status: "failed", message: "mailbox does not exist" } }];
  const valid = !email.includes("bad");
  const first: Reply = { workflowId, eventType: EVENT_TYPE, data: { status: "completed", valid, email } };
  if (!email.includes("twice")) return [first];
  return [first, { workflowId, eventType: EVENT_TYPE, data: { status: "completed", valid: !valid, email, note: "second reply" } }];
}

/**
 * The email-validation microservice, kafkajs only: consumes the requests in its
 * own group, replies on `conductor-events` keyed by workflow id. It commits a
 * batch after its replies are acknowledged, so a broker outage makes it send a
 * reply again rather than lose one (as a real at-least-once service would).
 */
async function startValidationService(brokers: string) {
  const errors: string[] = [];
  const kafka = new Kafka({
    clientId: `email-validator-${RUN}`,
    brokers: [brokers],
    retry: { initialRetryTime: 300, maxRetryTime: 3_000, retries: 30 },
    connectionTimeout: 3_000,
    logLevel: logLevel.ERROR,
    logCreator: () => (entry: LogEntry) => void errors.push(entry.log.message),
  });
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer: Consumer = kafka.consumer({ groupId: `email-validator-${RUN}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  /** Requests seen per workflow id (a redelivery counts again). */
  const requests = new Map<string, number>();
  const sent = new Map<string, SentReply[]>();
  /** Every reply sent, in order. */
  const log: Reply[] = [];
  const headerProblems: string[] = [];
  /** Work time per request, to keep many workflows in flight for a while. */
  const pace = { perRequestMs: 0 };

  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [REQUESTS], fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, heartbeat }) => {
      let replies: Reply[] = [];
      /** Sends the replies so far in one request; the batch is committed only after all were acknowledged. */
      const flush = async () => {
        if (replies.length === 0) return;
        const sending = replies;
        replies = [];
        const results = await producer.send({
          topic: COMPLETIONS,
          acks: -1,
          messages: sending.map((reply) => ({ key: reply.workflowId, value: JSON.stringify(reply), headers: { workflowId: reply.workflowId } })),
        });
        // Where each reply landed is known when the request answered one workflow (its
        // replies share a key, so they are consecutive in one partition); the
        // duplicate test relies on that, the bulk runs do not need it.
        const single = new Set(sending.map((reply) => reply.workflowId)).size === 1 && results.length === 1;
        log.push(...sending);
        sending.forEach((reply, index) => {
          const where = single ? { partition: results[0]!.partition, offset: String(BigInt(results[0]!.baseOffset ?? "0") + BigInt(index)) } : { partition: -1, offset: "" };
          sent.set(reply.workflowId, [...(sent.get(reply.workflowId) ?? []), { reply, ...where }]);
        });
      };
      for (const message of batch.messages) {
        const request = JSON.parse(message.value?.toString() ?? "null") as ValidationRequest | null;
        if (request?.run !== RUN) continue;
        requests.set(request.workflowId, (requests.get(request.workflowId) ?? 0) + 1);
        const headerWorkflowId = message.headers?.workflowId?.toString();
        if (headerWorkflowId !== request.workflowId || !message.headers?.taskId) {
          headerProblems.push(`${request.workflowId}: headers ${JSON.stringify(message.headers)}`);
        }
        replies.push(...repliesFor(request));
        if (pace.perRequestMs > 0) {
          // A slow service answers each request when it is done with it.
          await new Promise((resolve) => setTimeout(resolve, pace.perRequestMs));
          await flush();
        }
      }
      await flush();
      await heartbeat();
    },
  });
  await joined;
  return {
    requests,
    sent,
    log,
    headerProblems,
    errors,
    pace,
    producer,
    async close() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

const publishRequest = {
  name: "request_validation",
  taskReferenceName: "request_validation_ref",
  type: "KAFKA_PUBLISH",
  inputParameters: {
    kafka_request: {
      topic: REQUESTS,
      key: "${workflow.workflowId}",
      value: { workflowId: "${workflow.workflowId}", email: "${workflow.input.email}", run: RUN },
    },
  },
};

const awaitValidation = {
  name: "await_validation",
  taskReferenceName: "wait_ref",
  type: "EVENT",
  sink: `conductor:${EVENT_TYPE}`,
  asyncComplete: true,
};

/** Uses the reply: accepted or rejected from `${wait_ref.output.valid}`. */
const decide = {
  name: "decide",
  taskReferenceName: "decide_ref",
  type: "INLINE",
  inputParameters: { evaluatorType: "javascript", valid: "${wait_ref.output.valid}", expression: "$.valid ? 'accepted' : 'rejected'" },
};

const outputParameters = { decision: "${decide_ref.output.result}", valid: "${wait_ref.output.valid}" };

/** The seed flow: publish the request, wait for the service's reply, act on it. */
const SEED_FLOW = { name: "email_validation", version: 1, schemaVersion: 2, tasks: [publishRequest, awaitValidation, decide], outputParameters };
/** A worker task before the EVENT task: a reply published right after the start is surely early. */
const EARLY_FLOW = { ...SEED_FLOW, name: "email_validation_early", tasks: [{ name: "prepare", taskReferenceName: "prepare_ref", type: "SIMPLE" }, awaitValidation, decide] };
/** Only the wait and the decision: the test itself plays the service. */
const DIRECT_FLOW = { ...SEED_FLOW, name: "email_validation_direct", tasks: [awaitValidation, decide] };

describe("the sink pattern on a real Kafka broker (BATON_BUS=kafka)", () => {
  const broker = attachKafka(requireShared(shared));
  const raw = new Kafka({ clientId: `kafka-sink-test-${RUN}`, brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const admin = raw.admin();
  const groupPrefix = `baton-${RUN}`;
  let baton: RunningServer & { url: string };
  let dataDir: string;
  let service: Awaited<ReturnType<typeof startValidationService>>;

  const call = (method: string, path: string, body?: unknown) => http(baton.url, method, path, body);

  async function stats(): Promise<Record<string, number>> {
    const response = await call("GET", "/api/router/stats");
    expect(response.status, response.text).toBe(200);
    return response.json();
  }

  /** Router stats once `done` holds for the difference from `before`. */
  async function statsWhen(what: string, before: Record<string, number>, done: (delta: Record<string, number>) => boolean, timeoutMs = 20_000) {
    let last: Record<string, number> = {};
    return waitUntil(
      `router stats: ${what}`,
      async () => {
        const now = await stats();
        last = Object.fromEntries(Object.entries(now).filter(([, v]) => typeof v === "number").map(([k, v]) => [k, v - (before[k] ?? 0)]));
        return done(last) ? last : undefined;
      },
      timeoutMs,
      () => ({ delta: last }),
    );
  }

  async function start(name: string, input: Record<string, unknown>): Promise<string> {
    const response = await call("POST", "/api/workflow", { name, input });
    expect(response.status, response.text).toBe(200);
    return response.text;
  }

  /** Waits for each workflow to end; fails naming the ones still running and where they are. */
  async function finishAll(ids: string[], timeoutMs: number): Promise<WorkflowState[]> {
    const deadline = Date.now() + timeoutMs;
    const workflows = await Promise.all(ids.map((id) => baton.engine.waitForWorkflow(id, deadline)));
    const running = workflows.filter((w) => w.status === "RUNNING");
    if (running.length > 0) {
      const where = running.slice(0, 5).map((w) => `${w.workflowId}: ${w.tasks.map((t) => `${t.referenceTaskName}=${t.status}`).join(", ")}`);
      throw new Error(`${running.length} of ${ids.length} workflows still RUNNING after ${timeoutMs} ms, e.g.\n${where.join("\n")}`);
    }
    return workflows;
  }

  const eventTaskOf = (workflow: WorkflowState) => workflow.tasks.filter((t) => t.referenceTaskName === "wait_ref");

  /** Events of type `type` for `taskId`, as stored. */
  async function taskEvents(workflowId: string, type: string, taskId: string) {
    return (await baton.engine.readWorkflowEvents(workflowId)).filter((e) => e.type === type && (e.data as { taskId?: string }).taskId === taskId);
  }

  /** Publishes records on `conductor-events` as a service would, returning where each landed. */
  async function publishCompletions(messages: { key?: string; value: string; partition?: number }[]) {
    return service.producer.send({ topic: COMPLETIONS, acks: -1, messages });
  }

  beforeAll(async () => {
    await admin.connect();
    // Topics exist before the service subscribes to them (Baton would create them on first use).
    await admin.createTopics({ topics: [{ topic: REQUESTS }, { topic: COMPLETIONS }], waitForLeaders: true });
    dataDir = await mkdtemp(join(tmpdir(), "baton-kafka-sink-"));
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      BATON_EVENT_STORE: "file",
      DATA_DIR: dataDir,
      BATON_SWEEP_INTERVAL_MS: "50",
      BATON_BUS: "kafka",
      KAFKA_BROKERS: broker.brokers,
      KAFKA_GROUP_ID: groupPrefix,
    });
    const server = await startServer(config);
    baton = { ...server, url: `http://127.0.0.1:${server.port}` };
    service = await startValidationService(broker.brokers);
    for (const definition of [SEED_FLOW, EARLY_FLOW, DIRECT_FLOW]) {
      const response = await call("POST", "/api/metadata/workflow", definition);
      expect(response.status, response.text).toBe(200);
    }
  });

  afterAll(async () => {
    await service?.close();
    await baton?.close();
    await admin.disconnect();
    await removeDir(dataDir);
  });

  it("runs the seed flow for 500 concurrent workflows: request, reply, EVENT completed, workflow completed", async () => {
    const before = await stats();
    const emails = Array.from({ length: 500 }, (_, i) => (i % 10 === 0 ? `bad${i}@example.com` : `user${i}@example.com`));
    const started = Date.now();
    const ids = await Promise.all(emails.map((email) => start("email_validation", { email })));
    const workflows = await finishAll(ids, 90_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(`kafka-sink: 500 workflows through the broker in ${seconds.toFixed(1)} s (${(500 / seconds).toFixed(0)}/s)`);

    const wrong = workflows.flatMap((workflow, i) => {
      const valid = i % 10 !== 0;
      const expected = { decision: valid ? "accepted" : "rejected", valid };
      return workflow.status === "COMPLETED" && JSON.stringify(workflow.output) === JSON.stringify(expected)
        ? []
        : [`${workflow.workflowId}: ${workflow.status} ${workflow.reasonForIncompletion ?? ""} ${JSON.stringify(workflow.output)}`];
    });
    expect(wrong, "workflows not COMPLETED with the expected output").toEqual([]);
    for (const [i, workflow] of workflows.entries()) {
      const [task, ...more] = eventTaskOf(workflow);
      expect(more).toEqual([]);
      expect(task).toMatchObject({ status: "COMPLETED", workerId: "baton:router" });
      expect(task!.outputData).toMatchObject({ status: "completed", valid: i % 10 !== 0, email: emails[i] });
    }
    // Each request reached the service once, with the workflowId/taskId headers Baton adds.
    expect(ids.filter((id) => service.requests.get(id) !== 1)).toEqual([]);
    expect(service.headerProblems).toEqual([]);
    const delta = await statsWhen("500 completions matched", before, (d) => d.matched === 500);
    expect(delta).toMatchObject({ matched: 500, completed: 500, failed: 0, unmatched: 0, malformed: 0 });
  });

  it("fails the EVENT task on a failed reply, and the workflow reports the failure", async () => {
    const before = await stats();
    const id = await start("email_validation", { email: "fail@example.com" });
    const [workflow] = await finishAll([id], 20_000);
    expect(workflow!.status).toBe("FAILED");
    expect(workflow!.reasonForIncompletion).toContain("mailbox does not exist");
    const [task] = eventTaskOf(workflow!);
    expect(task).toMatchObject({ status: "FAILED", reasonForIncompletion: "mailbox does not exist", workerId: "baton:router" });
    expect(task!.outputData).toMatchObject({ status: "failed", message: "mailbox does not exist" });
    expect(workflow!.tasks.find((t) => t.referenceTaskName === "decide_ref")).toBeUndefined();
    // What a client sees through the API.
    const json = (await call("GET", `/api/workflow/${id}`)).json();
    expect(json.status).toBe("FAILED");
    expect(json.reasonForIncompletion).toContain("mailbox does not exist");
    expect(await statsWhen("the failure counted", before, (d) => d.failed === 1)).toMatchObject({ matched: 1, failed: 1, completed: 0 });
  });

  it("counts a duplicate completion and changes nothing: the first reply is the one applied", async () => {
    const before = await stats();
    const id = await start("email_validation", { email: "twice@example.com" });
    const [workflow] = await finishAll([id], 20_000);
    expect(workflow!.status).toBe("COMPLETED");
    await statsWhen("the service's second reply counted as a duplicate", before, (d) => d.duplicates === 1);

    // (The service records where its replies landed once the broker acknowledged them,
    // which can be after the router already handled them.)
    const replies = await waitUntil("the service's record of its two replies", () => {
      const both = service.sent.get(id) ?? [];
      return both.length === 2 ? both : undefined;
    });
    expect(replies.map((r) => r.reply.data.note)).toEqual([undefined, "second reply"]);
    const [task] = eventTaskOf(baton.engine.getWorkflow(id));
    expect(task!.outputData).toMatchObject({ status: "completed", valid: true, email: "twice@example.com" });
    expect(task!.outputData).not.toHaveProperty("note");
    expect(baton.engine.getWorkflow(id).output).toEqual({ decision: "accepted", valid: true });
    const completions = await taskEvents(id, "TaskCompleted", task!.taskId);
    expect(completions).toHaveLength(1);
    // The completion points at the service's first record, not the second.
    expect(completions[0]!.metadata.source).toEqual({
      kind: "router",
      detail: `${COMPLETIONS}/${replies[0]!.partition}/${replies[0]!.offset}`,
      message: { topic: COMPLETIONS, partition: replies[0]!.partition, offset: replies[0]!.offset, key: id },
    });

    // One more, late and different: still counted, still nothing appended.
    const eventsBefore = await baton.engine.readWorkflowEvents(id);
    await publishCompletions([{ key: id, value: JSON.stringify({ workflowId: id, eventType: EVENT_TYPE, data: { status: "failed", message: "late" } }) }]);
    expect(await statsWhen("the late reply counted as a duplicate", before, (d) => d.duplicates === 2)).toMatchObject({
      matched: 1,
      duplicates: 2,
      unmatched: 0,
    });
    expect(await baton.engine.readWorkflowEvents(id)).toEqual(eventsBefore);
    expect(baton.engine.getWorkflow(id)).toMatchObject({ status: "COMPLETED", output: { decision: "accepted", valid: true } });
  });

  it("holds a reply that comes before the EVENT task waits, and applies it when the task is reached", async () => {
    const before = await stats();
    const id = await start("email_validation_early", { email: "early@example.com" });
    const [sent] = await publishCompletions([
      { key: id, value: JSON.stringify({ workflowId: id, eventType: EVENT_TYPE, data: { status: "completed", valid: false, email: "early@example.com" } }) },
    ]);
    await statsWhen("the early reply held", before, (d) => d.held === 1 && d.holding === 1);
    expect(eventTaskOf(baton.engine.getWorkflow(id))).toEqual([]);

    // The worker finishes the step before the EVENT task; the held reply then completes it.
    const polled = (await call("GET", "/api/tasks/poll/batch/prepare?count=1&timeout=1000")).json() as { taskId: string; workflowInstanceId: string }[];
    const prepare = polled.find((t) => t.workflowInstanceId === id);
    expect(prepare, "the prepare task in its queue").toBeDefined();
    const done = await call("POST", "/api/tasks", { workflowInstanceId: id, taskId: prepare!.taskId, status: "COMPLETED", outputData: {} });
    expect(done.status, done.text).toBe(200);
    const [workflow] = await finishAll([id], 20_000);
    expect(workflow!.status).toBe("COMPLETED");
    expect(workflow!.output).toEqual({ decision: "rejected", valid: false });
    const [task] = eventTaskOf(workflow!);
    const [completion] = await taskEvents(id, "TaskCompleted", task!.taskId);
    expect(completion!.metadata.source).toMatchObject({ kind: "router", message: { topic: COMPLETIONS, partition: sent!.partition, offset: sent!.baseOffset } });
    expect(await statsWhen("the held reply applied", before, (d) => d.matched === 1 && d.holding === 0)).toMatchObject({
      held: 1,
      matched: 1,
      duplicates: 0,
      unmatched: 0,
    });
  });

  it("applies replies racing the EVENT task (published as soon as each workflow starts) exactly once", async () => {
    const before = await stats();
    const count = 100;
    const ids = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const id = await start("email_validation_direct", { email: `race${i}@example.com` });
        // No wait: the EVENT task may be SCHEDULED (held), IN_PROGRESS before or after its publish (applied).
        await publishCompletions([{ key: id, value: JSON.stringify({ workflowId: id, eventType: EVENT_TYPE, data: { status: "completed", valid: i % 2 === 0 } }) }]);
        return id;
      }),
    );
    const workflows = await finishAll(ids, 30_000);
    const problems: string[] = [];
    for (const [i, workflow] of workflows.entries()) {
      const expected = { decision: i % 2 === 0 ? "accepted" : "rejected", valid: i % 2 === 0 };
      if (workflow.status !== "COMPLETED" || JSON.stringify(workflow.output) !== JSON.stringify(expected)) {
        problems.push(`${workflow.workflowId}: ${workflow.status} ${workflow.reasonForIncompletion ?? ""} ${JSON.stringify(workflow.output)}`);
        continue;
      }
      const [task] = eventTaskOf(workflow);
      const completed = await taskEvents(workflow.workflowId, "TaskCompleted", task!.taskId);
      if (completed.length !== 1) problems.push(`${workflow.workflowId}: EVENT task completed ${completed.length}x`);
      if (task!.outputData.valid !== expected.valid) problems.push(`${workflow.workflowId}: EVENT output ${JSON.stringify(task!.outputData)}`);
    }
    expect(problems).toEqual([]);
    const delta = await statsWhen(`${count} racing replies matched`, before, (d) => d.matched === count && d.holding === 0);
    expect(delta).toMatchObject({ matched: count, duplicates: 0, unmatched: 0 });
    console.log(`kafka-sink: of ${count} racing replies, ${delta.held} were held until their EVENT task waited`);
  });

  it("loses no completion and applies none twice when the broker restarts with ~200 workflows in flight", async () => {
    const before = await stats();
    const errorsBefore = service.errors.length;
    const email = (i: number) => `restart${i}@example.com`;
    // The service takes 100 ms a request (3 partitions side by side): about 7 s for 200,
    // so most are still waiting for their reply when the broker goes down.
    service.pace.perRequestMs = 100;
    const ids: string[] = [];
    try {
      ids.push(...(await Promise.all(Array.from({ length: 200 }, (_, i) => start("email_validation", { email: email(i) })))));
      await waitUntil("the first 30 completions before the restart", () =>
        ids.filter((id) => baton.engine.getWorkflow(id).status === "COMPLETED").length >= 30 ? true : undefined,
      );
      const inFlight = ids.filter((id) => baton.engine.getWorkflow(id).status === "RUNNING").length;
      const restartBegan = Date.now();
      const sentBeforeRestart = service.log.length;
      let restarting = true;
      const restarted = broker.restart({ downMs: 3_000 }).finally(() => (restarting = false));
      // More workflows start while the broker stops, is down and comes back: their
      // KAFKA_PUBLISH has to wait for it.
      while (restarting) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        ids.push(await start("email_validation", { email: email(ids.length) }));
      }
      await restarted;
      const restartSeconds = (Date.now() - restartBegan) / 1000;
      // As a service that restarted from older offsets would: send again the last
      // 30 replies it had sent before the broker went down.
      const repeated = service.log.slice(Math.max(0, sentBeforeRestart - 30), sentBeforeRestart);
      await publishCompletions(repeated.map((reply) => ({ key: reply.workflowId, value: JSON.stringify(reply) })));
      // Usually 5-10 s after the broker is back; up to ~30 s more when the router's
      // consumer crashed during the outage: kafkajs restarts it as a new group member,
      // and the coordinator waits out the old member's session (30 s) first.
      const workflows = await finishAll(ids, 90_000);
      console.log(
        `kafka-sink: broker restart (${restartSeconds.toFixed(1)} s) with ${inFlight} workflows in flight and ${ids.length - 200} started meanwhile; ` +
          `all ${ids.length} ended ${((Date.now() - restartBegan) / 1000).toFixed(1)} s after it began`,
      );
      expect(inFlight, "workflows still waiting for their reply when the broker went down").toBeGreaterThanOrEqual(100);
      expect(ids.length - 200, "workflows started during the restart").toBeGreaterThan(5);

      const wrong = workflows.flatMap((workflow, i) =>
        workflow.status === "COMPLETED" && workflow.output.decision === "accepted" && workflow.output.valid === true
          ? []
          : [`${workflow.workflowId} (#${i}): ${workflow.status} ${workflow.reasonForIncompletion ?? ""} ${JSON.stringify(workflow.output)}`],
      );
      expect(wrong, "workflows not COMPLETED with the expected output").toEqual([]);

      // Exactly once per task, from the store: one EVENT attempt, completed by one TaskCompleted.
      const problems: string[] = [];
      for (const [i, workflow] of workflows.entries()) {
        const attempts = eventTaskOf(workflow);
        if (attempts.length !== 1) problems.push(`${workflow.workflowId}: ${attempts.length} EVENT attempts`);
        const task = attempts[0]!;
        const completed = await taskEvents(workflow.workflowId, "TaskCompleted", task.taskId);
        const failed = await taskEvents(workflow.workflowId, "TaskFailed", task.taskId);
        if (completed.length !== 1 || failed.length !== 0) {
          problems.push(`${workflow.workflowId}: EVENT task ${task.taskId} completed ${completed.length}x, failed ${failed.length}x`);
        }
        if ((completed[0]?.metadata.source as { kind?: string } | undefined)?.kind !== "router") problems.push(`${workflow.workflowId}: not completed by the router`);
        if (task.outputData.email !== email(i)) problems.push(`${workflow.workflowId}: EVENT output ${JSON.stringify(task.outputData)}`);
        if (!(service.requests.get(workflow.workflowId)! >= 1)) problems.push(`${workflow.workflowId}: request never reached the service`);
      }
      expect(problems, "completions lost or applied twice").toEqual([]);

      const delta = await statsWhen(`${ids.length} completions matched`, before, (d) => (d.matched ?? 0) >= ids.length);
      expect(delta).toMatchObject({ matched: ids.length, completed: ids.length, failed: 0, unmatched: 0, malformed: 0, holding: 0 });
      expect(repeated).toHaveLength(30);
      await statsWhen("the repeated replies counted as duplicates", before, (d) => (d.duplicates ?? 0) >= repeated.length);
      const redelivered = [...ids].reduce((sum, id) => sum + (service.requests.get(id)! - 1), 0);
      console.log(`kafka-sink: after the restart, ${redelivered} requests reached the service again and ${delta.duplicates} replies were counted as duplicates`);
      // The broker really was gone meanwhile: the service's client saw it.
      expect(service.errors.slice(errorsBefore).length, "kafkajs errors in the service during the outage").toBeGreaterThan(0);

      // The audit timeline names the Kafka record behind a completion.
      const timeline = (await call("GET", `/api/workflow/${ids[0]}/timeline`)).json() as { type: string; taskRef?: string; source?: { kind: string; topic?: string } }[];
      expect(timeline.find((entry) => entry.type === "TaskCompleted" && entry.taskRef === "wait_ref")?.source).toMatchObject({ kind: "router", topic: COMPLETIONS });
    } finally {
      service.pace.perRequestMs = 0;
    }
  }, 150_000);

  it("dead-letters poison messages on conductor-events with the reason, lists them as unmatched, and later replies still flow", async () => {
    const before = await stats();
    const nonce = randomUUID();
    const partitions = (await admin.fetchTopicMetadata({ topics: [COMPLETIONS] })).topics[0]!.partitions.map((p) => p.partitionId).sort();
    // One waiting workflow per partition: its reply goes right behind that partition's poison.
    const waiting = await Promise.all(partitions.map(() => start("email_validation_direct", { email: "after-poison@example.com" })));
    await Promise.all(
      waiting.map((id) =>
        baton.engine.waitForWorkflow(id, Date.now() + 10_000, (w) => eventTaskOf(w).some((t) => t.status === "IN_PROGRESS")),
      ),
    );
    const notJson = `not json ${nonce}`;
    const noWorkflowId = JSON.stringify({ eventType: EVENT_TYPE, nonce, data: { status: "completed", valid: true } });
    const sent = new Map<number, string>();
    for (const [i, partition] of partitions.entries()) {
      const reply = { workflowId: waiting[i]!, eventType: EVENT_TYPE, data: { status: "completed", valid: true } };
      const [result] = await publishCompletions([
        { partition, key: `poison-${nonce}`, value: notJson },
        { partition, value: noWorkflowId },
        { partition, key: waiting[i]!, value: JSON.stringify(reply) },
      ]);
      sent.set(partition, result!.baseOffset!);
    }

    // The replies behind the poison complete their workflows.
    const workflows = await finishAll(waiting, 30_000);
    for (const [i, workflow] of workflows.entries()) {
      expect(workflow.status, workflow.reasonForIncompletion).toBe("COMPLETED");
      expect(workflow.output).toEqual({ decision: "accepted", valid: true });
      const [completion] = await taskEvents(workflow.workflowId, "TaskCompleted", eventTaskOf(workflow)[0]!.taskId);
      const partition = partitions[i]!;
      expect(completion!.metadata.source).toMatchObject({ message: { partition, offset: String(BigInt(sent.get(partition)!) + 2n) } });
    }
    const delta = await statsWhen("the poison counted as malformed", before, (d) => d.malformed === 2 * partitions.length && d.matched === partitions.length);
    expect(delta).toMatchObject({ malformed: 2 * partitions.length, unmatched: 2 * partitions.length, matched: partitions.length });

    // In the dead-letter topic: the records as sent, with where they came from and why.
    const letters = await readRecords(`${COMPLETIONS}.dlq`, (value) => value.includes(nonce), 2 * partitions.length);
    for (const partition of partitions) {
      const base = BigInt(sent.get(partition)!);
      const fromHere = letters.filter((l) => l.headers.dlqPartition === String(partition)).sort((a, b) => Number(a.headers.dlqOffset) - Number(b.headers.dlqOffset));
      expect(fromHere.map((l) => l.value)).toEqual([notJson, noWorkflowId]);
      expect(fromHere[0]!.key).toBe(`poison-${nonce}`);
      const common = { dlqKind: "handler", dlqTopic: COMPLETIONS, dlqGroupId: `${groupPrefix}.router.${COMPLETIONS}`, dlqAttempts: "1" };
      expect(fromHere[0]!.headers).toMatchObject({ ...common, dlqOffset: String(base) });
      expect(fromHere[0]!.headers.dlqReason).toMatch(/is not a completion event: not JSON/);
      expect(fromHere[1]!.headers).toMatchObject({ ...common, dlqOffset: String(base + 1n), dlqReason: expect.stringMatching(/workflowId is required/) });
    }

    // Listed by the API as unmatched, malformed, with the reason and the record.
    const unmatched = (await call("GET", "/api/router/unmatched?limit=100")).json() as { messageId: string; cause: string; reason: string; value: string }[];
    for (const partition of partitions) {
      const base = BigInt(sent.get(partition)!);
      expect(unmatched.find((u) => u.messageId === `${COMPLETIONS}/${partition}/${base}`)).toMatchObject({ cause: "malformed", reason: expect.stringMatching(/^not JSON/), value: notJson });
      expect(unmatched.find((u) => u.messageId === `${COMPLETIONS}/${partition}/${base + 1n}`)).toMatchObject({ cause: "malformed", reason: "workflowId is required", value: noWorkflowId });
    }

    // And the service's replies keep flowing through the whole loop.
    const later = await Promise.all(Array.from({ length: 20 }, (_, i) => start("email_validation", { email: `later${i}@example.com` })));
    const done = await finishAll(later, 30_000);
    expect(done.filter((w) => w.status !== "COMPLETED").map((w) => `${w.workflowId}: ${w.status} ${w.reasonForIncompletion}`)).toEqual([]);
  });

  /** Records of `topic` from the start whose value passes `keep`, read with a fresh kafkajs consumer. */
  async function readRecords(topic: string, keep: (value: string) => boolean, count: number) {
    const consumer = raw.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const records: { key: string | undefined; value: string; headers: Record<string, string> }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value?.toString() ?? "";
          if (!keep(value)) return;
          const headers: Record<string, string> = {};
          for (const [name, header] of Object.entries(message.headers ?? {})) headers[name] = String(header);
          records.push({ key: message.key?.toString(), value, headers });
        },
      });
      await waitUntil(`${count} records on ${topic}`, () => (records.length >= count ? true : undefined), 20_000, () => records.length);
    } finally {
      await consumer.disconnect();
    }
    return records;
  }
});
