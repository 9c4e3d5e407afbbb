/**
 * The sink pattern on a real Kafka broker (issue 4), next to the floor measured
 * in the same run on the same broker:
 *
 *   kafka   the floor: a bare kafkajs round trip between two processes. This
 *           process produces a request `{workflowId, email}` (key and
 *           `workflowId`/`taskId` headers as Baton's KAFKA_PUBLISH sends), the
 *           service process (bench/sink-service.ts) consumes it and produces the
 *           completion event, and this process consumes the reply.
 *   baton   Baton in this process (file event store, fsync on, BATON_BUS=kafka,
 *           the event router on): workflows of KAFKA_PUBLISH (request to the
 *           requests topic) then EVENT `conductor:email_validation_completed`
 *           with asyncComplete, started over REST (`POST /api/workflow`); the
 *           same service process answers on the router's topic, the router
 *           completes the EVENT task and the workflow completes. Completion is
 *           seen through `engine.waitForWorkflow`.
 *
 * Both drive N items with at most K in flight (a new one as soon as one
 * finishes) after an unmeasured warm-up, and measure latency from the start
 * (produce / POST sent) to the reply consumed / the workflow COMPLETED. Every
 * round uses fresh topics, consumer groups and (for Baton) a fresh data dir;
 * the scenarios alternate their order across rounds, and the table shows each
 * scenario's median round by throughput. Writes bench/results/sink.json.
 *
 *   tsx bench/sink.ts [--workflows N (300)] [--inflight K (50)] [--rounds R (3)] [--warmup W (50)]
 *     [--partitions P (3)] [--no-warmup-round] [--only kafka|baton]
 *
 * W items run unmeasured before each measured phase; before round 1 an
 * uncounted round 0 of both scenarios (3N items each) warms the broker's JVM
 * and this process.
 *
 * Needs Java 17+ (and Maven the first time) for the broker: see
 * scripts/services/kafka.sh.
 */
import { describeMachine } from "./machine.ts";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Admin, Kafka, logLevel, Partitioners } from "kafkajs";
import { loadConfig } from "../src/api/config.ts";
import { type RunningServer, startServer } from "../src/api/node.ts";
import { type KafkaBroker, startKafka } from "../tests/support/kafka.ts";
import { quietLogs } from "./sink-logs.ts";
import { SINK_WORKFLOW_NAME, sinkWorkflowDef } from "./sink-workflow.ts";
import { killSinkChildren, type ServiceStats, type SinkChild, startSinkService as startService, withTimeout } from "./sink-child.ts";
import { percentile, table } from "./stats.ts";

const benchDir = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    workflows: { type: "string", default: process.env.BENCH_SINK_WORKFLOWS || "300" },
    inflight: { type: "string", default: process.env.BENCH_SINK_INFLIGHT || "50" },
    rounds: { type: "string", default: process.env.BENCH_SINK_ROUNDS || "3" },
    warmup: { type: "string", default: process.env.BENCH_SINK_WARMUP || "50" },
    "no-warmup-round": { type: "boolean", default: false },
    partitions: { type: "string", default: process.env.BENCH_SINK_PARTITIONS || "3" },
    only: { type: "string" },
  },
});
for (const key of ["workflows", "inflight", "rounds", "warmup", "partitions"] as const) {
  if (!/^\d+$/.test(values[key]) || (key !== "warmup" && Number(values[key]) < 1)) {
    console.error(`bench/sink: --${key} must be a whole number${key === "warmup" ? "" : " >= 1"}, got '${values[key]}'`);
    process.exit(2);
  }
}
const COUNT = Number(values.workflows);
const INFLIGHT = Number(values.inflight);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
/** An uncounted round 0 of both scenarios first (--no-warmup-round skips it). */
const WARMUP_ROUNDS = values["no-warmup-round"] ? 0 : 1;
/** Round 0 runs this many times N items. */
const WARMUP_ROUND_FACTOR = 3;
/** An item not finished this long after its start counts as lost. */
const ITEM_TIMEOUT_MS = 30_000;
/** Partitions of every topic the bench creates (the test broker's default is 3), the same for both scenarios. */
const PARTITIONS = Number(values.partitions);

