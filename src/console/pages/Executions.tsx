import { useState } from "react";
import { rest } from "../api.ts";
import { useQuery, useSubscription, useThrottled } from "../hooks.ts";
import { StatusBadge } from "../StatusBadge.tsx";

const SEARCH = `query Search($search: WorkflowSearch) {
  workflows(search: $search) { totalHits results { workflowId workflowType version status correlationId startTime endTime executionTime reasonForIncompletion } }
}`;
const STATUS_CHANGED = `subscription { workflowStatusChanged { workflowId status } }`;

interface Summary {
  workflowId: string;
  workflowType: string;
  version: number;
  status: string;
  correlationId: string | null;
  startTime: string | null;
  endTime: string | null;
  executionTime: number | null;
  reasonForIncompletion: string | null;
}

const STATUSES = ["RUNNING", "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED", "PAUSED"];

/** Quotes a value for Conductor's query syntax. */
const quoted = (value: string) => `'${value.replace(/'/g, "\\'")}'`;

/** Conductor query syntax from the filter fields (empty ones left out). */
export function searchQuery(filters: { type: string; status: string; correlationId: string; from: string; to: string }): string {
  const clauses: string[] = [];
  if (filters.type.trim()) clauses.push(`workflowType = ${quoted(filters.type.trim())}`);
  if (filters.status) clauses.push(`status IN (${filters.status})`);
  if (filters.correlationId.trim()) clauses.push(`correlationId = ${quoted(filters.correlationId.trim())}`);
  if (filters.from) clauses.push(`startTime > ${new Date(filters.from).getTime()}`);
  if (filters.to) clauses.push(`startTime < ${new Date(filters.to).getTime()}`);
  return clauses.join(" AND ");
}

/** Conductor's bulk operations (`/api/workflow/bulk/*`) the list offers on its selected rows. */
export const BULK_ACTIONS = {
  pause: { label: "Pause", method: "PUT", path: "pause", done: "paused" },
  resume: { label: "Resume", method: "PUT", path: "resume", done: "resumed" },
  terminate: { label: "Terminate", method: "POST", path: "terminate", done: "terminated" },
  retry: { label: "Retry", method: "POST", path: "retry", done: "retried" },
  restart: { label: "Restart", method: "POST", path: "restart", done: "restarted" },
} as const;
export type BulkAction = keyof typeof BULK_ACTIONS;

/** Conductor's BulkResponse: the ids that succeeded, and each failed id's message. */
interface BulkResponse {
  bulkSuccessfulResults: string[];
  bulkErrorResults: Record<string, string>;
}

/** The last bulk operation's outcome, shown on its rows and above the list. */
interface BulkOutcome {
  action: BulkAction;
  succeeded: string[];
  failed: Record<string, string>;
  error?: string;
}

