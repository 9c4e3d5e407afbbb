import type { WorkflowState } from "./state.ts";

/**
 * The input Conductor gives a definition's failureWorkflow: the failed
 * workflow's input plus who failed, why, and the failed workflow itself.
 */
export function failureWorkflowInput(failed: WorkflowState, failedWorkflowJson: Record<string, unknown>): Record<string, unknown> {
  return {
    ...failed.input,
    workflowId: failed.workflowId,
    reason: failed.reasonForIncompletion ?? null,
    failureStatus: failed.status,
    ...(failed.failedTaskId ? { failureTaskId: failed.failedTaskId } : {}),
    failedWorkflow: failedWorkflowJson,
  };
}
