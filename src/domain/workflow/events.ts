import type { WorkflowDef, WorkflowTask } from "../definitions/workflow-def.ts";
import type { TaskLog } from "./state.ts";

/** A fact about one workflow instance, as the decider emits it. */
export type WorkflowEvent =
  | { type: "WorkflowStarted"; data: WorkflowStartedData }
  | { type: "TaskScheduled"; data: TaskScheduledData }
  | { type: "TaskSkipped"; data: TaskSkippedData }
  | { type: "TaskStarted"; data: { taskId: string; workerId?: string; time: number; waitUntil?: number } }
  | { type: "TaskUpdated"; data: TaskUpdatedData }
  | { type: "TaskCompleted"; data: TaskOutcomeData }
  | { type: "TaskFailed"; data: TaskFailedData }
  | { type: "TaskCompletedWithErrors"; data: { taskId: string; time: number } }
  | { type: "TaskTimedOut"; data: { taskId: string; reason: string; time: number } }
  | { type: "TaskCanceled"; data: { taskId: string; reason?: string; time: number } }
  | { type: "TaskLogAdded"; data: { taskId: string; logs: TaskLog[] } }
  | { type: "CallbacksReset"; data: { taskIds: string[]; time: number } }
  | { type: "WorkflowCompleted"; data: { output: Record<string, unknown>; time: number } }
  | { type: "WorkflowFailed"; data: WorkflowEndedWithFailureData }
  | { type: "WorkflowTimedOut"; data: WorkflowEndedWithFailureData }
  | { type: "WorkflowTerminated"; data: { reason?: string; output: Record<string, unknown>; time: number } }
  | { type: "WorkflowPaused"; data: { time: number } }
  | { type: "WorkflowResumed"; data: { time: number } }
  | { type: "WorkflowRestarted"; data: { time: number; definition?: WorkflowDef } }
  | { type: "WorkflowRetried"; data: { time: number } }
  | { type: "WorkflowRerun"; data: WorkflowRerunData }
  | { type: "TaskOutputUpdated"; data: { taskId: string; outputData: Record<string, unknown>; time: number } }
  | { type: "VariablesSet"; data: { variables: Record<string, unknown>; taskId?: string; time: number } }
  | { type: "LoopIterated"; data: { taskId: string; iteration: number; outputData: Record<string, unknown>; time: number } }
  /** The decision spent its work budget (`events` emitted) with work left; a ContinueWorkflow command goes on. */
  | { type: "DecisionDeferred"; data: { events: number; time: number } }
  /** Conductor's remove: the workflow leaves every read model; its events stay in the log. */
  | { type: "WorkflowRemoved"; data: { archived: boolean; time: number } };

export type WorkflowEventType = WorkflowEvent["type"];

export interface WorkflowStartedData {
  workflowId: string;
  /** The definition snapshot the instance runs with, task definitions filled in. */
  definition: WorkflowDef;
  input: Record<string, unknown>;
  correlationId?: string;
  /** The W3C `traceparent` the workflow was started in; its effects (Kafka, HTTP) continue that trace. */
  traceparent?: string;
  priority: number;
  taskToDomain: Record<string, string>;
  idempotencyKey?: string;
  createdBy?: string;
  parentWorkflowId?: string;
  parentWorkflowTaskId?: string;
  /** How many sub-workflow levels the instance sits below a workflow started from outside (absent: 0). */
  depth?: number;
  reRunFromWorkflowId?: string;
  time: number;
}

export interface TaskScheduledData {
  taskId: string;
  referenceTaskName: string;
  taskType: string;
  taskDefName: string;
  seq: number;
  inputData: Record<string, unknown>;
  retryCount: number;
  retriedTaskId?: string;
  /** Seconds before the task may be polled (start delay or retry back-off). */
  startDelayInSeconds: number;
  domain?: string;
  /** DO_WHILE iteration the task belongs to (its ref then ends in `__<iteration>`). */
  iteration?: number;
  /** The definition task's reference when it differs from `referenceTaskName` (loops). */
  definitionRef?: string;
  /** The task's definition when it was generated at run time (DYNAMIC, dynamic forks). */
  workflowTask?: WorkflowTask;
  time: number;
}

export interface TaskSkippedData {
  taskId: string;
  referenceTaskName: string;
  taskType: string;
  taskDefName: string;
  seq: number;
  inputData: Record<string, unknown>;
  outputData: Record<string, unknown>;
  time: number;
}

export interface TaskUpdatedData {
  taskId: string;
  workerId?: string;
  outputData: Record<string, unknown>;
  callbackAfterSeconds: number;
  reasonForIncompletion?: string;
  time: number;
}

export interface TaskOutcomeData {
  taskId: string;
  workerId?: string;
  outputData: Record<string, unknown>;
  time: number;
  /** The inbound message that ended the task (router, event handler); absent when a worker or reactor did. */
  messageId?: string;
}

export interface TaskFailedData extends TaskOutcomeData {
  reason: string;
  /** FAILED_WITH_TERMINAL_ERROR: the worker asked for no retry. */
  terminal: boolean;
}

export interface WorkflowEndedWithFailureData {
  reason: string;
  failedTaskId?: string;
  output: Record<string, unknown>;
  /** Id for the definition's failureWorkflow, when it has one; started by a reactor. */
  failureWorkflowId?: string;
  time: number;
}

export interface WorkflowRerunData {
  time: number;
  /**
   * Rerun from this task: later tasks are removed and it is reset in place
   * (same id, SCHEDULED again, `taskInput` as its input when given). Absent:
   * every task is removed and the workflow starts over.
   */
  fromTaskId?: string;
  taskInput?: Record<string, unknown>;
  workflowInput?: Record<string, unknown>;
  correlationId?: string;
}
