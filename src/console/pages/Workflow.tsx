import { useEffect, useMemo, useState } from "react";
import { gql, rest } from "../api.ts";
import type { DefinitionTask } from "../graph.ts";
import { formatTime, json, useQuery, useSubscription, useThrottled } from "../hooks.ts";
import { StatusBadge } from "../StatusBadge.tsx";
import { WorkflowGraph } from "../WorkflowGraph.tsx";
import { dagRunHref, type DagRunSummary } from "./DagRuns.tsx";

const WORKFLOW_FIELDS = `workflowId workflowName workflowVersion status correlationId parentWorkflowId reasonForIncompletion failedReferenceTaskNames
  createTime updateTime endTime input output variables workflowDefinition
  tasks { taskId taskType taskDefName referenceTaskName status seq retryCount retriedTaskId workerId reasonForIncompletion scheduledTime startTime endTime updateTime pollCount inputData outputData }`;
const WORKFLOW = `query Workflow($id: ID!) { workflow(id: $id) { ${WORKFLOW_FIELDS} } retrySuggestion(workflowId: $id) { reRunFromTaskRefName reRunFromTaskId resetTasks reason } }`;
const WORKFLOW_AT = `query At($id: ID!, $revision: Int) { workflowAt(id: $id, revision: $revision) { ${WORKFLOW_FIELDS} } }`;
const TIMELINE = `query Timeline($id: ID!) { timeline(workflowId: $id) { revision time timeMs type taskId taskRef status workflowStatus correlationId causationId source { kind detail topic partition offset key } } }`;
const DAG_RUNS = `query WorkflowDagRuns($id: String!) { dagRuns(filter: { workflowId: $id }) { id dagId dagRunId taskId status } }`;
const EVENTS = `subscription Events($id: ID!) { workflowEvents(workflowId: $id) { revision type } }`;
const TASK_FIELDS = `taskId taskType taskDefName referenceTaskName status seq retryCount retriedTaskId workerId reasonForIncompletion scheduledTime startTime endTime updateTime pollCount inputData outputData`;
const TASK_UPDATES = `subscription TaskUpdates($taskType: String) { taskUpdates(taskType: $taskType) { workflowInstanceId ${TASK_FIELDS} } }`;

export interface Task {
  taskId: string;
  taskType: string;
  taskDefName: string | null;
  referenceTaskName: string;
  status: string;
  seq: number;
  retryCount: number | null;
  retriedTaskId: string | null;
  workerId: string | null;
  reasonForIncompletion: string | null;
  scheduledTime: number | null;
  startTime: number | null;
  endTime: number | null;
  updateTime: number | null;
  pollCount: number | null;
  inputData: unknown;
  outputData: Record<string, unknown> | null;
}

interface Workflow {
  workflowId: string;
  workflowName: string;
  workflowVersion: number;
  status: string;
  correlationId: string | null;
  parentWorkflowId: string | null;
  reasonForIncompletion: string | null;
  failedReferenceTaskNames: string[];
  createTime: number | null;
  updateTime: number | null;
  endTime: number | null;
  input: unknown;
  output: unknown;
  variables: unknown;
  workflowDefinition: { tasks?: DefinitionTask[] } | null;
  tasks: Task[];
}

interface Suggestion {
  reRunFromTaskRefName: string;
  reRunFromTaskId: string;
  resetTasks: string[];
  reason: string;
}

interface TimelineEntry {
  revision: number;
  time: string;
  timeMs: number;
  type: string;
  taskId: string | null;
  taskRef: string | null;
  status: string;
  workflowStatus: string;
  correlationId: string | null;
  causationId: string | null;
  source: { kind: string; detail: string | null; topic: string | null; partition: number | null; offset: string | null; key: string | null };
}

const TERMINAL = ["COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"];