type Scenario = "kafka" | "baton";
const ALL_SCENARIOS: Scenario[] = ["kafka", "baton"];
if (values.only !== undefined && !ALL_SCENARIOS.includes(values.only as Scenario)) {
  console.error(`bench/sink: --only must be one of ${ALL_SCENARIOS.join(", ")}, got '${values.only}'`);
  process.exit(2);
}
/** `--only baton` runs Baton alone (no floor, no ratio), e.g. under --cpu-prof. */
const SCENARIOS: Scenario[] = values.only ? [values.only as Scenario] : ALL_SCENARIOS;
const LABEL: Record<Scenario, string> = { kafka: "kafka round trip (floor)", baton: "baton sink (file, fsync)" };

/** Where a Baton workflow's time goes (wall clock, ms). */
interface Phases {
  /** POST /api/workflow sent -> workflow started (HTTP, validation, append). */
  started: number;
  /** Workflow started -> KAFKA_PUBLISH claimed by the reactor (start appended, reaction run, claim decided). */
  requestClaimed: number;
  /** KAFKA_PUBLISH claimed -> completed (claim appended, request acknowledged by the broker, completion decided). */
  requestPublished: number;
  /** KAFKA_PUBLISH completed -> EVENT claimed (completion appended, reaction run, claim decided). */
  eventClaimed: number;
  /** EVENT claimed -> EVENT completed (claim appended, EVENT publish, output recorded, service round trip, router match). */
  replyApplied: number;
  /** EVENT completed -> workflow COMPLETED. */
  workflowCompleted: number;
  /** Workflow COMPLETED -> seen by waitForWorkflow. */
  observed: number;
}

interface RunResult {
  scenario: Scenario;
  round: number;
  count: number;
  wallSeconds: number;
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU of this process (for baton: Baton + driver; for kafka: the driver) per item, measured phase. */
  driverCpuMsPerItem: number;
  /** Share of the measured phase this process's event loop was busy (1 = saturated). */
  driverEventLoopUtilization: number;
  /** The service process: messages handled (warm-up included), bytes seen, CPU. */
  service: ServiceStats | null;
  /** Setup before the warm-up (Baton start and definition, consumers joining), seconds. */
  setupSeconds: number;
  /** The whole round: setup, warm-up, measured phase and shutdown (service, consumers, Baton), seconds. */
  roundSeconds?: number;
  topics: { requests: string; replies: string };
  /** Baton only: the event router's counters after the run. */
  router?: Record<string, unknown>;
  /** Baton only: median ms of each step of a workflow (measured phase), from the engine's timestamps. */
  phasesMs?: Phases;
  failures: string[];
}

const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- driving: N items, at most K in flight --------------------------------

interface Drive {
  latencies: number[];
  wallMs: number;
  cpuMs: number;
  eventLoopUtilization: number;
  failures: string[];
}

async function drive(count: number, inflight: number, one: (i: number) => Promise<void>): Promise<Drive> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      try {
        await one(i);
        latencies.push(performance.now() - t0);
      } catch (error) {
        failures.push(errorText(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, lane));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const busy = performance.eventLoopUtilization(elu).utilization;
  return { latencies, wallMs, cpuMs: (used.user + used.system) / 1000, eventLoopUtilization: busy, failures };
}

