/**
 * The Airflow bridge as one piece: the monitor and the airflow-adapter
 * service on the engine's store and bus, resumed from the streams on start.
 * Composition roots (src/api/open-dag-runs.ts) and tests build it with an
 * Airflow adapter of their choice.
 */
import type { Airflow, Bus, EventStore } from "../../domain/ports.ts";
import type { ArtifactStores } from "./artifacts.ts";
import { createDagRunMonitor, type DagRunMonitorOptions, type KnownDagRun } from "./monitor.ts";
import { consumeTriggerRequests } from "./trigger-requests.ts";
import { consumeMonitorQueue } from "./request-dag-run.ts";

export interface DagRunsDeps extends DagRunMonitorOptions {
  store: EventStore;
  bus: Bus;
  airflow: Airflow;
  artifacts?: ArtifactStores;
  /** Every run the read side knows, to resume the unfinished ones. */
  knownRuns: () => Iterable<KnownDagRun>;
  /**
   * Whether this process owns a workflow's partition (engine.owns); with it the
   * monitor drives only the runs of owned workflows, so with several processes on
   * one store each run is polled by one of them. Every run without it.
   */
  owns?: (workflowId: string) => boolean;
  /** The read side's DAG-run changes (engine.onDagRunChange): with `owns`, the owner takes a new run as soon as its request is read, whichever process got the hand-off. */
  onRunChange?: (listener: (run: KnownDagRun) => void) => () => void;
  /** The request topic (`airflow-trigger-requests`). */
  triggerTopic?: string;
  /** Consume the request topic here (true by default); false where the airflow-adapter runs as a data service (src/services/registry.ts). */
  triggerRequests?: boolean;
  /** The hand-off topic between adapters and monitors (`dag-monitor-queue`). */
  monitorTopic?: string;
  timeoutMs?: number;
  outputPrefix?: string;
  clock?: () => number;
  newId?: () => string;
  sleep?: (ms: number) => Promise<void>;
  logError?: (message: string, fields?: Record<string, unknown>) => void;
}

export async function startDagRuns(deps: DagRunsDeps) {
  const monitor = createDagRunMonitor(deps);
  const resumed = monitor.resume(deps.knownRuns());
  const detachRuns = deps.owns
    ? deps.onRunChange?.((run) => {
        if (run.phase === "requested" && run.request) monitor.own(run.id, run.request.workflowId);
      })
    : undefined;
  const handOffs = consumeMonitorQueue({ bus: deps.bus, monitor, topic: deps.monitorTopic });
  const subscription = deps.triggerRequests === false ? undefined : consumeTriggerRequests({ ...deps, topic: deps.triggerTopic });
  await Promise.all([handOffs.ready, subscription?.ready]);
  return {
    airflow: deps.airflow,
    monitor,
    /** Runs taken over from the streams at start. */
    resumed,
    async close(): Promise<void> {
      detachRuns?.();
      await subscription?.close();
      await handOffs.close();
      await monitor.close();
    },
  };
}

export type DagRuns = Awaited<ReturnType<typeof startDagRuns>>;
