/**
 * Scenario (2) of the side-by-side benchmark (bench/compare.ts, issue 17): the
 * sink round trip on a real Kafka broker, Baton's built-in router against the
 * seed's own stack.
 *
 *   workflow   the same definition on both (bench/sink-workflow.ts): KAFKA_PUBLISH
 *              `{workflowId, email}` to the service's request topic, then an
 *              EVENT with `asyncComplete` whose sink is `kafka:email_validation_completed`
 *              (on Conductor published through its Kafka event queue module,
 *              `conductor.event-queues.kafka.*`, which both 3.21.14 and 3.32.3
 *              boot jars include), completed by the reply; output `{valid}`.
 *   service    the echo microservice of bench/sink.ts (bench/sink-service.ts),
 *              its own process, replying on `conductor-events`.
 *   Baton      as bench/sink.ts runs it: BATON_BUS=kafka, its router on the
 *              reply topic; file store, fsync on.
 *   Conductor  the boot jar with the Kafka event queue enabled, plus the seed's
 *              router service (bench/conductor-router.ts, its own process):
 *              consumes the replies, finds the EVENT task, `POST /api/tasks`.
 *
 * Driven like every other scenario (bench/load.ts: starts over REST, completions
 * seen by search, every output checked), so throughput, p50 and p99 are end to
 * end per workflow. Server CPU per workflow counts Baton's process, and for
 * Conductor its JVM plus the router process; the broker and the service are
 * the same on both sides and counted for neither. Each round uses fresh topics
 * and consumer groups on one broker the run starts once.
 */
import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { type KafkaBroker, startKafka } from "../tests/support/kafka.ts";
import { type SinkChild, startSinkChild, startSinkService } from "./sink-child.ts";
import { quietLogs } from "./sink-logs.ts";
import { REPLY_EVENT_TYPE, SINK_WORKFLOW_NAME, sinkWorkflowDef } from "./sink-workflow.ts";
import type { Workload } from "./workload.ts";

/** Partitions of every topic the scenario creates (as bench/sink.ts). */
const PARTITIONS = 3;
/** The EVENT's sink: a Kafka topic, so Conductor publishes it through its Kafka event queue. */
const EVENT_SINK = `kafka:${REPLY_EVENT_TYPE}`;

/** What a server the scenario starts must offer (bench/compare.ts's RunningServer). */
export interface SinkServer {
  url: string;
  roots: number[];
  stop(): Promise<void>;
}

/** How the server under test is told about the broker and the reply topic. */
export interface SinkServerSettings {
  /** Environment for Baton. */
  batonEnv: Record<string, string>;
  /** Spring properties for Conductor. */
  conductorProperties: string[];
}

/** What bench/conductor-router.ts reports when it stops. */
export interface RouterStats {
  routed: number;
  lookups: number;
  unmatched: number;
  errors: number;
  cpuMs: number;
}

/** The sink workflow as a bench/load.ts workload: no workers, every output `{valid: true}`. */
export function sinkWorkload(requests: string, brokers: string): Workload {
  return {
    workflowName: SINK_WORKFLOW_NAME,
    taskDefs: [],
    workflowDef: sinkWorkflowDef({ requests, sink: EVENT_SINK, emailInput: "x", bootStrapServers: brokers }),
    workers: () => [],
    expectedOutput: () => ({ valid: true }),
  };
}

let broker: Promise<KafkaBroker> | undefined;
const tag = randomBytes(3).toString("hex");

/** The broker of this run, started the first time a sink round needs it. */
function sinkBroker(): Promise<KafkaBroker> {
  broker ??= startKafka();
  return broker;
}

/** Stops the broker if a sink round started one (its watchdog also stops it when this process ends). */
export async function stopSinkBroker(): Promise<void> {
  if (broker) await (await broker).stop();
  broker = undefined;
}

/**
 * One sink round for `variant` (`baton` or a Conductor variant): starts the
 * server with `start`, the service (and for Conductor the router), runs
 * `measure` over the sink workload with the router counted among the server's
 * roots, and stops everything. Router problems (unmatched replies, errors) are
 * returned as `problems`.
 */
export async function runSinkRound<S extends SinkServer, M>(
  variant: string,
  round: number,
  start: (settings: SinkServerSettings) => Promise<S>,
  measure: (server: S, workload: Workload) => Promise<M>,
): Promise<{ measured: M; router?: RouterStats; problems: string[] }> {
  const { brokers } = await sinkBroker();
  const suffix = `${tag}-r${round}-${variant}`;
  const topics = { requests: `email-validation-requests.${suffix}`, replies: `conductor-events.${suffix}` };
  const admin = new Kafka({ clientId: "compare-sink", brokers: [brokers], logLevel: logLevel.ERROR, logCreator: quietLogs }).admin();
  await admin.connect();
  try {
    // The EVENT's topic exists before the first publish on both sides, so neither pays for creating it.
    await admin.createTopics({
      topics: [topics.requests, topics.replies, REPLY_EVENT_TYPE].map((topic) => ({ topic, numPartitions: PARTITIONS })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  const server = await start({
    batonEnv: { BATON_BUS: "kafka", KAFKA_BROKERS: brokers, KAFKA_GROUP_ID: `baton-compare-sink.${suffix}`, BATON_ROUTER_TOPIC: topics.replies },
    conductorProperties: ["conductor.event-queues.kafka.enabled=true", `conductor.event-queues.kafka.bootstrap-servers=${brokers}`],
  });
  let service: SinkChild<unknown> | undefined;
  let router: SinkChild<RouterStats> | undefined;
  try {
    service = await startSinkService(brokers, topics.requests, topics.replies, `compare-sink-service.${suffix}`);
    if (variant !== "baton") {
      router = await startSinkChild<RouterStats>(
        "conductor-router.ts",
        ["--brokers", brokers, "--topic", topics.replies, "--group", `conductor-router.${suffix}`, "--conductor", server.url],
        "router",
      );
    }
    const measured = await measure({ ...server, roots: [...server.roots, ...(router ? [router.pid] : [])] }, sinkWorkload(topics.requests, brokers));
    const problems: string[] = [];
    const routerStats = router ? await router.stop() : undefined;
    router = undefined;
    if (routerStats === null) problems.push("the router process reported no statistics");
    else if (routerStats && (routerStats.unmatched > 0 || routerStats.errors > 0)) {
      problems.push(`router: ${routerStats.unmatched} unmatched, ${routerStats.errors} errors`);
    }
    return { measured, ...(routerStats ? { router: routerStats } : {}), problems };
  } finally {
    await router?.stop();
    await service?.stop();
    await server.stop();
  }
}
