import { useEffect, useState } from "react";
import { rest } from "../api.ts";
import { json, useQuery, useSubscription } from "../hooks.ts";

const QUEUES = `{ queues { name size } eventHandlers { name event condition active actions } unmatchedEvents(limit: 50) { messageId cause reason workflowId taskRefName topic partition offset time } }`;
const STATS = `subscription { stats { at total byTypeAndStatus { workflowType status count averageDurationMs } } }`;

interface PollData {
  queueName: string;
  domain?: string;
  workerId: string;
  lastPollTime: number;
}

interface Stats {
  at: number;
  total: number;
  byTypeAndStatus: { workflowType: string; status: string; count: number; averageDurationMs: number | null }[];
}

/** Task queues, event handlers, the router's unmatched messages, and live counts by workflow type and status. */
export function Operations() {
  const data = useQuery<{
    queues: { name: string; size: number }[];
    eventHandlers: { name: string; event: string; condition: string | null; active: boolean | null; actions: unknown }[];
    unmatchedEvents: { messageId: string; cause: string; reason: string; workflowId: string | null; taskRefName: string | null; topic: string | null; partition: number | null; offset: string | null; time: number }[] | null;
  }>(QUEUES);
  const [stats, setStats] = useState<Stats | undefined>(undefined);
  // Who polled each queue last, from Conductor's poll-data route (GraphQL does not carry it).
  const [polls, setPolls] = useState<PollData[]>([]);
  useEffect(() => {
    rest<PollData[]>("GET", "/api/tasks/queue/polldata/all").then(setPolls, () => setPolls([]));
  }, [data.data]);
  useSubscription<{ stats: Stats }>(STATS, {}, (next) => setStats(next.stats));
  return (
    <section>
      <h1>Queues &amp; events</h1>
      <button onClick={data.refetch}>Refresh</button>
      <h2>Live stats</h2>
      {stats ? (
        <table className="list" data-testid="stats">
          <thead>
            <tr>
              <th>workflow type</th>
              <th>status</th>
              <th>count</th>
              <th>mean duration</th>
            </tr>
          </thead>
          <tbody>
            {stats.byTypeAndStatus.map((row) => (
              <tr key={`${row.workflowType}:${row.status}`}>
                <td>{row.workflowType}</td>
                <td>{row.status}</td>
                <td>{row.count}</td>
                <td>{row.averageDurationMs === null ? "" : `${Math.round(row.averageDurationMs)} ms`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">waiting for stats…</p>
      )}
      <h2>Task queues</h2>
      <table className="list" data-testid="queues">
        <thead>
          <tr>
            <th>task type</th>
            <th>waiting</th>
            <th>last polled by</th>
          </tr>
        </thead>
        <tbody>
          {data.data?.queues.map((queue) => (
            <tr key={queue.name}>
              <td>{queue.name}</td>
              <td>{queue.size}</td>
              <td>
                {polls
                  .filter((poll) => poll.queueName === queue.name)
                  .map((poll) => `${poll.workerId}${poll.domain ? ` (${poll.domain})` : ""} at ${new Date(poll.lastPollTime).toLocaleTimeString()}`)
                  .join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Event handlers</h2>
      <table className="list">
        <thead>
          <tr>
            <th>name</th>
            <th>event</th>
            <th>condition</th>
            <th>active</th>
            <th>actions</th>
          </tr>
        </thead>
        <tbody>
          {data.data?.eventHandlers.map((handler) => (
            <tr key={handler.name}>
              <td>{handler.name}</td>
              <td>{handler.event}</td>
              <td>
                <code>{handler.condition}</code>
              </td>
              <td>{handler.active ? "yes" : "no"}</td>
              <td>
                <pre>{json(handler.actions)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Unmatched messages</h2>
      {data.data?.unmatchedEvents === null ? (
        <p className="muted">The event router is off.</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th>time</th>
              <th>cause</th>
              <th>reason</th>
              <th>workflow</th>
              <th>task</th>
              <th>where</th>
            </tr>
          </thead>
          <tbody>
            {data.data?.unmatchedEvents?.map((event) => (
              <tr key={event.messageId}>
                <td>{new Date(event.time).toLocaleString()}</td>
                <td>{event.cause}</td>
                <td>{event.reason}</td>
                <td>{event.workflowId ? <a href={`#/workflow/${event.workflowId}`}>{event.workflowId}</a> : ""}</td>
                <td>{event.taskRefName}</td>
                <td>{event.topic ? `${event.topic}[${event.partition}]@${event.offset}` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
