import { useState } from "react";
import { formatTime, json, useQuery, useSubscription, useThrottled } from "../hooks.ts";
import { StatusBadge } from "../StatusBadge.tsx";

const RUN_FIELDS = `id dagId dagRunId workflowId taskId eventType status airflowState url existing reason requestedAt triggeredAt endedAt`;
const LIST = `query DagRuns($filter: DagRunFilter) { dagRuns(filter: $filter, limit: 200) { ${RUN_FIELDS} } }`;
const ONE = `query DagRun($id: ID!) { dagRun(id: $id) { ${RUN_FIELDS} conf statsUrl outputUris completionPublished artifacts { source target size etag kind } events { revision type time data source } } }`;
const UPDATES = `subscription DagRunUpdates($filter: DagRunFilter) { dagRunUpdates(filter: $filter) { id status } }`;

/** A DAG run as the list and the workflow page show it. */
export interface DagRunSummary {
  id: string;
  dagId: string;
  dagRunId: string;
  workflowId: string;
  taskId: string;
  eventType: string;
  status: string;
  airflowState: string | null;
  url: string | null;
  existing: boolean;
  reason: string | null;
  requestedAt: number;
  triggeredAt: number | null;
  endedAt: number | null;
}

interface DagRunDetail extends DagRunSummary {
  conf: unknown;
  statsUrl: string | null;
  outputUris: string[];
  completionPublished: boolean;
  artifacts: { source: string; target: string; size: number; etag: string | null; kind: string }[];
  events: { revision: number; type: string; time: number; data: unknown; source: unknown }[];
}

const STATUSES = ["REQUESTED", "TRIGGERED", "SUCCEEDED", "FAILED", "TIMED_OUT"];

/** The link to one DAG run's page. */
export const dagRunHref = (id: string) => `#/dagruns/${encodeURIComponent(id)}`;

/** DAG runs Baton triggered and monitors: the list (live), or one run with its events. */
export function DagRuns({ id }: { id?: string }) {
  return id ? <DagRunPage id={id} /> : <DagRunList />;
}

function DagRunList() {
  const [filters, setFilters] = useState({ dagId: "", status: "" });
  const filter = { ...(filters.dagId.trim() ? { dagId: filters.dagId.trim() } : {}), ...(filters.status ? { status: filters.status } : {}) };
  const runs = useQuery<{ dagRuns: DagRunSummary[] }>(LIST, { filter });
  // Each run's every state arrives on the subscription; a burst of them is one refetch.
  const refetch = useThrottled(runs.refetch, 300);
  const live = useSubscription(UPDATES, {}, refetch, false, refetch);
  return (
    <section>
      <h1>DAG runs</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <input placeholder="dag id" aria-label="dag id" value={filters.dagId} onChange={(e) => setFilters({ ...filters, dagId: e.target.value })} />
        <select aria-label="dag run status" value={filters.status} onChange={(e) => setFilters({ ...filters, status: e.target.value })}>
          <option value="">any status</option>
          {STATUSES.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
      </form>
      {runs.error ? <p className="error">{runs.error}</p> : null}
      <table className="list" data-testid="dag-runs" data-live={live ? "yes" : "no"}>
        <thead>
          <tr>
            <th>run</th>
            <th>dag</th>
            <th>status</th>
            <th>airflow</th>
            <th>workflow</th>
            <th>requested</th>
            <th>ended</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {runs.data?.dagRuns.map((run) => (
            <tr key={run.id} data-testid={`dag-run-${run.id}`} data-status={run.status}>
              <td>
                <a href={dagRunHref(run.id)}>{run.dagRunId}</a>
              </td>
              <td>{run.dagId}</td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{run.airflowState ?? ""}</td>
              <td>
                <a href={`#/workflow/${run.workflowId}`}>{run.workflowId}</a>
              </td>
              <td>{formatTime(run.requestedAt)}</td>
              <td>{formatTime(run.endedAt)}</td>
              <td className="reason">{run.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data && runs.data.dagRuns.length === 0 ? <p className="muted">No DAG runs{filter.dagId || filter.status ? " match" : " yet"}.</p> : null}
    </section>
  );
}

function DagRunPage({ id }: { id: string }) {
  const run = useQuery<{ dagRun: DagRunDetail }>(ONE, { id });
  const refetch = useThrottled(run.refetch, 200);
  useSubscription<{ dagRunUpdates: { id: string } }>(UPDATES, {}, (data) => {
    if (data.dagRunUpdates.id === id) refetch();
  });
  if (run.error && !run.data) return <p className="error">{run.error}</p>;
  const detail = run.data?.dagRun;
  if (!detail) return <p className="muted">loading…</p>;
  return (
    <section className="dag-run">
      <h1>
        {detail.dagId} <small>{detail.dagRunId}</small> <StatusBadge status={detail.status} />
      </h1>
      <p className="muted" data-testid="dag-run-status" data-status={detail.status}>
        for workflow <a href={`#/workflow/${detail.workflowId}`}>{detail.workflowId}</a> (task {detail.taskId}) · resumes <code>{detail.eventType}</code>
        {detail.url ? <> · {detail.url}</> : null}
      </p>
      {detail.reason ? <p className="error">{detail.reason}</p> : null}
      <dl>
        <dt>airflow state</dt>
        <dd>{detail.airflowState ?? "—"}</dd>
        <dt>requested</dt>
        <dd>{formatTime(detail.requestedAt)}</dd>
        <dt>triggered</dt>
        <dd>{formatTime(detail.triggeredAt)}{detail.existing ? " (already there; monitored)" : ""}</dd>
        <dt>ended</dt>
        <dd>{formatTime(detail.endedAt)}</dd>
        <dt>completion published</dt>
        <dd>{detail.completionPublished ? "yes" : "no"}</dd>
        <dt>stats</dt>
        <dd>{detail.statsUrl ?? "—"}</dd>
        <dt>outputs</dt>
        <dd>{detail.outputUris.join(", ") || "—"}</dd>
      </dl>
      {detail.artifacts.length ? (
        <>
          <h2>Artifacts</h2>
          <ul>
            {detail.artifacts.map((artifact) => (
              <li key={artifact.target}>
                {artifact.kind}: {artifact.source} → {artifact.target} ({artifact.size} bytes)
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>conf</h3>
      <pre>{json(detail.conf)}</pre>
      <h2>Events</h2>
      <table className="list" data-testid="dag-run-events">
        <thead>
          <tr>
            <th>rev</th>
            <th>time</th>
            <th>event</th>
            <th>data</th>
          </tr>
        </thead>
        <tbody>
          {detail.events.map((event) => (
            <tr key={event.revision}>
              <td>{event.revision}</td>
              <td>{formatTime(event.time)}</td>
              <td>{event.type}</td>
              <td>
                <code>{JSON.stringify(event.data)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