function summarize(scenario: Scenario, round: number, measured: Drive, extra: Omit<RunResult, "scenario" | "round" | "count" | "wallSeconds" | "perSecond" | "latencyMs" | "driverCpuMsPerItem" | "driverEventLoopUtilization" | "failures"> & { failures: string[] }): RunResult {
  const l = measured.latencies;
  const failures = [...extra.failures, ...measured.failures];
  const unique = [...new Set(failures)];
  return {
    scenario,
    round,
    count: l.length,
    wallSeconds: measured.wallMs / 1000,
    perSecond: (l.length * 1000) / measured.wallMs,
    latencyMs: {
      p50: percentile(l, 50),
      p90: percentile(l, 90),
      p99: percentile(l, 99),
      max: percentile(l, 100),
      mean: l.length ? l.reduce((a, b) => a + b, 0) / l.length : Number.NaN,
    },
    driverCpuMsPerItem: measured.cpuMs / Math.max(1, l.length),
    driverEventLoopUtilization: measured.eventLoopUtilization,
    service: extra.service,
    setupSeconds: extra.setupSeconds,
    topics: extra.topics,
    ...(extra.router ? { router: extra.router } : {}),
    ...(extra.phasesMs ? { phasesMs: extra.phasesMs } : {}),
    failures: unique.length < failures.length ? [...unique.slice(0, 20), `(${failures.length} failures in all)`] : unique.slice(0, 20),
  };
}

const requestValue = (workflowId: string, i: number) => ({ workflowId, email: `user-${i}@example.com` });

// ---- the floor: bare kafkajs ----------------------------------------------------

async function runFloor(kafka: Kafka, admin: Admin, brokers: string, round: number, count: number, suffix: string): Promise<RunResult> {
  const topics = { requests: `sink-bench-requests.${suffix}`, replies: `sink-bench-replies.${suffix}` };
  const setupStarted = performance.now();
  await admin.createTopics({
    topics: [topics.requests, topics.replies].map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  // The fetch wait of Baton's consumers (and Java's default): it bounds how long a disconnect waits, not latency.
  const consumer = kafka.consumer({ groupId: `sink-bench-floor.${suffix}`, maxWaitTimeInMs: 500 });
  const waiting = new Map<string, () => void>();
  let service: SinkChild<ServiceStats> | undefined;
  let serviceStats: RunResult["service"] = null;
  try {
    await producer.connect();
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.replies], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: PARTITIONS,
      eachMessage: async ({ message }) => {
        const reply = JSON.parse(message.value?.toString() ?? "{}") as { workflowId?: string; data?: { status?: string } };
        if (reply.data?.status !== "completed") return;
        const done = waiting.get(String(reply.workflowId));
        waiting.delete(String(reply.workflowId));
        done?.();
      },
    });
    await withTimeout(joined, 60_000, "the floor's reply consumer joining its group");
    service = await startService(brokers, topics.requests, topics.replies, `sink-bench-service.${suffix}`);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const one = async (i: number) => {
      // The same sizes as Baton's KAFKA_PUBLISH: a UUID key, the same value, workflowId/taskId headers.
      const id = randomUUID();
      const replied = new Promise<void>((resolve) => waiting.set(id, resolve));
      await producer.send({
        topic: topics.requests,
        acks: -1,
        messages: [{ key: id, value: JSON.stringify(requestValue(id, i)), headers: { workflowId: id, taskId: randomUUID() } }],
      });
      await withTimeout(replied, ITEM_TIMEOUT_MS, `reply to ${id}`).finally(() => waiting.delete(id));
    };
    await drive(WARMUP, INFLIGHT, one);
    const measured = await drive(count, INFLIGHT, one);
    serviceStats = await service.stop();
    service = undefined;
    return summarize("kafka", round, measured, { service: serviceStats, setupSeconds, topics, failures: [] });
  } finally {
    await service?.stop();
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
  }
}

// ---- Baton ---------------------------------------------------------------------

