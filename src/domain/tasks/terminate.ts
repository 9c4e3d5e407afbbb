import type { WorkflowEvent } from "../workflow/events.ts";
import { isTaskTerminal } from "../workflow/status.ts";
import { isExpression, unmet } from "./definition-check.ts";
import { completed, failed } from "./outcomes.ts";
import type { SystemTaskStep, TaskTypeSpec } from "./spec.ts";

const TERMINATION_STATUSES = ["COMPLETED", "FAILED", "TERMINATED"];

const runTerminate: SystemTaskStep = (state, task, _wt, ctx) => {
  const status = task.inputData.terminationStatus;
  if (typeof status !== "string" || !TERMINATION_STATUSES.includes(status)) {
    // Conductor: plain FAILED ("given termination status is not valid"), which then fails the workflow.
    return [failed(task, ctx, `terminationStatus must be one of ${TERMINATION_STATUSES.join(", ")}, got '${String(status)}'`, {}, false)];
  }
  const given = task.inputData.terminationReason;
  const reason = typeof given === "string" && given !== "" ? given : `Workflow is ${status} by TERMINATE task: ${task.taskId}`;
  // Conductor: a map workflowOutput is the output; any other value becomes {output: value}.
  const workflowOutput = task.inputData.workflowOutput;
  const output: Record<string, unknown> =
    workflowOutput === undefined || workflowOutput === null
      ? {}
      : typeof workflowOutput === "object" && !Array.isArray(workflowOutput)
        ? (workflowOutput as Record<string, unknown>)
        : { output: workflowOutput };
  const cancels: WorkflowEvent[] = state.tasks
    .filter((t) => t.taskId !== task.taskId && !isTaskTerminal(t.status))
    .map((t) => ({ type: "TaskCanceled", data: { taskId: t.taskId, reason: "Workflow ended by a TERMINATE task", time: ctx.now } }));
  const done = completed(task, ctx, output);
  if (status === "COMPLETED") return [done, ...cancels, { type: "WorkflowCompleted", data: { output, time: ctx.now } }];
  if (status === "TERMINATED") return [done, ...cancels, { type: "WorkflowTerminated", data: { reason, output, time: ctx.now } }];
  return [
    done,
    ...cancels,
    {
      type: "WorkflowFailed",
      data: {
        reason,
        failedTaskId: task.taskId,
        output,
        failureWorkflowId: state.definition.failureWorkflow ? ctx.newId() : undefined,
        time: ctx.now,
      },
    },
  ];
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
