import type { WorkflowState } from "../domain/workflow/state.ts";

/** Workflows of one type in one status. */
export interface StatsEntry {
  workflowType: string;
  status: string;
  count: number;
  /** Mean createTime-to-endTime of those that finished, in ms; null while none did. */
  averageDurationMs: number | null;
}

export interface WorkflowStats {
  at: number;
  total: number;
  byTypeAndStatus: StatsEntry[];
}

/** What stats count of one workflow (held in memory, or a search digest of one that left). */
export interface StatsItem {
  workflowType: string;
  status: string;
  createTime: number;
  /** 0 while it runs. */
  endTime: number;
}

export const statsItemOf = (workflow: WorkflowState): StatsItem => ({
  workflowType: workflow.definition.name,
  status: workflow.status,
  createTime: workflow.createTime,
  endTime: workflow.endTime,
});

/** Counts and mean durations by workflow type and status, sorted by type then status. */
export function workflowStats(workflows: Iterable<StatsItem>, at: number): WorkflowStats {
  const groups = new Map<string, { workflowType: string; status: string; count: number; finished: number; totalMs: number }>();
  let total = 0;
  for (const workflow of workflows) {
    total++;
    const key = `${workflow.workflowType}\u0000${workflow.status}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { workflowType: workflow.workflowType, status: workflow.status, count: 0, finished: 0, totalMs: 0 }));
    group.count++;
    if (workflow.endTime > 0) {
      group.finished++;
      group.totalMs += workflow.endTime - workflow.createTime;
    }
  }
  const byTypeAndStatus = [...groups.values()]
    .sort((a, b) => a.workflowType.localeCompare(b.workflowType) || a.status.localeCompare(b.status))
    .map(({ workflowType, status, count, finished, totalMs }) => ({
      workflowType,
      status,
      count,
      averageDurationMs: finished > 0 ? totalMs / finished : null,
    }));
  return { at, total, byTypeAndStatus };
}
