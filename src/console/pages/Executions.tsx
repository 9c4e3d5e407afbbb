import { useState } from "react";
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

/** Every execution, newest first, filtered by type, status, correlation id, start time and free text; updates live. */
export function Executions() {
  const [filters, setFilters] = useState({ type: "", status: "", correlationId: "", from: "", to: "", freeText: "" });
  const query = searchQuery(filters);
  const search = { query: query || undefined, freeText: filters.freeText.trim() || undefined, sort: "startTime:DESC", size: 100 };
  const result = useQuery<{ workflows: { totalHits: number; results: Summary[] } }>(SEARCH, { search });
  const refetch = useThrottled(result.refetch, 300);
  const live = useSubscription(STATUS_CHANGED, {}, refetch, false, refetch);
  const set = (field: keyof typeof filters) => (event: { target: { value: string } }) => setFilters({ ...filters, [field]: event.target.value });

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
      {result.error ? <p className="error">{result.error}</p> : null}
      <p className="muted">{result.data ? `${result.data.workflows.totalHits} executions` : "loading…"}</p>
      <table className="list" data-testid="executions" data-live={live ? "yes" : "no"}>
        <thead>
          <tr>
            <th>workflow id</th>
            <th>type</th>
            <th>status</th>
            <th>correlation id</th>
            <th>started</th>
            <th>ended</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {result.data?.workflows.results.map((row) => (
            <tr key={row.workflowId} data-testid={`execution-${row.workflowId}`} data-status={row.status}>
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
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