/** Every execution, newest first, filtered by type, status, correlation id, start time and free text; updates live. */
export function Executions() {
  const [filters, setFilters] = useState({ type: "", status: "", correlationId: "", from: "", to: "", freeText: "" });
  const query = searchQuery(filters);
  const search = { query: query || undefined, freeText: filters.freeText.trim() || undefined, sort: "startTime:DESC", size: 100 };
  const result = useQuery<{ workflows: { totalHits: number; results: Summary[] } }>(SEARCH, { search });
  const refetch = useThrottled(result.refetch, 300);
  const live = useSubscription(STATUS_CHANGED, {}, refetch, false, refetch);
  const set = (field: keyof typeof filters) => (event: { target: { value: string } }) => setFilters({ ...filters, [field]: event.target.value });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<BulkOutcome | undefined>(undefined);
  const rows = result.data?.workflows.results ?? [];
  // Only the rows on the page count: a selected row the filters have since hidden is not acted on.
  const chosen = rows.filter((row) => selected.has(row.workflowId)).map((row) => row.workflowId);
  const allChosen = rows.length > 0 && chosen.length === rows.length;
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleAll = () => setSelected(allChosen ? new Set() : new Set(rows.map((row) => row.workflowId)));

  /** Runs one bulk operation over the chosen rows after one confirmation; failed rows stay selected. */
  const runBulk = async (action: BulkAction) => {
    const { label, method, path } = BULK_ACTIONS[action];
    const ids = chosen;
    if (ids.length === 0) return;
    const what = `${label} ${ids.length} workflow${ids.length === 1 ? "" : "s"}${action === "terminate" && reason.trim() ? ` (reason: ${reason.trim()})` : ""}?`;
    if (!window.confirm(what)) return;
    const query = action === "terminate" && reason.trim() ? `?reason=${encodeURIComponent(reason.trim())}` : "";
    setBusy(true);
    try {
      const answer = await rest<BulkResponse>(method, `/api/workflow/bulk/${path}${query}`, ids);
      setOutcome({ action, succeeded: answer.bulkSuccessfulResults, failed: answer.bulkErrorResults });
      setSelected(new Set(Object.keys(answer.bulkErrorResults)));
    } catch (error) {
      setOutcome({ action, succeeded: [], failed: {}, error: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
      refetch();
    }
  };
  const rowOutcome = (id: string): { ok: boolean; text: string } | undefined => {
    if (!outcome) return undefined;
    if (outcome.succeeded.includes(id)) return { ok: true, text: BULK_ACTIONS[outcome.action].done };
    const failure = outcome.failed[id];
    return failure === undefined ? undefined : { ok: false, text: failure };
  };
  const failedIds = outcome ? Object.keys(outcome.failed) : [];

  return (
    <section>
      <h1>Executions</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <input placeholder="workflow type" value={filters.type} onChange={set("type")} aria-label="workflow type" />
        <select value={filters.status} onChange={set("status")} aria-label="status">
          <option value="">any status</option>
          {STATUSES.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
        <input placeholder="correlation id" value={filters.correlationId} onChange={set("correlationId")} aria-label="correlation id" />
        <label>
          from <input type="datetime-local" value={filters.from} onChange={set("from")} />
        </label>
        <label>
          to <input type="datetime-local" value={filters.to} onChange={set("to")} />
        </label>
        <input placeholder="free text" value={filters.freeText} onChange={set("freeText")} aria-label="free text" />
      </form>
      <div className="bulk-actions" data-testid="bulk-actions">
        <span data-testid="bulk-selected">{chosen.length} selected</span>
        {(Object.keys(BULK_ACTIONS) as BulkAction[]).map((action) => (
          <button key={action} className={action === "terminate" ? "danger" : undefined} disabled={busy || chosen.length === 0} onClick={() => void runBulk(action)}>
            {BULK_ACTIONS[action].label}
          </button>
        ))}
        <input placeholder="terminate reason" value={reason} onChange={(event) => setReason(event.target.value)} aria-label="terminate reason" />
      </div>
      {outcome ? (
        <div className="bulk-outcome" data-testid="bulk-outcome">
          {outcome.error ? (
            <p className="error">
              {BULK_ACTIONS[outcome.action].label} failed: {outcome.error}
            </p>
          ) : (
            <p className={failedIds.length ? "error" : "message"}>
              {BULK_ACTIONS[outcome.action].label}: {outcome.succeeded.length} succeeded, {failedIds.length} failed
            </p>
          )}
          {failedIds.length ? (
            <ul data-testid="bulk-errors">
              {failedIds.map((id) => (
                <li key={id} data-workflow-id={id}>
                  <code>{id}</code>: {outcome.failed[id]}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {result.error ? <p className="error">{result.error}</p> : null}
      <p className="muted">{result.data ? `${result.data.workflows.totalHits} executions` : "loading…"}</p>
      <table className="list" data-testid="executions" data-live={live ? "yes" : "no"}>
        <thead>
          <tr>
            <th>
              <input type="checkbox" aria-label="select all on this page" checked={allChosen} onChange={toggleAll} />
            </th>
            <th>workflow id</th>
            <th>type</th>
            <th>status</th>
            <th>correlation id</th>
            <th>started</th>
            <th>ended</th>
            <th>reason</th>
            <th>last action</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const done = rowOutcome(row.workflowId);
            return (
              <tr key={row.workflowId} data-testid={`execution-${row.workflowId}`} data-status={row.status} data-bulk={done ? (done.ok ? "ok" : "failed") : undefined}>
                <td>
                  <input type="checkbox" aria-label={`select ${row.workflowId}`} checked={selected.has(row.workflowId)} onChange={() => toggle(row.workflowId)} />
                </td>
                <td>
                  <a href={`#/workflow/${row.workflowId}`}>{row.workflowId}</a>
                </td>
                <td>
                  {row.workflowType} v{row.version}
                </td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td>{row.correlationId}</td>
                <td>{row.startTime ? new Date(row.startTime).toLocaleString() : ""}</td>
                <td>{row.endTime ? new Date(row.endTime).toLocaleString() : ""}</td>
                <td className="reason">{row.reasonForIncompletion}</td>
                <td className={done?.ok === false ? "bulk-result error" : "bulk-result"} data-testid="bulk-result">
                  {done?.text ?? ""}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
