import type { RecordedEvent } from "../domain/ports.ts";
import {
  evolveTaskDef,
  evolveWorkflowDefs,
  noWorkflowDefVersions,
  type TaskDefState,
  type WorkflowDefVersions,
} from "../domain/metadata/decide.ts";
import type { MetadataEvent } from "../domain/metadata/events.ts";
import type { EventExecution, EventExecutionEvent, EventHandlerEvent } from "../domain/event-handlers/events.ts";
import type { EventHandler } from "../domain/event-handlers/schema.ts";
import {
  EVENT_EXECUTION_STREAM_PREFIX,
  EVENT_HANDLER_STREAM_PREFIX,
  queueName,
  systemQueueName,
  TASK_DEF_STREAM_PREFIX,
  WORKFLOW_DEF_STREAM_PREFIX,
  WORKFLOW_STREAM_PREFIX,
} from "../domain/streams.ts";
import { isReactorType } from "../domain/definitions/task-types.ts";
import { workflowTaskOf } from "../domain/workflow/definition-lookup.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import { evolve } from "../domain/workflow/evolve.ts";
import { initialWorkflowState, type WorkflowState } from "../domain/workflow/state.ts";
import { isWorkflowTerminal } from "../domain/workflow/status.ts";
import { nextTimeoutAt } from "../domain/workflow/timeouts.ts";
import { applyEventHandlerEvent, applyExecutionRecorded, type HeldEvent } from "./event-handlers.ts";

/** A task waiting in a worker queue. */
export interface QueueEntry {
  taskId: string;
  workflowId: string;
  visibleAt: number;
  priority: number;
  seq: number;
}

/**
 * Every read model Baton serves, kept by one reducer over the global event
 * order. Maps are updated in place for speed, but only by `applyEvent`, which
 * is deterministic and remembers the last position it applied (so re-delivered
 * events are ignored).
 */
export interface ReadModels {
  position: number;
  workflows: Map<string, WorkflowState>;
  /** taskId -> workflowId. */
  taskIndex: Map<string, string>;
  /** queue name -> taskId -> entry. */
  queues: Map<string, Map<string, QueueEntry>>;
  /** workflowId -> taskId -> queue name, to diff a workflow's queue entries. */
  queuedByWorkflow: Map<string, Map<string, string>>;
  /** workflowId -> epoch ms of its next timeout. */
  timers: Map<string, number>;
  workflowDefs: Map<string, WorkflowDefVersions>;
  taskDefs: Map<string, TaskDefState>;
  eventHandlers: Map<string, EventHandler>;
  /** handler name -> execution id -> its latest record, in first-recorded order. */
  eventExecutions: Map<string, Map<string, EventExecution>>;
  /** complete_task / fail_task actions held until their task waits, by `heldEventKey`. */
  heldEvents: Map<string, HeldEvent>;
}

export function createReadModels(): ReadModels {
  return {
    position: -1,
    workflows: new Map(),
    taskIndex: new Map(),
    queues: new Map(),
    queuedByWorkflow: new Map(),
    timers: new Map(),
    workflowDefs: new Map(),
    taskDefs: new Map(),
    eventHandlers: new Map(),
    eventExecutions: new Map(),
    heldEvents: new Map(),
  };
}

/** What one applied event changed, for waiters and reactors. */
export interface ReadModelChange {
  workflow?: WorkflowState;
  /** Queues that gained a task. */
  queuesFed: string[];
}

