/** Conductor's task statuses. */
export type TaskStatus =
  | "SCHEDULED"
  | "IN_PROGRESS"
  | "CANCELED"
  | "FAILED"
  | "FAILED_WITH_TERMINAL_ERROR"
  | "COMPLETED"
  | "COMPLETED_WITH_ERRORS"
  | "TIMED_OUT"
  | "SKIPPED";

/** Conductor's workflow statuses. */
export type WorkflowStatus = "RUNNING" | "COMPLETED" | "FAILED" | "TIMED_OUT" | "TERMINATED" | "PAUSED";

/** A task in one of these statuses will not change again (except by a lifecycle operation). */
export function isTaskTerminal(status: TaskStatus): boolean {
  return status !== "SCHEDULED" && status !== "IN_PROGRESS";
}

/** Terminal statuses that let the workflow move on to the next task. */
export function isTaskSuccessful(status: TaskStatus): boolean {
  return status === "COMPLETED" || status === "COMPLETED_WITH_ERRORS" || status === "SKIPPED";
}

/** Unsuccessful terminal statuses a retry may replace with a new attempt. */
export function isTaskRetriable(status: TaskStatus): boolean {
  return status === "FAILED" || status === "TIMED_OUT";
}

export function isWorkflowTerminal(status: WorkflowStatus): boolean {
  return status !== "RUNNING" && status !== "PAUSED";
}
