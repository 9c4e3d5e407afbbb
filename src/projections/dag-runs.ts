/**
 * DAG runs as read models (`dagrun-<dagRunId>`): each run's current state,
 * and the runs each workflow asked for. Folded with the decider's own
 * `evolve`, so the view and the write side cannot disagree.
 */
import type { DagRunEvent } from "../domain/dagrun/events.ts";
import { type DagRunState, evolveDagRun, initialDagRunState } from "../domain/dagrun/state.ts";
import type { Projection } from "./stream-registry.ts";

/** One run as the read side shows it. */
export interface DagRunView extends DagRunState {
  /** The stream key (the `dag_run_id`). */
  id: string;
  /** Epoch ms of the last event applied. */
  updatedAt: number;
  /** Events in the run's stream so far. */
  eventCount: number;
}

export interface DagRunModels {
  dagRuns: Map<string, DagRunView>;
  /** Run ids by the workflow that asked for them. */
  dagRunsByWorkflow: Map<string, string[]>;
}

/** Epoch ms an event carries (each DAG-run event records when it happened). */
const timeOf = (event: DagRunEvent): number => ("at" in event.data ? event.data.at : event.data.requestedAt);

export const dagRunProjection: Projection<DagRunModels, DagRunEvent> = {
  create: () => ({ dagRuns: new Map(), dagRunsByWorkflow: new Map() }),
  apply(models, event, key) {
    const before = models.dagRuns.get(key) ?? { ...initialDagRunState, id: key, updatedAt: 0, eventCount: 0 };
    const after: DagRunView = { ...evolveDagRun(before, event), id: key, updatedAt: timeOf(event), eventCount: before.eventCount + 1 };
    models.dagRuns.set(key, after);
    if (event.type === "DagRunRequested") {
      const ids = models.dagRunsByWorkflow.get(event.data.workflowId) ?? [];
      if (!ids.includes(key)) models.dagRunsByWorkflow.set(event.data.workflowId, [...ids, key]);
    }
  },
};

/** A run as the APIs show it (REST `GET /api/dagruns`, GraphQL `dagRuns`). */
export interface DagRunSummary {
  id: string;
  dagId: string;
  dagRunId: string;
  workflowId: string;
  taskId: string;
  eventType: string;
  /** Baton's view: REQUESTED, TRIGGERED, SUCCEEDED, FAILED or TIMED_OUT. */
  status: string;
  /** The last state Airflow reported. */
  airflowState: string | null;
  url: string | null;
  existing: boolean;
  reason: string | null;
  conf: Record<string, unknown>;
  requestedAt: number;
  triggeredAt: number | null;
  endedAt: number | null;
  statsUrl: string | null;
  outputUris: string[];
  artifacts: { source: string; target: string; size: number; etag: string | null; kind: string }[];
  completionPublished: boolean;
  updatedAt: number;
}

export function dagRunSummaryOf(run: DagRunView): DagRunSummary | undefined {
  const request = run.request;
  if (!request) return undefined;
  return {
    id: run.id,
    dagId: request.dagId,
    dagRunId: request.dagRunId,
    workflowId: request.workflowId,
    taskId: request.taskId,
    eventType: request.eventType,
    status: run.phase.toUpperCase(),
    airflowState: run.airflowState ?? null,
    url: run.url ?? null,
    existing: run.existing,
    reason: run.syncFailure ?? run.reason ?? null,
    conf: request.conf,
    requestedAt: request.requestedAt,
    triggeredAt: run.triggeredAt ?? null,
    endedAt: run.endedAt ?? null,
    statsUrl: run.artifacts?.statsUrl ?? null,
    outputUris: run.artifacts?.outputUris ?? [],
    artifacts: (run.artifacts?.objects ?? []).map((o) => ({ ...o, etag: o.etag ?? null })),
    completionPublished: run.completionPublished,
    updatedAt: run.updatedAt,
  };
}

/** What a reader may filter runs by; every field given must match. */
export interface DagRunFilter {
  workflowId?: string;
  dagId?: string;
  /** Baton's status (REQUESTED, TRIGGERED, ...), any case. */
  status?: string;
}

/** Runs matching `filter`, newest request first, at most `limit`. */
export function findDagRuns(models: DagRunModels, filter: DagRunFilter = {}, limit = 100): DagRunSummary[] {
  const ids = filter.workflowId ? (models.dagRunsByWorkflow.get(filter.workflowId) ?? []) : [...models.dagRuns.keys()];
  const status = filter.status?.toUpperCase();
  const found: DagRunSummary[] = [];
  for (const id of ids) {
    const run = models.dagRuns.get(id);
    const summary = run && dagRunSummaryOf(run);
    if (!summary) continue;
    if (filter.dagId && summary.dagId !== filter.dagId) continue;
    if (status && summary.status !== status) continue;
    found.push(summary);
  }
  return found.sort((a, b) => b.requestedAt - a.requestedAt || a.id.localeCompare(b.id)).slice(0, limit);
}
