import { isReactorType, isTaskType } from "../domain/definitions/task-types.ts";
import { queueName, systemQueueName } from "../domain/streams.ts";
import { workflowTaskOf } from "../domain/workflow/definition-lookup.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import { evolve } from "../domain/workflow/evolve.ts";
import { initialWorkflowState, type TaskState, type WorkflowState } from "../domain/workflow/state.ts";
import { isWorkflowTerminal } from "../domain/workflow/status.ts";
import { nextTimeoutAt } from "../domain/workflow/timeouts.ts";
import type { Projection } from "./stream-registry.ts";

/** A task waiting in a worker queue. */
export interface QueueEntry {
  taskId: string;
  workflowId: string;
  visibleAt: number;
  priority: number;
  seq: number;
}

/** What the workflow streams project to: Conductor's workflows, the task index, queues and timers. */
export interface WorkflowModels {
  workflows: Map<string, WorkflowState>;
  /** taskId -> workflowId. */
  taskIndex: Map<string, string>;
  /** queue name -> taskId -> entry. */
  queues: Map<string, Map<string, QueueEntry>>;
  /** workflowId -> taskId -> queue name, to diff a workflow's queue entries. */
  queuedByWorkflow: Map<string, Map<string, string>>;
  /** workflowId -> epoch ms of its next timeout. */
  timers: Map<string, number>;
}

export const workflowProjection: Projection<WorkflowModels, WorkflowEvent> = {
  create: () => ({ workflows: new Map(), taskIndex: new Map(), queues: new Map(), queuedByWorkflow: new Map(), timers: new Map() }),
  apply(models, event, workflowId) {
    const previous = models.workflows.get(workflowId) ?? initialWorkflowState;
    const workflow = evolve(previous, event);
    if (!workflow.exists) {
      forget(models, workflow);
      return { workflow, queuesFed: [], previous: previous.exists ? previous : undefined };
    }
    models.workflows.set(workflowId, workflow);
    // Only these events bring new task ids (a rerun resets a task in place, keeping its id).
    if (event.type === "TaskScheduled" || event.type === "TaskSkipped") {
      models.taskIndex.set(event.data.taskId, workflowId);
    }
    const queuesFed = syncQueues(models, workflow, tasksTouchedBy(event));
    const due = nextTimeoutAt(workflow);
    if (due === undefined) models.timers.delete(workflowId);
    else models.timers.set(workflowId, due);
    return { workflow, queuesFed, previous: previous.exists ? previous : undefined };
  },
  // A rebuild folds every event into its workflow and indexes its tasks, and
  // derives queue entries and timers once per workflow, from its final state,
  // instead of after each of its events.
  applyForRebuild(models, event, workflowId) {
    const workflow = evolve(models.workflows.get(workflowId) ?? initialWorkflowState, event);
    if (!workflow.exists) {
      forget(models, workflow);
      return;
    }
    models.workflows.set(workflowId, workflow);
    if (event.type === "TaskScheduled" || event.type === "TaskSkipped") models.taskIndex.set(event.data.taskId, workflowId);
  },
  finishRebuild(models) {
    for (const [workflowId, workflow] of models.workflows) {
      syncQueues(models, workflow, undefined);
      const due = nextTimeoutAt(workflow);
      if (due === undefined) models.timers.delete(workflowId);
      else models.timers.set(workflowId, due);
    }
  },
};

/** Drops a removed workflow from every model: its state, task index, queue entries and timer. */
function forget(models: WorkflowModels, workflow: WorkflowState): void {
  models.workflows.delete(workflow.workflowId);
  for (const task of workflow.tasks) models.taskIndex.delete(task.taskId);
  models.timers.delete(workflow.workflowId);
  const queued = models.queuedByWorkflow.get(workflow.workflowId);
  if (queued) for (const [taskId, queue] of queued) models.queues.get(queue)?.delete(taskId);
  models.queuedByWorkflow.delete(workflow.workflowId);
}

