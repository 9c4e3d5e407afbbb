import type { WorkflowTask } from "../../domain/definitions/workflow-def.ts";
import type { TaskState, WorkflowState } from "../../domain/workflow/state.ts";

/** What running a system task came to. */
export type SystemTaskOutcome =
  | { kind: "complete"; outputData: Record<string, unknown> }
  | { kind: "fail"; reason: string; outputData: Record<string, unknown>; terminal?: boolean }
  /** Started something that finishes later (async complete, a sub-workflow): record output, stay IN_PROGRESS. */
  | { kind: "wait"; outputData: Record<string, unknown> };

export type SystemTaskExecutor = (task: TaskState, workflow: WorkflowState, workflowTask: WorkflowTask) => Promise<SystemTaskOutcome>;
