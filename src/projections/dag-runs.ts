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

/** The status a reader filters on: Baton's phase, or `completed` once the completion went out. */
export function dagRunStatusOf(run: DagRunState): string {
  return run.phase.toUpperCase();
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
