/**
 * DAG runs counted by DAG and Baton's status, with the mean request-to-end
 * time of the ended ones: the `dagRuns` part of the GraphQL `stats`
 * subscription, beside the workflows' counts.
 */
import type { DagRunView } from "./dag-runs.ts";

export interface DagRunStatsEntry {
  dagId: string;
  /** REQUESTED, TRIGGERED, SUCCEEDED, FAILED or TIMED_OUT. */
  status: string;
  count: number;
  /** Mean requestedAt-to-endedAt of the ended ones, in ms; null while none ended. */
  averageDurationMs: number | null;
}

export function dagRunStats(runs: Iterable<DagRunView>): DagRunStatsEntry[] {
  const groups = new Map<string, { dagId: string; status: string; count: number; ended: number; totalMs: number }>();
  for (const run of runs) {
    if (!run.request) continue;
    const status = run.phase.toUpperCase();
    const key = `${run.request.dagId}\u0000${status}`;
    const group = groups.get(key) ?? { dagId: run.request.dagId, status, count: 0, ended: 0, totalMs: 0 };
    group.count++;
    if (run.endedAt !== undefined) {
      group.ended++;
      group.totalMs += run.endedAt - run.request.requestedAt;
    }
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ dagId, status, count, ended, totalMs }) => ({ dagId, status, count, averageDurationMs: ended > 0 ? totalMs / ended : null }))
    .sort((a, b) => a.dagId.localeCompare(b.dagId) || a.status.localeCompare(b.status));
}
