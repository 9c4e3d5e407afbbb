import type { WorkflowTask } from "../definitions/workflow-def.ts";
import { resolveParameters } from "../expressions.ts";
import type { DecisionContext } from "./context.ts";
import { retryLimitFor, taskDefFor, workflowTaskFor } from "./definition-lookup.ts";
import { expressionDocument } from "./document.ts";
import type { WorkflowEvent } from "./events.ts";
import { evolve } from "./evolve.ts";
import { retryDelaySeconds } from "./retry.ts";
import { latestAttempt, latestAttempts, type TaskState, type WorkflowState } from "./state.ts";
import { isTaskRetriable, isTaskSuccessful, isTaskTerminal, isWorkflowTerminal } from "./status.ts";

/** Upper bound on decisions in one pass; a definition never needs more than its size. */
const MAX_STEPS = 10_000;

/**
 * Continues a workflow the way Conductor's decider does after any change:
 * retries or fails what failed, schedules what became ready, and completes the
 * workflow when every task is done. Returns the events, in order.
 */
export function advance(state: WorkflowState, ctx: DecisionContext): WorkflowEvent[] {
  const out: WorkflowEvent[] = [];
  let current = state;
  for (let step = 0; step < MAX_STEPS; step++) {
    const events = nextDecision(current, ctx);
    if (events.length === 0) break;
    for (const event of events) {
      out.push(event);
      current = evolve(current, event);
    }
    if (isWorkflowTerminal(current.status)) break;
  }
  return out;
}

function nextDecision(state: WorkflowState, ctx: DecisionContext): WorkflowEvent[] {
  if (state.status !== "RUNNING") return [];
  for (const task of latestAttempts(state)) {
    if (!task.retried && isTaskTerminal(task.status) && !isTaskSuccessful(task.status)) {
      return handleUnsuccessfulTask(state, task, ctx);
    }
  }
  for (const workflowTask of state.definition.tasks) {
    const attempt = latestAttempt(state, workflowTask.taskReferenceName);
    if (attempt === undefined) return [scheduleTask(state, workflowTask, ctx)];
    if (!isTaskSuccessful(attempt.status)) return [];
  }
  return [{ type: "WorkflowCompleted", data: { output: workflowOutput(state), time: ctx.now } }];
}

/**
 * A new attempt of `workflowTask`, with its inputs resolved now. A retry waits
 * `delaySeconds`: by default the TaskDef's back-off, as the decider's retry does.
 */
export function scheduleTask(
  state: WorkflowState,
  workflowTask: WorkflowTask,
  ctx: DecisionContext,
  retryOf?: TaskState,
  delaySeconds: number = retryOf ? retryDelaySeconds(taskDefFor(workflowTask), retryOf.retryCount) : (workflowTask.startDelay ?? 0),
): WorkflowEvent {
  const taskDef = taskDefFor(workflowTask);
  const taskId = ctx.newId();
  const template = taskDef.inputTemplate ?? {};
  const resolved = resolveParameters({ ...template, ...(workflowTask.inputParameters ?? {}) }, expressionDocument(state, taskId));
  // Conductor (ParametersUtils.getTaskInputV2): a key that resolves to null takes the template's raw value.
  for (const [key, value] of Object.entries(resolved)) {
    if (value === null && Object.hasOwn(template, key)) resolved[key] = template[key];
  }
  // A retry re-evaluates the inputs and lays them over the failed attempt's.
  const inputData = retryOf ? { ...retryOf.inputData, ...resolved } : resolved;
  return {
    type: "TaskScheduled",
    data: {
      taskId,
      referenceTaskName: workflowTask.taskReferenceName,
      taskType: taskTypeOf(workflowTask),
      taskDefName: workflowTask.name,
      seq: state.nextSeq,
      inputData,
      retryCount: retryOf ? retryOf.retryCount + 1 : 0,
      retriedTaskId: retryOf?.taskId,
      startDelayInSeconds: delaySeconds,
      domain: state.taskToDomain[workflowTask.name] ?? state.taskToDomain["*"],
      time: ctx.now,
    },
  };
}

/** Conductor names a SIMPLE task's type after its definition; that is also its queue. */
export function taskTypeOf(workflowTask: WorkflowTask): string {
  return workflowTask.type === "SIMPLE" ? workflowTask.name : workflowTask.type;
}

