/**
 * How any service asks for a DAG run (the airflow-adapter here; the seed's
 * email-hygiene service too): record the request as the first event of its
 * `dagrun-<dagRunId>` stream, then hand the run to the monitor through
 * `dag-monitor-queue` (the seed's topic), whose consumer group gives each run
 * to one monitor. A hand-off that is lost (a crash, the in-process bus after a
 * restart) costs nothing: monitors resume unfinished runs from the streams.
 */
import { dagRunDecider } from "../../domain/dagrun/decider.ts";
import type { DagRunRequestedData } from "../../domain/dagrun/events.ts";
import { ValidationError } from "../../domain/errors.ts";
import type { Bus, BusSubscription, DeliveredMessage, EventSource } from "../../domain/ports.ts";
import { dagRunCategory } from "../../projections/stream-categories.ts";
import type { CommandHandler } from "../command-handler.ts";
import type { DagRunMonitor } from "./monitor.ts";

/** The seed's hand-off topic between the adapters and the monitor. */
export const DEFAULT_MONITOR_TOPIC = "dag-monitor-queue";
/** The monitors' subscriber name (one Kafka consumer group: each run goes to one monitor). */
export const MONITOR_SUBSCRIBER = "dag-monitor";

/** What travels on the monitor queue. */
export interface MonitorHandOff {
  dagRunId: string;
  dagId: string;
  workflowId: string;
}

export async function requestDagRun(
  deps: { handle: CommandHandler; bus: Bus; monitorTopic?: string },
  request: DagRunRequestedData,
  source: EventSource,
): Promise<void> {
  await deps.handle(dagRunDecider, dagRunCategory.streamOf(request.dagRunId), { type: "RequestDagRun", request }, () => undefined, {
    source,
    correlationId: request.workflowId,
  });
  const handOff: MonitorHandOff = { dagRunId: request.dagRunId, dagId: request.dagId, workflowId: request.workflowId };
  await deps.bus.publish(deps.monitorTopic ?? DEFAULT_MONITOR_TOPIC, { key: request.workflowId, value: JSON.stringify(handOff) });
}

/** The monitor's side of the queue: each hand-off makes the run this monitor's. */
export function consumeMonitorQueue({ bus, monitor, topic = DEFAULT_MONITOR_TOPIC }: { bus: Bus; monitor: Pick<DagRunMonitor, "own">; topic?: string }): BusSubscription {
  return bus.subscribe(
    topic,
    async (message: DeliveredMessage) => {
      let dagRunId: unknown;
      let workflowId: unknown;
      try {
        ({ dagRunId, workflowId } = JSON.parse(message.value) as Partial<MonitorHandOff>);
      } catch {
        dagRunId = undefined;
      }
      if (typeof dagRunId !== "string" || dagRunId === "") {
        throw new ValidationError(`${topic}: expected {"dagRunId": "..."}`, [{ path: "dagRunId", message: "expected a non-empty string" }]);
      }
      // A process that does not own the run's workflow leaves it to the owner, which takes it from the read side.
      monitor.own(dagRunId, typeof workflowId === "string" && workflowId !== "" ? workflowId : undefined);
    },
    { group: MONITOR_SUBSCRIBER },
  );
}
