/**
 * A request for a DAG run as a workflow sends it (a KAFKA_PUBLISH to
 * `airflow-trigger-requests`, the seed's shape):
 * `{workflowId, taskId?, eventType?, data: {dag_id, completion_event_type?, ...}}`.
 * `dag_id` may also be `dagId`, at the top or in `data`; `data` (less
 * Baton's own keys) becomes the DAG's `conf`. The `dag_run_id` is derived from
 * the workflow and the task attempt that published the request (the
 * message's `taskId` and `taskScheduledTime` headers), so a redelivered
 * request names the same run, and a retried or rerun task a new one.
 */
import { ValidationError } from "../errors.ts";
import type { DagRunRequestedData } from "./events.ts";

export interface TriggerRequestContext {
  /** The publishing task's id (the `taskId` header every KAFKA_PUBLISH carries); falls back to the message's `taskId`. */
  taskIdHeader?: string;
  /** When that attempt was scheduled (the `taskScheduledTime` header). */
  taskScheduledTimeHeader?: string;
  now: number;
  timeoutMs: number;
  /** Where the DAG writes its output and stats, before the run id is known: `{dagId}` and `{dagRunId}` are filled in. */
  outputPrefix: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined);

/** Characters Airflow accepts in a run id (its default `run_id` pattern); anything else becomes `_`. */
export const safeRunId = (value: string) => value.replace(/[^A-Za-z0-9_.~:+-]/g, "_").slice(0, 250);

/**
 * The run id of one workflow task attempt, the seed's `jobid-session_id`
 * style: `<workflowId>-<taskId>`, plus `-<scheduledTime>` when known, since a
 * rerun schedules the same task id again and must get a new run.
 */
export const dagRunIdFor = (workflowId: string, taskId: string, scheduledTime?: string) =>
  safeRunId(`${workflowId}-${taskId}${scheduledTime ? `-${scheduledTime}` : ""}`);

/** The completion's event type when the request names none: the seed's rule. */
export function defaultCompletionEventType(taskId: string): string {
  return taskId.toLowerCase().includes("name_parse") ? "name_parse_completed" : "airflow_dag_completed";
}

/** Parses a request message (JSON text) into the run it asks for; bad input is a ValidationError naming the field. */
export function parseTriggerRequest(value: string, context: TriggerRequestContext): DagRunRequestedData {
  let message: unknown;
  try {
    message = JSON.parse(value);
  } catch {
    throw new ValidationError("DAG run request: not JSON", [{ path: "(message)", message: "expected a JSON object" }]);
  }
  if (!isRecord(message)) throw new ValidationError("DAG run request: expected a JSON object", [{ path: "(message)", message: "expected a JSON object" }]);
  const data = isRecord(message.data) ? message.data : {};
  const workflowId = text(message.workflowId);
  if (!workflowId) throw new ValidationError("DAG run request: workflowId is required (a non-empty string)", [{ path: "workflowId", message: "expected a non-empty string" }]);
  const dagId = text(data.dag_id) ?? text(data.dagId) ?? text(message.dag_id) ?? text(message.dagId);
  if (!dagId) {
    throw new ValidationError("DAG run request: data.dag_id is required (a non-empty string; dagId is accepted too)", [
      { path: "data.dag_id", message: "expected a non-empty string" },
    ]);
  }
  const messageTaskId = text(message.taskId);
  const taskId = context.taskIdHeader ?? messageTaskId;
  if (!taskId) throw new ValidationError("DAG run request: taskId is required (the header or the message field)", [{ path: "taskId", message: "expected a non-empty string" }]);
  const dagRunId = text(data.dag_run_id) ? safeRunId(String(data.dag_run_id)) : dagRunIdFor(workflowId, taskId, context.taskIdHeader ? context.taskScheduledTimeHeader : undefined);
  const eventType = text(data.completion_event_type) ?? text(message.completion_event_type) ?? defaultCompletionEventType(messageTaskId ?? taskId);
  const { dag_id: _a, dagId: _b, dag_run_id: _c, completion_event_type: _d, ...rest } = data;
  const outputPrefix = context.outputPrefix.replaceAll("{dagId}", dagId).replaceAll("{dagRunId}", dagRunId);
  return {
    dagRunId,
    dagId,
    conf: { ...rest, workflowId, taskId, dag_run_id: dagRunId, output_prefix: outputPrefix },
    workflowId,
    taskId,
    eventType,
    requestedAt: context.now,
    timeoutMs: context.timeoutMs,
  };
}