/** One execution: live graph, task details, actions, the retry suggestion, and its audit trail with time travel. */
export function WorkflowPage({ id }: { id: string }) {
  const live = useQuery<{ workflow: Workflow; retrySuggestion: Suggestion | null }>(WORKFLOW, { id });
  const timeline = useQuery<{ timeline: TimelineEntry[] }>(TIMELINE, { id });
  const dagRuns = useQuery<{ dagRuns: Pick<DagRunSummary, "id" | "dagId" | "dagRunId" | "taskId" | "status">[] }>(DAG_RUNS, { id });
  const refetch = useThrottled(() => {
    live.refetch();
    timeline.refetch();
    dagRuns.refetch();
  }, 200);
  useSubscription(EVENTS, { id }, refetch);
  const [revision, setRevision] = useState<number | undefined>(undefined);
  const past = useQuery<{ workflowAt: Workflow }>(WORKFLOW_AT, { id, revision }, revision === undefined);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  // The selected task's attempts as taskUpdates pushes them (newer than the last query's), and how often each was pushed (its logs are read again then).
  const [pushed, setPushed] = useState<ReadonlyMap<string, Task>>(new Map());
  const [pushes, setPushes] = useState<ReadonlyMap<string, number>>(new Map());
  const selectedType = live.data?.workflow.tasks.filter((task) => baseRef(task.referenceTaskName) === selected).sort((a, b) => b.seq - a.seq)[0];
  const panelLive = useSubscription<{ taskUpdates: Task & { workflowInstanceId: string } }>(
    TASK_UPDATES,
    { taskType: selectedType?.taskDefName ?? selectedType?.taskType ?? null },
    ({ taskUpdates: task }) => {
      if (task.workflowInstanceId !== id || baseRef(task.referenceTaskName) !== selected) return;
      setPushed((current) => new Map(current).set(task.taskId, task));
      setPushes((current) => new Map(current).set(task.taskId, (current.get(task.taskId) ?? 0) + 1));
    },
    selectedType === undefined || revision !== undefined,
  );

  const queried = revision === undefined ? live.data?.workflow : past.data?.workflowAt;
  // Live, a pushed attempt replaces the queried one unless the query has seen a later update of it.
  const workflow = useMemo(() => (queried && revision === undefined ? withPushedTasks(queried, pushed) : queried), [queried, revision, pushed]);
  const suggestion = live.data?.retrySuggestion ?? undefined;
  const entries = timeline.data?.timeline ?? [];
  const lastRevision = entries.length ? entries[entries.length - 1]!.revision : 0;
  const definitionTasks = useMemo(() => workflow?.workflowDefinition?.tasks ?? [], [workflow?.workflowDefinition]);

  if (live.error && !live.data) return <p className="error">{live.error}</p>;
  if (!workflow) return <p className="muted">loading…</p>;

  const act = async (label: string, mutation: string, variables: Record<string, unknown> = {}, confirmText?: string) => {
    if (confirmText && !window.confirm(confirmText)) return;
    setMessage(undefined);
    try {
      await gql(mutation, { id, ...variables });
      setMessage(`${label}: done`);
      refetch();
    } catch (error) {
      setMessage(`${label} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const status = live.data?.workflow.status ?? workflow.status;
  const selectedAttempts = workflow.tasks.filter((task) => baseRef(task.referenceTaskName) === selected).sort((a, b) => b.seq - a.seq);

  return (
    <section className="workflow-page">
      <header className="wf-header">
        <h1>
          {workflow.workflowName} <small>v{workflow.workflowVersion}</small> <StatusBadge status={workflow.status} />
        </h1>
        <p className="muted" data-testid="workflow-status" data-status={workflow.status}>
          {workflow.workflowId}
          {workflow.correlationId ? ` · correlation ${workflow.correlationId}` : ""} · started {formatTime(workflow.createTime)}
          {workflow.endTime ? ` · ended ${formatTime(workflow.endTime)}` : ""}
          {workflow.parentWorkflowId ? (
            <>
              {" · parent "}
              <a href={`#/workflow/${workflow.parentWorkflowId}`}>{workflow.parentWorkflowId}</a>
            </>
          ) : null}
        </p>
        {workflow.reasonForIncompletion ? <p className="error">{workflow.reasonForIncompletion}</p> : null}
        <div className="actions">
          {status === "RUNNING" ? <button onClick={() => act("pause", `mutation($id: ID!) { pauseWorkflow(id: $id) { status } }`, {}, "Pause this workflow?")}>Pause</button> : null}
          {status === "PAUSED" ? <button onClick={() => act("resume", `mutation($id: ID!) { resumeWorkflow(id: $id) { status } }`)}>Resume</button> : null}
          {!TERMINAL.includes(status) ? (
            <button className="danger" onClick={() => act("terminate", `mutation($id: ID!) { terminateWorkflow(id: $id, reason: "terminated from the console") { status } }`, {}, "Terminate this workflow?")}>
              Terminate
            </button>
          ) : null}
          {["FAILED", "TIMED_OUT", "TERMINATED"].includes(status) ? (
            <button onClick={() => act("retry", `mutation($id: ID!) { retryWorkflow(id: $id) { status } }`, {}, "Retry the failed task?")}>Retry</button>
          ) : null}
          {TERMINAL.includes(status) ? (
            <button onClick={() => act("restart", `mutation($id: ID!) { restartWorkflow(id: $id) { status } }`, {}, "Restart this workflow from the beginning?")}>Restart</button>
          ) : null}
        </div>
        {message ? <p className="message">{message}</p> : null}
      </header>

      {suggestion && status === "FAILED" ? (
        <div className="suggestion" data-testid="suggestion">
          <strong>Retry suggestion:</strong> rerun from <code>{suggestion.reRunFromTaskRefName}</code> ({suggestion.reason}); resets {suggestion.resetTasks.join(", ") || "nothing else"}.{" "}
          <button data-testid="retry-suggestion" onClick={() => act("retry from suggestion", `mutation($id: ID!) { retryFromSuggestion(workflowId: $id) { status } }`)}>
            Retry from {suggestion.reRunFromTaskRefName}
          </button>
        </div>
      ) : null}

      <div className="wf-body">
        <WorkflowGraph tasks={definitionTasks} attempts={workflow.tasks} highlight={status === "FAILED" ? suggestion?.reRunFromTaskRefName : undefined} selected={selected} onSelect={setSelected} />
        <aside className="task-panel" data-testid="task-panel" data-live={panelLive ? "yes" : "no"}>
          {selected ? (
            selectedAttempts.length ? (
              selectedAttempts.map((task, index) => <TaskDetails key={task.taskId} task={task} latest={index === 0} pushes={pushes.get(task.taskId) ?? 0} onAction={act} dagRuns={(dagRuns.data?.dagRuns ?? []).filter((run) => triggeredBy(task, run.taskId))} />)
            ) : (
              <p className="muted">{selected}: not scheduled yet</p>
            )
          ) : (
            <>
              <p className="muted">Click a task to see its input, output, logs and attempts.</p>
              <h3>Input</h3>
              <pre>{json(workflow.input)}</pre>
              <h3>Output</h3>
              <pre>{json(workflow.output)}</pre>
              <h3>Variables</h3>
              <pre>{json(workflow.variables)}</pre>
            </>
          )}
        </aside>
      </div>

      <section className="audit">
        <h2>Timeline</h2>
        <div className="time-travel">
          <label>
            revision{" "}
            <input
              type="range"
              data-testid="revision-slider"
              min={0}
              max={lastRevision}
              value={revision ?? lastRevision}
              onChange={(event) => {
                const value = Number(event.target.value);
                setRevision(value >= lastRevision ? undefined : value);
              }}
            />
          </label>
          <span data-testid="revision-shown">{revision === undefined ? `live (revision ${lastRevision})` : `as of revision ${revision}`}</span>
          {revision !== undefined ? <button onClick={() => setRevision(undefined)}>Back to live</button> : null}
        </div>
        <table className="list timeline" data-testid="timeline">
          <thead>
            <tr>
              <th>rev</th>
              <th>time</th>
              <th>event</th>
              <th>task</th>
              <th>status</th>
              <th>workflow</th>
              <th>source</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.revision} className={revision !== undefined && entry.revision > revision ? "future" : ""} onClick={() => setRevision(entry.revision)}>
                <td>{entry.revision}</td>
                <td>{new Date(entry.timeMs).toLocaleTimeString()}</td>
                <td>{entry.type}</td>
                <td>{entry.taskRef ?? ""}</td>
                <td>{entry.status}</td>
                <td>{entry.workflowStatus}</td>
                <td>{sourceText(entry.source)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}

/** A task's reference without a loop iteration's `__n` suffix (the graph's node). */
const baseRef = (ref: string) => ref.replace(/__\d+$/, "");

/** The workflow with each pushed attempt in place of its queried state, when the push is at least as recent. */
function withPushedTasks<W extends { tasks: Task[] }>(workflow: W, pushed: ReadonlyMap<string, Task>): W {
  if (pushed.size === 0) return workflow;
  const tasks = workflow.tasks.map((task) => {
    const newer = pushed.get(task.taskId);
    return newer && (newer.updateTime ?? 0) >= (task.updateTime ?? 0) ? newer : task;
  });
  return { ...workflow, tasks };
}

function sourceText(source: TimelineEntry["source"]): string {
  const parts = [source.kind, source.detail, source.topic ? `${source.topic}[${source.partition ?? "?"}]@${source.offset ?? "?"}` : null];
  return parts.filter(Boolean).join(" ");
}

/**
 * Whether a DAG run was asked for by this task: the run records the task id the
 * request carried, which is the attempt's id, its reference, or (the seed's
 * shape) the taskId the KAFKA_PUBLISH put in its message.
 */
function triggeredBy(task: Task, runTaskId: string): boolean {
  const request = (task.inputData as { kafka_request?: { value?: { taskId?: unknown } } } | null)?.kafka_request?.value;
  return runTaskId === task.taskId || runTaskId === task.referenceTaskName || request?.taskId === runTaskId;
}

type Act = (label: string, mutation: string, variables?: Record<string, unknown>, confirmText?: string) => Promise<void>;

function TaskDetails({ task, latest, pushes, onAction, dagRuns }: { task: Task; latest: boolean; pushes: number; onAction: Act; dagRuns: Pick<DagRunSummary, "id" | "dagId" | "dagRunId" | "status">[] }) {
  const [logs, setLogs] = useState<{ log: string; createdTime: number }[] | undefined>(undefined);
  const [logError, setLogError] = useState<string | undefined>(undefined);
  // Read when the panel opens and again each time taskUpdates pushes this attempt (a log line is such a push).
  useEffect(() => {
    let current = true;
    rest<{ log: string; createdTime: number }[] | undefined>("GET", `/api/tasks/${task.taskId}/log`).then(
      (entries) => {
        if (!current) return;
        setLogs(entries ?? []);
        setLogError(undefined);
      },
      (error: unknown) => current && setLogError(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      current = false;
    };
  }, [task.taskId, pushes]);
  const subWorkflowId = typeof task.outputData?.subWorkflowId === "string" ? task.outputData.subWorkflowId : undefined;
  return (
    <div className="task-details" data-testid={`task-${task.referenceTaskName}`} data-status={task.status}>
      <h3>
        {task.referenceTaskName} <StatusBadge status={task.status} /> {latest ? null : <small>(earlier attempt)</small>}
      </h3>
      <dl>
        <dt>type</dt>
        <dd>{task.taskType}{task.taskDefName && task.taskDefName !== task.taskType ? ` (${task.taskDefName})` : ""}</dd>
        <dt>task id</dt>
        <dd>{task.taskId}</dd>
        <dt>attempt</dt>
        <dd>{(task.retryCount ?? 0) + 1}</dd>
        <dt>polls</dt>
        <dd>{task.pollCount ?? 0}{task.workerId ? ` · worker ${task.workerId}` : ""}</dd>
        <dt>scheduled</dt>
        <dd>{formatTime(task.scheduledTime)}</dd>
        <dt>started</dt>
        <dd>{formatTime(task.startTime)}</dd>
        <dt>ended</dt>
        <dd>{formatTime(task.endTime)}</dd>
        {task.reasonForIncompletion ? (
          <>
            <dt>reason</dt>
            <dd className="error">{task.reasonForIncompletion}</dd>
          </>
        ) : null}
        {dagRuns.length ? (
          <>
            <dt>DAG runs</dt>
            <dd data-testid="task-dag-runs">
              {dagRuns.map((run) => (
                <div key={run.id}>
                  <a href={dagRunHref(run.id)}>
                    {run.dagId} {run.dagRunId}
                  </a>{" "}
                  <StatusBadge status={run.status} />
                </div>
              ))}
            </dd>
          </>
        ) : null}
        {subWorkflowId ? (
          <>
            <dt>sub-workflow</dt>
            <dd>
              <a href={`#/workflow/${subWorkflowId}`}>{subWorkflowId}</a>
            </dd>
          </>
        ) : null}
      </dl>
      {latest ? (
        <div className="actions">
          <button onClick={() => onAction("rerun from task", `mutation($id: ID!, $taskId: String) { rerunWorkflow(id: $id, request: { reRunFromTaskId: $taskId }) { status } }`, { taskId: task.taskId }, `Rerun the workflow from ${task.referenceTaskName}?`)}>
            Rerun from here
          </button>
          {["SCHEDULED", "IN_PROGRESS"].includes(task.status) ? (
            <button onClick={() => onAction("skip", `mutation($id: ID!, $ref: String!) { skipTask(workflowId: $id, taskReferenceName: $ref) { status } }`, { ref: task.referenceTaskName }, `Skip ${task.referenceTaskName}?`)}>Skip</button>
          ) : null}
        </div>
      ) : null}
      <h4>Input</h4>
      <pre>{json(task.inputData)}</pre>
      <h4>Output</h4>
      <pre data-testid="task-output">{json(task.outputData)}</pre>
      <h4>Logs</h4>
      {logError ? <p className="error">logs: {logError}</p> : null}
      {logs ? (
        logs.length ? (
          <pre data-testid="task-logs">{logs.map((entry) => `${new Date(entry.createdTime).toLocaleTimeString()} ${entry.log}`).join("\n")}</pre>
        ) : (
          <p className="muted">no logs</p>
        )
      ) : (
        <p className="muted">loading logs…</p>
      )}
    </div>
  );
}
