import type { WorkflowDef, WorkflowTask } from "../definitions/workflow-def.ts";
import type { TaskStatus, WorkflowStatus } from "./status.ts";

export interface TaskLog {
  log: string;
  taskId: string;
  createdTime: number;
}

/** One attempt of one task, as the decider sees it. */
export interface TaskState {
  taskId: string;
  referenceTaskName: string;
  taskType: string;
  taskDefName: string;
  seq: number;
  status: TaskStatus;
  inputData: Record<string, unknown>;
  outputData: Record<string, unknown>;
  retryCount: number;
  retriedTaskId?: string;
  retried: boolean;
  /** Epoch ms of the first attempt of this reference, for totalTimeoutSeconds. */
  firstScheduledTime: number;
  scheduledTime: number;
  startTime: number;
  endTime: number;
  updateTime: number;
  startDelayInSeconds: number;
  callbackAfterSeconds: number;
  pollCount: number;
  /** Epoch ms from which a SCHEDULED task may be polled (start delay, back-off, callback). */
  visibleAt: number;
  workerId?: string;
  reasonForIncompletion?: string;
  domain?: string;
  /** DO_WHILE iteration (0 outside loops); for a DO_WHILE task, its current iteration. */
  iteration: number;
  /** A WAIT task with a duration or `until` completes at this epoch ms. */
  waitUntil?: number;
  definitionRef?: string;
  workflowTask?: WorkflowTask;
  logs: TaskLog[];
  /**
   * The inbound message that ended this task, so a repeat of it changes nothing
   * (complete-from-message.ts); kept when a rerun resets the task, because one
   * message ends one task at most once.
   */
  endedByMessageId?: string;
}

/** A workflow instance folded from its stream. */
export interface WorkflowState {
  exists: boolean;
  /** Revision of the last event folded in, -1 before the first. */
  revision: number;
  workflowId: string;
  definition: WorkflowDef;
  status: WorkflowStatus;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  variables: Record<string, unknown>;
  correlationId?: string;
  /** The W3C `traceparent` the workflow was started in (WorkflowStarted), continued by its effects. */
  traceparent?: string;
  priority: number;
  taskToDomain: Record<string, string>;
  idempotencyKey?: string;
  createdBy?: string;
  parentWorkflowId?: string;
  parentWorkflowTaskId?: string;
  /** Sub-workflow nesting: 0 for a workflow started from outside, its parent's depth + 1 for a sub-workflow. */
  depth: number;
  reRunFromWorkflowId?: string;
  createTime: number;
  startTime: number;
  updateTime: number;
  endTime: number;
  lastRetriedTime: number;
  reasonForIncompletion?: string;
  /** The task whose failure or timeout ended the workflow. */
  failedTaskId?: string;
  failureWorkflowId?: string;
  tasks: TaskState[];
  nextSeq: number;
  /** Revision of the last DecisionDeferred: the decision that stopped at its budget, to be continued. */
  deferredAtRevision?: number;
}

/** The state of a workflow that has not been started. */
export const initialWorkflowState: WorkflowState = Object.freeze({
  exists: false,
  revision: -1,
  workflowId: "",
  definition: { name: "", version: 1, tasks: [] } as unknown as WorkflowDef,
  status: "RUNNING",
  input: {},
  output: {},
  variables: {},
  priority: 0,
  taskToDomain: {},
  depth: 0,
  createTime: 0,
  startTime: 0,
  updateTime: 0,
  endTime: 0,
  lastRetriedTime: 0,
  tasks: [],
  nextSeq: 1,
}) as WorkflowState;

/** True when the workflow's last event deferred the rest of its decision (and it still runs). */
export function isDecisionDeferred(state: WorkflowState): boolean {
  return state.status === "RUNNING" && state.deferredAtRevision !== undefined && state.deferredAtRevision === state.revision;
}

/** The latest attempt of each task reference, in schedule order. */
export function latestAttempts(state: WorkflowState): TaskState[] {
  const byRef = new Map<string, TaskState>();
  for (const task of state.tasks) byRef.set(task.referenceTaskName, task);
  return [...byRef.values()].sort((a, b) => a.seq - b.seq);
}

export function findTask(state: WorkflowState, taskId: string): TaskState | undefined {
  return state.tasks.find((task) => task.taskId === taskId);
}

export function latestAttempt(state: WorkflowState, ref: string): TaskState | undefined {
  for (let i = state.tasks.length - 1; i >= 0; i--) {
    const task = state.tasks[i]!;
    if (task.referenceTaskName === ref) return task;
  }
  return undefined;
}

/**
 * True when a worker may poll this task at `now`. As in Conductor, a task a
 * worker reported IN_PROGRESS is SCHEDULED again, due after its callback delay.
 */
export function isPollable(task: TaskState, now: number): boolean {
  return task.status === "SCHEDULED" && task.visibleAt <= now;
}