/**
 * The tasks whose queue entry `event` may change, or undefined when it may
 * change any of them (a workflow-level event: start, end, pause, rerun, …).
 * A task event touches its own entry only, so a workflow with thousands of
 * tasks is not re-queued whole for each of their events.
 */
function tasksTouchedBy(event: WorkflowEvent): readonly string[] | undefined {
  switch (event.type) {
    case "TaskScheduled":
      return event.data.retriedTaskId ? [event.data.taskId, event.data.retriedTaskId] : [event.data.taskId];
    case "TaskSkipped":
    case "TaskStarted":
    case "TaskUpdated":
    case "TaskCompleted":
    case "TaskFailed":
    case "TaskCompletedWithErrors":
    case "TaskTimedOut":
    case "TaskCanceled":
    case "TaskLogAdded":
    case "TaskOutputUpdated":
    case "LoopIterated":
      return [event.data.taskId];
    case "CallbacksReset":
      return event.data.taskIds;
    case "VariablesSet":
    case "DecisionDeferred":
      return [];
    case "WorkflowStarted":
    case "WorkflowCompleted":
    case "WorkflowFailed":
    case "WorkflowTimedOut":
    case "WorkflowTerminated":
    case "WorkflowPaused":
    case "WorkflowResumed":
    case "WorkflowRestarted":
    case "WorkflowRetried":
    case "WorkflowRerun":
    case "WorkflowRemoved":
      return undefined;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

type WantedEntry = QueueEntry & { queue: string };

/** The queue entry a task should have now: a SCHEDULED worker or reactor task of a running workflow. */
function wantedEntry(workflow: WorkflowState, task: TaskState): WantedEntry | undefined {
  if (task.status !== "SCHEDULED" || isWorkflowTerminal(workflow.status)) return undefined;
  const type = workflowTaskOf(workflow, task)?.type;
  if (type === undefined) return undefined;
  let queue: string;
  // A type outside the registry is a worker's task too, polled by its type name (Conductor's UserDefinedTaskMapper).
  if (type === "SIMPLE" || !isTaskType(type)) queue = queueName(task.taskType, task.domain);
  else if (isReactorType(type)) queue = systemQueueName(type);
  else return undefined;
  return { queue, taskId: task.taskId, workflowId: workflow.workflowId, visibleAt: task.visibleAt, priority: workflow.priority, seq: task.seq };
}

/** Makes a workflow's queue entries match its SCHEDULED worker tasks (only `touched` ones, when given). */
function syncQueues(models: WorkflowModels, workflow: WorkflowState, touched: readonly string[] | undefined): string[] {
  const had = models.queuedByWorkflow.get(workflow.workflowId) ?? new Map<string, string>();
  const wanted = new Map<string, WantedEntry | undefined>();
  if (touched === undefined) {
    for (const taskId of had.keys()) wanted.set(taskId, undefined);
    for (const task of workflow.tasks) wanted.set(task.taskId, wantedEntry(workflow, task));
  } else {
    for (const taskId of touched) {
      const task = workflow.tasks.findLast((t) => t.taskId === taskId);
      wanted.set(taskId, task ? wantedEntry(workflow, task) : undefined);
    }
  }
  const fed: string[] = [];
  for (const [taskId, entry] of wanted) {
    const queued = had.get(taskId);
    if (queued !== undefined && queued !== entry?.queue) {
      models.queues.get(queued)?.delete(taskId);
      had.delete(taskId);
    }
    if (entry === undefined) continue;
    const { queue, ...queueEntry } = entry;
    let entries = models.queues.get(queue);
    if (!entries) {
      entries = new Map();
      models.queues.set(queue, entries);
    }
    const before = entries.get(taskId);
    if (!before || before.visibleAt !== queueEntry.visibleAt) fed.push(queue);
    entries.set(taskId, queueEntry);
    had.set(taskId, queue);
  }
  if (had.size === 0) models.queuedByWorkflow.delete(workflow.workflowId);
  else models.queuedByWorkflow.set(workflow.workflowId, had);
  return fed;
}
