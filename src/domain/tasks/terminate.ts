import { cancelActiveTasks, endWorkflow } from "../workflow/advance.ts";
import { evolve } from "../workflow/evolve.ts";
import { isExpression, unmet } from "./definition-check.ts";
import { completed, failed } from "./outcomes.ts";
import type { SystemTaskStep, TaskTypeSpec } from "./spec.ts";

const TERMINATION_STATUSES = ["COMPLETED", "FAILED", "TERMINATED"];
const CANCEL_REASON = "Workflow ended by a TERMINATE task";

/** Conductor: a map workflowOutput is the output; any other value becomes {output: value}; none gives {}. */
function outputOf(workflowOutput: unknown): Record<string, unknown> {
  if (workflowOutput === undefined || workflowOutput === null) return {};
  if (typeof workflowOutput === "object" && !Array.isArray(workflowOutput)) return workflowOutput as Record<string, unknown>;
  return { output: workflowOutput };
}

/**
 * Completes the TERMINATE task with its workflowOutput, then ends the workflow.
 * FAILED goes through `endWorkflow` like any other failure (Conductor:
 * endExecution -> terminate), so a failureWorkflow is asked for the same way.
 */
const runTerminate: SystemTaskStep = (state, task, _wt, ctx) => {
  const status = task.inputData.terminationStatus;
  if (typeof status !== "string" || !TERMINATION_STATUSES.includes(status)) {
    // Conductor: plain FAILED ("given termination status is not valid"), which then fails the workflow.
    return [failed(task, ctx, `terminationStatus must be one of ${TERMINATION_STATUSES.join(", ")}, got '${String(status)}'`, {}, false)];
  }
  const given = task.inputData.terminationReason;
  const reason = typeof given === "string" && given !== "" ? given : `Workflow is ${status} by TERMINATE task: ${task.taskId}`;
  const output = outputOf(task.inputData.workflowOutput);
  const done = completed(task, ctx, output);
  const after = evolve(state, done);
  if (status === "FAILED") return [done, ...endWorkflow(after, ctx, "FAILED", reason, task, { output, cancelReason: CANCEL_REASON })];
  const cancels = cancelActiveTasks(after, ctx, CANCEL_REASON);
  if (status === "COMPLETED") return [done, ...cancels, { type: "WorkflowCompleted", data: { output, time: ctx.now } }];
  return [done, ...cancels, { type: "WorkflowTerminated", data: { reason, output, time: ctx.now } }];
};

/**
 * TERMINATE: ends the workflow COMPLETED, FAILED or TERMINATED with
 * terminationReason, its workflowOutput as the output, and every other active
 * task canceled.
 */
export const terminateTask: TaskTypeSpec = {
  run: { kind: "decided", step: runTerminate },
  retry: "taskDef",
  check: (task) => {
    const status = task.inputParameters?.terminationStatus;
    return unmet([
      typeof status === "string" && (isExpression(status) || TERMINATION_STATUSES.includes(status)),
      "inputParameters.terminationStatus",
      `terminationStatus must be one of ${TERMINATION_STATUSES.join(", ")}, got '${String(status)}'`,
    ]);
  },
};