/**
 * FAILED or TIMED_OUT with retries left: a new attempt after the back-off.
 * Otherwise an optional task ends COMPLETED_WITH_ERRORS and the workflow goes on;
 * anything else fails the workflow (or times it out, for a task that timed out
 * under TIME_OUT_WF).
 */
function handleUnsuccessfulTask(state: WorkflowState, task: TaskState, ctx: DecisionContext): WorkflowEvent[] {
  const workflowTask = workflowTaskFor(state, task.referenceTaskName);
  if (workflowTask === undefined) return failWorkflow(state, task, ctx, "FAILED");
  const taskDef = taskDefFor(workflowTask);
  const totalTimeout = taskDef.totalTimeoutSeconds ?? 0;
  const totalExceeded = totalTimeout > 0 && ctx.now - task.firstScheduledTime >= totalTimeout * 1000;
  if (isTaskRetriable(task.status) && task.retryCount < retryLimitFor(workflowTask) && !totalExceeded) {
    return [scheduleTask(state, workflowTask, ctx, task)];
  }
  if (workflowTask.optional) {
    return [{ type: "TaskCompletedWithErrors", data: { taskId: task.taskId, time: ctx.now } }];
  }
  // Conductor ends the workflow by the task's status, whatever its timeoutPolicy: TIMED_OUT -> TIMED_OUT.
  return failWorkflow(state, task, ctx, task.status === "TIMED_OUT" ? "TIMED_OUT" : "FAILED");
}

/** Ends the workflow because `task` failed: cancels what still runs, records why. */
export function failWorkflow(
  state: WorkflowState,
  task: TaskState,
  ctx: DecisionContext,
  status: "FAILED" | "TIMED_OUT",
  reasonOverride?: string,
): WorkflowEvent[] {
  // Same shape as Conductor's message, so tools that parse it keep working.
  const reason =
    reasonOverride ??
    `Task ${task.taskId} failed with status: ${status} and reason: '${task.reasonForIncompletion ?? ""}'`;
  return endWorkflow(state, ctx, status, reason, task);
}

/**
 * Ends the workflow FAILED or TIMED_OUT, by a failing task or (without one) by
 * its own timeout: cancels what still runs, computes the output, and names the
 * failureWorkflow instance to start.
 */
export function endWorkflow(
  state: WorkflowState,
  ctx: DecisionContext,
  status: "FAILED" | "TIMED_OUT",
  reason: string,
  failing?: TaskState,
): WorkflowEvent[] {
  const failureWorkflowId = state.definition.failureWorkflow ? ctx.newId() : undefined;
  const output = { ...lastTaskOutput(state, failing) };
  if (failureWorkflowId !== undefined) output["conductor.failure_workflow"] = failureWorkflowId;
  const data = { reason, failedTaskId: failing?.taskId, output, failureWorkflowId, time: ctx.now };
  return [
    ...cancelActiveTasks(state, ctx, `Workflow ${status === "FAILED" ? "failed" : "timed out"}`),
    status === "FAILED" ? { type: "WorkflowFailed", data } : { type: "WorkflowTimedOut", data },
  ];
}

/** TaskCanceled for every task still scheduled or in progress. */
export function cancelActiveTasks(state: WorkflowState, ctx: DecisionContext, reason: string): WorkflowEvent[] {
  return state.tasks
    .filter((task) => !isTaskTerminal(task.status))
    .map((task) => ({ type: "TaskCanceled" as const, data: { taskId: task.taskId, reason, time: ctx.now } }));
}

/** `outputParameters` resolved, or, when there are none, the last task's output. */
export function workflowOutput(state: WorkflowState): Record<string, unknown> {
  return lastTaskOutput(state);
}

function lastTaskOutput(state: WorkflowState, failing?: TaskState): Record<string, unknown> {
  const parameters = state.definition.outputParameters ?? {};
  if (Object.keys(parameters).length > 0) return resolveParameters(parameters, expressionDocument(state));
  if (failing) return failing.outputData;
  const last = [...state.tasks].sort((a, b) => b.seq - a.seq)[0];
  return last ? last.outputData : {};
}
