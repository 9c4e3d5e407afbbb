import { isReactorType, isTaskType } from "../domain/definitions/task-types.ts";
import { queueName, systemQueueName } from "../domain/streams.ts";
import { workflowTaskOf } from "../domain/workflow/definition-lookup.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import { evolve } from "../domain/workflow/evolve.ts";
import { initialWorkflowState, type WorkflowState } from "../domain/workflow/state.ts";
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
    const queuesFed = syncQueues(models, workflow);
    const due = nextTimeoutAt(workflow);
    if (due === undefined) models.timers.delete(workflowId);
    else models.timers.set(workflowId, due);
    return { workflow, queuesFed, previous: previous.exists ? previous : undefined };
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

/** Makes a workflow's queue entries match its SCHEDULED worker tasks. */
function syncQueues(models: WorkflowModels, workflow: WorkflowState): string[] {
  const wanted = new Map<string, QueueEntry & { queue: string }>();
  if (!isWorkflowTerminal(workflow.status)) {
    for (const task of workflow.tasks) {
      if (task.status !== "SCHEDULED") continue;
      const type = workflowTaskOf(workflow, task)?.type;
      if (type === undefined) continue;
      let queue: string;
      // A type outside the registry is a worker's task too, polled by its type name (Conductor's UserDefinedTaskMapper).
      if (type === "SIMPLE" || !isTaskType(type)) queue = queueName(task.taskType, task.domain);
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