async function runBaton(admin: Admin, brokers: string, round: number, count: number, suffix: string): Promise<RunResult> {
  // The seed's topic names, made fresh per round.
  const topics = { requests: `email-validation-requests.${suffix}`, replies: `conductor-events.${suffix}` };
  const setupStarted = performance.now();
  await admin.createTopics({
    topics: [topics.requests, topics.replies].map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
  const dataDir = await mkdtemp(join(tmpdir(), "baton-sink-bench-"));
  let server: RunningServer | undefined;
  let service: SinkChild<ServiceStats> | undefined;
  try {
    // BATON_FSYNC is left unset: the default (fsync on) is what is measured.
    server = await startServer(
      loadConfig({
        PORT: "0",
        HOST: "127.0.0.1",
        BATON_EVENT_STORE: "file",
        DATA_DIR: dataDir,
        BATON_BUS: "kafka",
        KAFKA_BROKERS: brokers,
        KAFKA_GROUP_ID: `baton-sink-bench.${suffix}`,
        BATON_ROUTER_TOPIC: topics.replies,
      }),
    );
    const running = server;
    const base = `http://127.0.0.1:${running.port}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(base + path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
      return text;
    };
    await call("POST", "/api/metadata/workflow", sinkWorkflowDef({ requests: topics.requests }));
    service = await startService(brokers, topics.requests, topics.replies, `sink-bench-service.${suffix}`);
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    let phases: Record<keyof Phases, number[]> | undefined;
    const one = async (i: number) => {
      const sent = Date.now();
      const workflowId = await call("POST", "/api/workflow", { name: SINK_WORKFLOW_NAME, input: { email: `user-${i}@example.com` } });
      const workflow = await running.engine.waitForWorkflow(workflowId, Date.now() + ITEM_TIMEOUT_MS);
      const seen = Date.now();
      if (workflow.status !== "COMPLETED") {
        const waitingOn = workflow.tasks.map((t) => `${t.referenceTaskName}=${t.status}`).join(", ");
        throw new Error(`workflow ${workflowId} is ${workflow.status} after ${ITEM_TIMEOUT_MS / 1000} s (${waitingOn})`);
      }
      if (workflow.output.valid !== true) throw new Error(`workflow ${workflowId} completed with output ${JSON.stringify(workflow.output)}`);
      const publish = workflow.tasks.find((t) => t.referenceTaskName === "request_validation_ref");
      const event = workflow.tasks.find((t) => t.referenceTaskName === "await_validation_ref");
      if (phases && publish && event) {
        phases.started.push(workflow.startTime - sent);
        phases.requestClaimed.push(publish.startTime - workflow.startTime);
        phases.requestPublished.push(publish.endTime - publish.startTime);
        phases.eventClaimed.push(event.startTime - publish.endTime);
        phases.replyApplied.push(event.endTime - event.startTime);
        phases.workflowCompleted.push(workflow.endTime - event.endTime);
        phases.observed.push(seen - workflow.endTime);
      }
    };
    await drive(WARMUP, INFLIGHT, one);
    phases = { started: [], requestClaimed: [], requestPublished: [], eventClaimed: [], replyApplied: [], workflowCompleted: [], observed: [] };
    const measured = await drive(count, INFLIGHT, one);
    const phaseMedians = Object.fromEntries(Object.entries(phases).map(([name, list]) => [name, percentile(list, 50)])) as unknown as Phases;
    const serviceStats = await service.stop();
    service = undefined;
    const router = JSON.parse(await call("GET", "/api/router/stats")) as Record<string, unknown>;
    const failures: string[] = [];
    const expected = WARMUP + count;
    if (router.completed !== expected) failures.push(`router completed ${String(router.completed)} tasks, expected ${expected}`);
    for (const counter of ["duplicates", "unmatched", "failed", "malformed", "expired"]) {
      if (typeof router[counter] === "number" && router[counter] !== 0) failures.push(`router ${counter}: ${String(router[counter])}`);
    }
    return summarize("baton", round, measured, { service: serviceStats, setupSeconds, topics, router, phasesMs: phaseMedians, failures });
  } finally {
    await service?.stop();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---- main ----------------------------------------------------------------------

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log(
    `sink workload: ${COUNT} round trips (+${WARMUP} warm-up) per scenario and round, at most ${INFLIGHT} in flight, ` +
      `${ROUNDS} round(s)${WARMUP_ROUNDS ? " after an uncounted warm-up round" : ""}; one KRaft broker on loopback (topics of ${PARTITIONS} partitions, fresh per round); ` +
      `the service is a separate node process (bench/sink-service.ts)`,
  );

  const brokerStarted = performance.now();
  let broker: KafkaBroker | undefined;
  const runs = new Map<Scenario, RunResult[]>(SCENARIOS.map((s) => [s, []]));
  const warmupRuns: RunResult[] = [];
  const errors: string[] = [];
  let brokerSeconds = Number.NaN;
  const tag = randomBytes(3).toString("hex");
  let admin: Admin | undefined;
  const benchStarted = performance.now();
  try {
    broker = await startKafka();
    brokerSeconds = (performance.now() - brokerStarted) / 1000;
    console.log(`broker: ${broker.brokers} (started in ${fmt(brokerSeconds, 1)} s)`);
    const kafka = new Kafka({ clientId: "sink-bench", brokers: [broker.brokers], logLevel: logLevel.ERROR, logCreator: quietLogs });
    admin = kafka.admin();
    await admin.connect();

    // Round 0 is a warm-up round, not counted: a fresh broker JVM (and this process's
    // JIT) is much slower in its first seconds, which would otherwise land on round 1.
    for (let round = WARMUP_ROUNDS > 0 ? 0 : 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? SCENARIOS : [...SCENARIOS].reverse();
      for (const scenario of order) {
        const suffix = `${tag}-r${round}-${scenario}`;
        const count = round === 0 ? COUNT * WARMUP_ROUND_FACTOR : COUNT;
        // The progress line is printed after the round, so what Baton logs meanwhile does not split it.
        const progress = `round ${round === 0 ? "0 (warm-up, not counted)" : `${round}/${ROUNDS}`}: ${scenario.padEnd(5)} ...`;
        const roundStarted = performance.now();
        try {
          const result =
            scenario === "kafka"
              ? await withTimeout(runFloor(kafka, admin, broker.brokers, round, count, suffix), 150_000, "the kafka round")
              : await withTimeout(runBaton(admin, broker.brokers, round, count, suffix), 150_000, "the baton round");
          result.roundSeconds = (performance.now() - roundStarted) / 1000;
          (round === 0 ? warmupRuns : runs.get(scenario)!).push(result);
          console.log(
            `${progress} ${fmt(result.perSecond, 1)}/s, p50 ${fmt(result.latencyMs.p50, 1)} ms, p99 ${fmt(result.latencyMs.p99, 1)} ms` +
              ` (setup ${fmt(result.setupSeconds, 1)} s, round ${fmt(result.roundSeconds, 1)} s)${result.failures.length ? ` FAILED: ${result.failures.length} problem(s)` : ""}`,
          );
          for (const failure of result.failures) errors.push(`${scenario} (round ${round}): ${failure}`);
        } catch (error) {
          console.log(`${progress} FAILED`);
          errors.push(`${scenario} (round ${round}): ${errorText(error)}`);
        }
      }
    }
  } finally {
    await admin?.disconnect().catch(() => {});
    killSinkChildren();
    if (broker) {
      const stopping = performance.now();
      await broker.stop().catch((error: unknown) => errors.push(`stopping the broker: ${errorText(error)}`));
      console.log(`broker stopped (${fmt((performance.now() - stopping) / 1000, 1)} s)`);
    }
  }

  // Each scenario's median round by throughput (of the rounds that passed their checks).
  const median = (list: RunResult[]): RunResult | undefined => {
    const ok = list.filter((r) => r.failures.length === 0).sort((a, b) => a.perSecond - b.perSecond);
    return ok[Math.floor((ok.length - 1) / 2)];
  };
  const chosen = SCENARIOS.flatMap((s) => {
    const m = median(runs.get(s)!);
    return m ? [m] : [];
  });
  const floor = chosen.find((r) => r.scenario === "kafka");
  const baton = chosen.find((r) => r.scenario === "baton");
  const range = (s: Scenario) => {
    const all = runs.get(s)!.filter((r) => r.failures.length === 0).map((r) => r.perSecond);
    return all.length > 1 ? `${fmt(Math.min(...all), 0)}-${fmt(Math.max(...all), 0)}` : "-";
  };
  const rows = chosen.map((r) => [
    LABEL[r.scenario],
    String(r.count),
    fmt(r.wallSeconds, 2),
    fmt(r.perSecond, 1),
    fmt(r.latencyMs.p50, 1),
    fmt(r.latencyMs.p99, 1),
    floor ? `${fmt(r.perSecond / floor.perSecond, 2)}x` : "-",
    range(r.scenario),
  ]);
  console.log();
  console.log(`median of ${ROUNDS} round(s) per scenario (by throughput):`);
  console.log(table(["scenario", "count", "wall s", "per second", "p50 ms", "p99 ms", "vs floor", "/s range"], rows));
  const ratios =
    floor && baton
      ? {
          throughput: baton.perSecond / floor.perSecond,
          latencyP50: baton.latencyMs.p50 / floor.latencyMs.p50,
          latencyP99: baton.latencyMs.p99 / floor.latencyMs.p99,
        }
      : null;
  if (ratios) {
    console.log(`baton sink = ${fmt(ratios.throughput, 2)}x kafka round trip`);
    console.log(`(latency: p50 ${fmt(ratios.latencyP50, 2)}x, p99 ${fmt(ratios.latencyP99, 2)}x the kafka round trip's)`);
  }
  if (baton?.phasesMs) {
    const p = baton.phasesMs;
    console.log(
      `(baton, median ms per step: POST -> started ${fmt(p.started, 0)}, -> request claimed ${fmt(p.requestClaimed, 0)}, ` +
        `-> request published ${fmt(p.requestPublished, 0)}, -> EVENT claimed ${fmt(p.eventClaimed, 0)}, -> reply applied ${fmt(p.replyApplied, 0)}, -> COMPLETED ${fmt(p.workflowCompleted, 0)}, -> observed ${fmt(p.observed, 0)}; ` +
        `router held ${String(baton.router?.held ?? "-")} of ${String(baton.router?.completed ?? "-")} replies until their EVENT waited)`,
    );
  }
  console.log(
    "(latency: request produced / POST /api/workflow sent -> reply consumed / workflow COMPLETED; " +
      `${INFLIGHT} in flight, so it includes queueing)`,
  );

  const resultsDir = join(benchDir, "results");
  await mkdir(resultsDir, { recursive: true });
  const report = {
    date: new Date().toISOString(),
    machine,
    settings: {
      workflows: COUNT,
      warmup: WARMUP,
      inflight: INFLIGHT,
      rounds: ROUNDS,
      warmupRound: WARMUP_ROUNDS > 0,
      partitions: PARTITIONS,
      fsync: true,
      itemTimeoutMs: ITEM_TIMEOUT_MS,
      kafkaVersion: process.env.KAFKA_VERSION ?? "3.9.2",
    },
    brokerStartSeconds: brokerSeconds,
    totalSeconds: (performance.now() - benchStarted) / 1000,
    summary: chosen.map((r) => ({ ...r, throughputVsFloor: floor ? r.perSecond / floor.perSecond : null })),
    ratios,
    runs: Object.fromEntries(runs),
    warmupRound: warmupRuns,
    errors,
  };
  await writeFile(join(resultsDir, "sink.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${join("bench", "results", "sink.json")}`);

  const missing = SCENARIOS.filter((s) => !chosen.some((r) => r.scenario === s));
  if (missing.length > 0) errors.push(`no passing round for: ${missing.join(", ")}`);
  if (errors.length > 0) {
    console.error("\nbench/sink: FAILED");
    for (const error of errors) console.error(`  ${error}`);
    process.exitCode = 1;
  }
}

const stopChildren = killSinkChildren;
process.on("SIGINT", () => {
  stopChildren();
  process.exit(130); // the broker's watchdog (kafka.sh, owner = this process) stops it
});

main()
  .catch((error: unknown) => {
    console.error("bench/sink: failed:", error);
    process.exitCode = 1;
  })
  .finally(async () => {
    stopChildren();
    // Everything is closed now, so the process should exit by itself; if a handle
    // leaked, say so instead of hanging (the timer does not keep the process alive).
    await sleep(0);
    setTimeout(() => {
      console.error("bench/sink: handles still open 5 s after the end; forcing exit");
      process.exit(process.exitCode ?? 0);
    }, 5000).unref();
  });
