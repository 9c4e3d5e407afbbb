import type { RerunWorkflowRequest, SkipTaskRequest, TaskResult } from "../definitions/requests.ts";
import type { WorkflowDef } from "../definitions/workflow-def.ts";

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
  | { type: "ResetCallbacks" };

export interface StartWorkflow {
  type: "StartWorkflow";
  workflowId: string;
  /** The definition to run, its task definitions already filled in. */
  definition: WorkflowDef;
  input: Record<string, unknown>;
  correlationId?: string;
  priority: number;
  taskToDomain: Record<string, string>;
  idempotencyKey?: string;
  createdBy?: string;
  parentWorkflowId?: string;
}
