import type { EventMetadata, RecordedEvent } from "../domain/ports.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import { evolve } from "../domain/workflow/evolve.ts";
import { findTask, initialWorkflowState, type WorkflowState } from "../domain/workflow/state.ts";
import type { TaskStatus, WorkflowStatus } from "../domain/workflow/status.ts";

/** Where one event came from, as the audit shows it. */
export interface TimelineSource {
  kind: string;
  /** A REST call ("POST /api/workflow"), a worker id, a reactor, "topic/partition/offset"… */
  detail?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  /** The message key, when the record had one. */
  key?: string;
}

/** One event of a workflow's stream, with what it did. */
export interface TimelineEntry {
  revision: number;
  position: number;
  /** When the store recorded the event: ISO 8601 (UTC) and epoch ms. */
  time: string;
  timeMs: number;
  type: string;
  /** Set when the event concerns one task (its id resolved to a ref by folding the stream). */
  taskId?: string;
  taskRef?: string;
  /** The task's status after the event when it concerns a task, else the workflow's. */
  status: TaskStatus | WorkflowStatus;
  workflowStatus: WorkflowStatus;
  source: TimelineSource;
  correlationId?: string;
  causationId?: string;
}

/** The task an event is about, if it is about exactly one. */
function taskIdOf(event: RecordedEvent): string | undefined {
  const data = event.data as { taskId?: unknown; fromTaskId?: unknown } | null;
  if (typeof data?.taskId === "string") return data.taskId;
  if (event.type === "WorkflowRerun" && typeof data?.fromTaskId === "string") return data.fromTaskId;
  return undefined;
}

/** The audit view of an event's metadata source; events without one count as "system". */
export function sourceOf(metadata: EventMetadata | undefined): TimelineSource {
  const source = metadata?.source;
  if (!source) return { kind: "system" };
  const out: TimelineSource = { kind: source.kind };
  if (source.message) {
    const { topic, partition, offset } = source.message;
    Object.assign(out, { topic, partition, offset, detail: source.detail ?? `${topic}/${partition}/${offset}` });
    if (source.message.key !== undefined) out.key = source.message.key;
  } else if (source.detail !== undefined) {
    out.detail = source.detail;
  }
  return out;
}

/** Folds `events` (one workflow stream, in order) and describes each one. */
export function workflowTimeline(events: readonly RecordedEvent[]): TimelineEntry[] {
  let state: WorkflowState = initialWorkflowState;
  // Every ref ever scheduled: a task can leave the state (rerun, restart) and still be named.
  const refs = new Map<string, string>();
  return events.map((event) => {
    const before = state;
    state = evolve(state, event as unknown as WorkflowEvent);
    const taskId = taskIdOf(event);
    const task = taskId === undefined ? undefined : (findTask(state, taskId) ?? findTask(before, taskId));
    if (task) refs.set(task.taskId, task.referenceTaskName);
    const entry: TimelineEntry = {
      revision: event.revision,
      position: event.position,
      time: new Date(event.created).toISOString(),
      timeMs: event.created,
      type: event.type,
      status: task?.status ?? state.status,
      workflowStatus: state.status,
      source: sourceOf(event.metadata),
    };
    if (taskId !== undefined) entry.taskId = taskId;
    const taskRef = taskId === undefined ? undefined : refs.get(taskId);
    if (taskRef !== undefined) entry.taskRef = taskRef;
    if (event.metadata?.correlationId !== undefined) entry.correlationId = event.metadata.correlationId;
    if (event.metadata?.causationId !== undefined) entry.causationId = event.metadata.causationId;
    return entry;
  });
}
