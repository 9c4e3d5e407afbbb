import type { RerunWorkflowRequest, SkipTaskRequest, TaskResult } from "../definitions/requests.ts";
import type { WorkflowDef } from "../definitions/workflow-def.ts";
import type { CompleteTaskFromMessage } from "./complete-from-message.ts";

/** What can be asked of one workflow instance. */
export type WorkflowCommand =
  | StartWorkflow
  | { type: "PollTask"; taskId: string; workerId?: string }
  | { type: "UpdateTask"; result: TaskResult }
  | { type: "AddTaskLog"; taskId: string; log: string }
  | { type: "CheckTimeouts" }
  | { type: "TerminateWorkflow"; reason?: string }
  | { type: "PauseWorkflow" }
  | { type: "ResumeWorkflow" }
  | { type: "RestartWorkflow"; latestDefinition?: WorkflowDef }
  | { type: "RetryWorkflow" }
  | { type: "RerunWorkflow"; request: RerunWorkflowRequest }
  | { type: "SkipTask"; taskReferenceName: string; request: SkipTaskRequest }
  | { type: "ResetCallbacks" }
  /** A reactor records what it started (e.g. a sub-workflow id) without ending the task. */
  | { type: "RecordTaskOutput"; taskId: string; outputData: Record<string, unknown> }
  /**
   * A reactor that ran its effect before claiming the task (ReactorClaim
   * `with-outcome`) reports the start, at `startedAt`, and the outcome
   * (`report`) together: one append.
   */
  | { type: "ReportSystemTask"; taskId: string; workerId: string; startedAt: number; report: SystemTaskReport }
  /** A reactor ends a system task with a status a worker cannot send (a child's TIMED_OUT, CANCELED). */
  | { type: "ConcludeTask"; taskId: string; status: "COMPLETED" | "FAILED" | "TIMED_OUT" | "CANCELED"; outputData: Record<string, unknown>; reason?: string }
  | { type: "SetVariables"; variables: Record<string, unknown> }
  /** Goes on with a decision that stopped at its work budget (DecisionDeferred). */
  | { type: "ContinueWorkflow" }
  /** Conductor's `DELETE /workflow/{id}/remove` (`archive`: its archiveWorkflow flag, recorded). */
  | { type: "RemoveWorkflow"; archive: boolean }
  | CompleteTaskFromMessage;

/** What a reactor reports of a system task's effect: its outcome, or its output while it waits. */
export type SystemTaskReport = { type: "UpdateTask"; result: TaskResult } | { type: "RecordTaskOutput"; taskId: string; outputData: Record<string, unknown> };

export interface StartWorkflow {
  type: "StartWorkflow";
  workflowId: string;
  /** The definition to run, its task definitions already filled in. */
  definition: WorkflowDef;
  input: Record<string, unknown>;
  correlationId?: string;
  /** The starting request's W3C `traceparent`, or the parent workflow's for a sub-workflow. */
  traceparent?: string;
  priority: number;
  taskToDomain: Record<string, string>;
  idempotencyKey?: string;
  createdBy?: string;
  parentWorkflowId?: string;
  parentWorkflowTaskId?: string;
  /** Sub-workflow nesting (the parent's depth + 1); absent for a workflow started from outside. */
  depth?: number;
}
