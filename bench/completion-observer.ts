/**
 * How the load generator (bench/load.ts) sees its workflows end. Two observers,
 * one round at a time, each round returning the workflows it saw terminal:
 *
 *   search  one `GET /api/workflow/search` per round for the batch's correlation
 *           id and `endTime > cursor`. Cheap on Baton and the stub, but it
 *           depends on each server's search index: Conductor's PostgreSQL index
 *           rejects `endTime > <epoch ms>` (it binds endTime as a timestamp), its
 *           SQLite index ignores the condition, and an index that stamps an end
 *           later than a newer one can slip behind the cursor.
 *   status  one `POST /api/workflow/bulk/search?includeTasks=false` per round with
 *           the ids still in flight (at most `batch` of them): the status from the
 *           execution store itself, the same request on every server (Baton and
 *           Conductor 3.21 and 3.32 all serve it), and no index in the way. Its
 *           cost per round is bounded by `batch`, whatever the number in flight.
 */
import type { OrkesClients } from "@io-orkes/conductor-javascript";

export type ObserverKind = "search" | "status";

export interface Observed {
  id: string;
  status: string;
}

export interface CompletionObserver {
  /** One request; the workflows seen terminal in it (some may have been seen before). */
  round(inFlightOldestFirst: readonly string[]): Promise<Observed[]>;
  /** Requests made so far, and workflow ids asked about (the status observer) or returned (search). */
  readonly requests: number;
  readonly ids: number;
}

const TERMINAL = new Set(["COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"]);

/**
 * The ids the status observer asks about in one round: the oldest half of the
 * batch (in a chain, the ones most likely done), and the rest taken in turn from
 * the younger ones, so a workflow that ends out of order (or an oldest one that
 * never ends) is still seen within a bounded number of rounds.
 */
export function pickObserved(inFlightOldestFirst: readonly string[], batch: number, cursor: number): { ids: string[]; cursor: number } {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`pickObserved: batch must be a whole number >= 1, got ${batch}`);
  if (inFlightOldestFirst.length <= batch) return { ids: [...inFlightOldestFirst], cursor: 0 };
  const head = Math.ceil(batch / 2);
  const rest = inFlightOldestFirst.slice(head);
  const take = batch - head;
  const start = cursor % rest.length;
  const turn = [...rest.slice(start, start + take), ...rest.slice(0, Math.max(0, start + take - rest.length))];
  return { ids: [...inFlightOldestFirst.slice(0, head), ...turn], cursor: (start + take) % rest.length };
}

/** An observer made from its round; `count(ids)` records one request and the workflow ids it asked about or got back. */
function counting(round: (inFlight: readonly string[], count: (ids: number) => void) => Promise<Observed[]>): CompletionObserver {
  let requests = 0;
  let ids = 0;
  return {
    get requests() {
      return requests;
    },
    get ids() {
      return ids;
    },
    round: (inFlight) =>
      round(inFlight, (n) => {
        requests += 1;
        ids += n;
      }),
  };
}

export function statusObserver(serverUrl: string, batch: number): CompletionObserver {
  let cursor = 0;
  return counting(async (inFlight, count) => {
    const picked = pickObserved(inFlight, batch, cursor);
    cursor = picked.cursor;
    if (picked.ids.length === 0) return [];
    count(picked.ids.length);
    const response = await fetch(`${serverUrl}/api/workflow/bulk/search?includeTasks=false`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(picked.ids),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`status observer: POST /api/workflow/bulk/search: HTTP ${response.status} ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { bulkSuccessfulResults?: Array<{ workflowId?: string; status?: string }> };
    return (body.bulkSuccessfulResults ?? []).flatMap((w) => (w.workflowId && w.status && TERMINAL.has(w.status) ? [{ id: w.workflowId, status: w.status }] : []));
  });
}

type Executor = ReturnType<OrkesClients["getWorkflowClient"]>;

export function searchObserver(executor: Executor, correlationId: string): CompletionObserver {
  let cursor = Date.now() - 1000;
  return counting(async (_inFlight, count) => {
    // `>` rather than `>=`: Conductor's SQLite index parses only one-character comparisons.
    const result = await executor.search(0, 1000, `correlationId = ${correlationId} AND endTime > ${cursor - 1}`, "*", "", false);
    count(result.results?.length ?? 0);
    const seen: Observed[] = [];
    let maxEnd = 0;
    for (const summary of result.results ?? []) {
      // Conductor's SQLite index ignores the endTime condition and returns running workflows too.
      if (!summary.status || !TERMINAL.has(summary.status)) continue;
      if (summary.endTime) maxEnd = Math.max(maxEnd, Date.parse(summary.endTime));
      seen.push({ id: summary.workflowId!, status: summary.status });
    }
    // Ends are stamped in commit order only roughly; look a little behind the newest seen.
    if (maxEnd > 0) cursor = Math.max(cursor, maxEnd - 250);
    return seen;
  });
}
