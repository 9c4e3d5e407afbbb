/**
 * The airflow-adapter service (the seed's): consumes DAG-run requests from
 * `airflow-trigger-requests`, records each as the first event of its
 * `dagrun-<dagRunId>` stream, and hands the run to the monitor through
 * `dag-monitor-queue` (request-dag-run.ts); the monitor triggers it. The handler settles once the request is stored, so a bus that
 * commits after it loses nothing: a crash before the trigger leaves a
 * requested run that the monitor resumes from the streams. A request that
 * cannot be read but names its workflow is answered with a failed completion
 * (the workflow's EVENT fails with the reason, as the seed's adapter did);
 * one that does not even name its workflow is thrown back for dead-lettering.
 */
import { parseTriggerRequest } from "../../domain/dagrun/trigger-request.ts";
import { ValidationError } from "../../domain/errors.ts";
import type { Bus, BusSubscription, DeliveredMessage, EventStore } from "../../domain/ports.ts";
import { createCommandHandler } from "../command-handler.ts";
import { DEFAULT_COMPLETION_TOPIC } from "./monitor.ts";
import { requestDagRun } from "./request-dag-run.ts";

/** The seed's request topic. */
export const DEFAULT_TRIGGER_TOPIC = "airflow-trigger-requests";
/** Subscriber name (the Kafka consumer group is derived from it): one service instance per request. */
export const TRIGGER_SUBSCRIBER = "airflow-adapter";
/** Where the DAG writes output and stats, by default. */
export const DEFAULT_OUTPUT_PREFIX = "dagruns/{dagId}/{dagRunId}/";

export interface TriggerRequestsDeps {
  store: EventStore;
  bus: Bus;
  topic?: string;
  /** Where runs are handed to the monitor (`dag-monitor-queue`). */
  monitorTopic?: string;
  completionTopic?: string;
  /** A run not finished this long after its request times out (1 h by default). */
  timeoutMs?: number;
  outputPrefix?: string;
  clock?: () => number;
  newId?: () => string;
}

export function consumeTriggerRequests(deps: TriggerRequestsDeps): BusSubscription {
  const { store, bus, topic = DEFAULT_TRIGGER_TOPIC, completionTopic = DEFAULT_COMPLETION_TOPIC } = deps;
  const clock = deps.clock ?? Date.now;
  const handle = createCommandHandler({ store, newId: deps.newId ?? (() => crypto.randomUUID()), cacheSize: 1000 });

  async function onMessage(message: DeliveredMessage): Promise<void> {
    let request;
    try {
      request = parseTriggerRequest(message.value, {
        taskIdHeader: message.headers?.taskId,
        taskScheduledTimeHeader: message.headers?.taskScheduledTime,
        now: clock(),
        timeoutMs: deps.timeoutMs ?? 3_600_000,
        outputPrefix: deps.outputPrefix ?? DEFAULT_OUTPUT_PREFIX,
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const workflowId = workflowIdOf(message.value);
      if (!workflowId) throw error;
      const completion = {
        workflowId,
        taskId: message.headers?.taskId,
        eventType: eventTypeOf(message.value),
        data: { status: "failed", error_message: error.message, timestamp: new Date(clock()).toISOString() },
      };
      await bus.publish(completionTopic, { key: workflowId, value: JSON.stringify(completion) });
      return;
    }
    const source = { kind: "system" as const, detail: `${message.topic}/${message.partition}/${message.offset}`, message: { topic: message.topic, partition: message.partition, offset: message.offset, ...(message.key ? { key: message.key } : {}) } };
    await requestDagRun({ handle, bus, monitorTopic: deps.monitorTopic }, request, source);
  }
  return bus.subscribe(topic, onMessage, { group: TRIGGER_SUBSCRIBER });
}

function parsed(value: string): Record<string, unknown> | undefined {
  try {
    const message = JSON.parse(value) as unknown;
    return typeof message === "object" && message !== null ? (message as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const workflowIdOf = (value: string) => {
  const id = parsed(value)?.workflowId;
  return typeof id === "string" && id !== "" ? id : undefined;
};

const eventTypeOf = (value: string) => {
  const message = parsed(value);
  const data = message?.data as Record<string, unknown> | undefined;
  const named = data?.completion_event_type ?? message?.completion_event_type;
  return typeof named === "string" && named !== "" ? named : "airflow_dag_completed";
};
