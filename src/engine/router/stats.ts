/** Counts since this router started (`GET /api/router/stats`). */
export interface RouterStats {
  topic: string;
  /** Completions applied to a task (completed plus failed). */
  matched: number;
  completed: number;
  /** Completions whose `data.status` failed their task. */
  failed: number;
  /** Completions for a task that had already ended with a result: changed nothing. */
  duplicates: number;
  /** Completions held because their task did not wait yet (each counted once). */
  held: number;
  /** Holds open now. */
  holding: number;
  /** Holds given up after the hold time (also counted in `unmatched`). */
  expired: number;
  /** Messages recorded in `router-unmatched` (malformed and expired ones included). */
  unmatched: number;
  malformed: number;
}

/** The counters the router's parts add to; `holding` is asked of the holds when read. */
export type RouterCounts = Omit<RouterStats, "topic" | "holding">;

export function createRouterCounts(): RouterCounts {
  return { matched: 0, completed: 0, failed: 0, duplicates: 0, held: 0, expired: 0, unmatched: 0, malformed: 0 };
}