/** Applies one stored event; returns undefined when it was applied before. */
export function applyEvent(models: ReadModels, event: RecordedEvent): ReadModelChange | undefined {
  if (event.position <= models.position) return undefined;
  models.position = event.position;
  const stream = event.streamId;
  if (stream.startsWith(WORKFLOW_DEF_STREAM_PREFIX)) {
    const name = stream.slice(WORKFLOW_DEF_STREAM_PREFIX.length);
    const current = models.workflowDefs.get(name) ?? noWorkflowDefVersions();
    models.workflowDefs.set(name, evolveWorkflowDefs(current, event as unknown as MetadataEvent));
    return { queuesFed: [] };
  }
  if (stream.startsWith(TASK_DEF_STREAM_PREFIX)) {
    const name = stream.slice(TASK_DEF_STREAM_PREFIX.length);
    const current = models.taskDefs.get(name) ?? { revision: -1 };
    models.taskDefs.set(name, evolveTaskDef(current, event as unknown as MetadataEvent));
    return { queuesFed: [] };
  }
  if (stream.startsWith(EVENT_HANDLER_STREAM_PREFIX)) {
    applyEventHandlerEvent(models.eventHandlers, event as unknown as EventHandlerEvent);
    return { queuesFed: [] };
  }
  if (stream.startsWith(EVENT_EXECUTION_STREAM_PREFIX)) {
    applyExecutionRecorded(models.eventExecutions, models.heldEvents, event as unknown as EventExecutionEvent);
    return { queuesFed: [] };
  }
  if (stream.startsWith(WORKFLOW_STREAM_PREFIX)) {
    const workflowId = stream.slice(WORKFLOW_STREAM_PREFIX.length);
    const previous = models.workflows.get(workflowId) ?? initialWorkflowState;
    const workflow = evolve(previous, event as unknown as WorkflowEvent);
    models.workflows.set(workflowId, workflow);
    // Only these events bring new task ids (a rerun resets a task in place, keeping its id).
    if (event.type === "TaskScheduled" || event.type === "TaskSkipped") {
      models.taskIndex.set((event.data as { taskId: string }).taskId, workflowId);
    }
    const queuesFed = syncQueues(models, workflow);
    const due = nextTimeoutAt(workflow);
    if (due === undefined) models.timers.delete(workflowId);
    else models.timers.set(workflowId, due);
    return { workflow, queuesFed };
  }
  return { queuesFed: [] };
}

/** Makes a workflow's queue entries match its SCHEDULED worker tasks. */
function syncQueues(models: ReadModels, workflow: WorkflowState): string[] {
  const wanted = new Map<string, QueueEntry & { queue: string }>();
  if (!isWorkflowTerminal(workflow.status)) {
    for (const task of workflow.tasks) {
      if (task.status !== "SCHEDULED") continue;
      const type = workflowTaskOf(workflow, task)?.type;
      if (type === undefined) continue;
      let queue: string;
      if (type === "SIMPLE") queue = queueName(task.taskType, task.domain);
      else if (isReactorType(type)) queue = systemQueueName(type);
      else continue;
      wanted.set(task.taskId, {
        queue,
        taskId: task.taskId,
        workflowId: workflow.workflowId,
        visibleAt: task.visibleAt,
        priority: workflow.priority,
        seq: task.seq,
      });
    }
  }
  const had = models.queuedByWorkflow.get(workflow.workflowId) ?? new Map<string, string>();
  for (const [taskId, queue] of had) {
    if (!wanted.has(taskId)) models.queues.get(queue)?.delete(taskId);
  }
  const fed: string[] = [];
  const now = new Map<string, string>();
  for (const { queue, ...entry } of wanted.values()) {
    let entries = models.queues.get(queue);
    if (!entries) {
      entries = new Map();
      models.queues.set(queue, entries);
    }
    const before = entries.get(entry.taskId);
    if (!before || before.visibleAt !== entry.visibleAt) fed.push(queue);
    entries.set(entry.taskId, entry);
    now.set(entry.taskId, queue);
  }
  if (now.size === 0) models.queuedByWorkflow.delete(workflow.workflowId);
  else models.queuedByWorkflow.set(workflow.workflowId, now);
  return fed;
}

/**
 * Up to `limit` tasks of a queue pollable at `now`, best first: highest
 * priority, then earliest visible, then lowest seq. A bounded selection, so a
 * poll for one task costs one pass over the queue, not a sort of it.
 */
export function pollableEntries(
  models: ReadModels,
  queue: string,
  now: number,
  limit = Number.POSITIVE_INFINITY,
  skip?: ReadonlySet<string>,
): QueueEntry[] {
  const entries = models.queues.get(queue);
  if (!entries || limit <= 0) return [];
  const better = (a: QueueEntry, b: QueueEntry) => b.priority - a.priority || a.visibleAt - b.visibleAt || a.seq - b.seq;
  const best: QueueEntry[] = [];
  for (const entry of entries.values()) {
    if (entry.visibleAt > now || skip?.has(entry.taskId)) continue;
    if (best.length >= limit && better(entry, best[best.length - 1]!) >= 0) continue;
    let at = best.length;
    while (at > 0 && better(entry, best[at - 1]!) < 0) at--;
    best.splice(at, 0, entry);
    if (best.length > limit) best.pop();
  }
  return best;
}

/** Earliest future visibility in a queue, for long-poll wake-ups. */
export function nextVisibleAt(models: ReadModels, queue: string, now: number): number | undefined {
  let next: number | undefined;
  for (const entry of models.queues.get(queue)?.values() ?? []) {
    if (entry.visibleAt > now && (next === undefined || entry.visibleAt < next)) next = entry.visibleAt;
  }
  return next;
}
