import type { WorkflowTask } from "../definitions/workflow-def.ts";
import { resolveParameters } from "../expressions.ts";
import { taskTypeSpec } from "../tasks/registry.ts";
import { deciderStep } from "../tasks/spec.ts";
import type { DecisionContext } from "./context.ts";
import { retryLimitFor, taskDefFor, workflowTaskFor, workflowTaskOf } from "./definition-lookup.ts";
import { expressionDocument } from "./document.ts";
import type { WorkflowEvent } from "./events.ts";
import { evolve } from "./evolve.ts";
import { nodeFor, successorOf } from "./graph.ts";
import { limitOf } from "./limits.ts";
import { loopStep } from "./loop.ts";
import { retryDelaySeconds } from "./retry.ts";
import { latestAttempt, latestAttempts, type TaskState, type WorkflowState } from "./state.ts";
import { isTaskRetriable, isTaskSuccessful, isTaskTerminal, isWorkflowTerminal } from "./status.ts";

/**
 * Continues a workflow the way Conductor's decider does after any change:
 * retries or fails what failed, runs the system tasks it can run itself,
 * schedules what became ready, and completes the workflow when nothing is
 * left. Returns the events, in order.
 *
 * One decision emits at most about `maxDecisionEvents` events (and runs no more
 * user code than the engine's `budgetSpent` allows): when the budget is spent
 * and the workflow still runs, it ends with `DecisionDeferred`, and the engine
 * goes on with a `ContinueWorkflow` command, so a long run of inline work
 * (an INLINE loop, a wide fork) is stored in parts and never holds the server
 * for one long decision.
 */
export function advance(state: WorkflowState, ctx: DecisionContext): WorkflowEvent[] {
  const budget = limitOf(ctx, "maxDecisionEvents");
  const out: WorkflowEvent[] = [];
  let current = state;
  for (;;) {
    const events = nextDecision(current, ctx);
    if (events.length === 0) break;
    for (const event of events) {
      out.push(event);
      current = evolve(current, event);
    }
    if (isWorkflowTerminal(current.status)) break;
    if (out.length >= budget || ctx.budgetSpent?.()) {
      out.push({ type: "DecisionDeferred", data: { events: out.length, time: ctx.now } });
      break;
    }
  }
  return out;
}

function nextDecision(state: WorkflowState, ctx: DecisionContext): WorkflowEvent[] {
  if (state.status !== "RUNNING") return [];
  const attempts = latestAttempts(state);
  for (const task of attempts) {
    if (!task.retried && isTaskTerminal(task.status) && !isTaskSuccessful(task.status)) {
      const events = handleUnsuccessfulTask(state, task, ctx);
      if (events.length > 0) return events;
    }
  }
  for (const task of attempts) {
    if (isTaskTerminal(task.status)) continue;
    const events = runSystemStep(state, task, ctx);
    if (events.length > 0) return events;
  }
  if (state.tasks.length === 0 && state.definition.tasks[0]) return scheduleNode(state, state.definition.tasks[0], ctx);
  // The latest attempt by ref, once per pass: a long loop has thousands of finished body tasks to look past.
  const latestByRef = new Map(attempts.map((task) => [task.referenceTaskName, task]));
  for (const task of attempts) {
    if (!isTaskSuccessful(task.status)) continue;
    const events = continueAfter(state, task, ctx, latestByRef);
    if (events.length > 0) return events;
  }
  if (attempts.every((task) => isTaskTerminal(task.status))) {
    return [{ type: "WorkflowCompleted", data: { output: workflowOutput(state), time: ctx.now } }];
  }
  return [];
}

/** Runs one step of a task the decider runs or holds (its type's spec says how), if it can move now. */
function runSystemStep(state: WorkflowState, task: TaskState, ctx: DecisionContext): WorkflowEvent[] {
  const wt = workflowTaskOf(state, task);
  if (!wt) return [];
  const spec = taskTypeSpec(wt.type);
  const step = spec ? deciderStep(spec.run) : undefined;
  return step ? step(state, task, wt, ctx) : [];
}

/** Schedules what follows a successful task, unless it already exists. */
function continueAfter(state: WorkflowState, task: TaskState, ctx: DecisionContext, latestByRef: ReadonlyMap<string, TaskState>): WorkflowEvent[] {
  const ref = task.definitionRef ?? task.referenceTaskName;
  // The definition's node: a DYNAMIC task's generated task keeps the DYNAMIC ref and goes on
  // from there; generated fork children have refs of their own and end their branch.
  const wt = workflowTaskFor(state, ref);
  if (!wt) return [];
  // A body task of an earlier loop iteration starts nothing: its successors belong to that iteration.
  const owner = nodeFor(state.definition, wt.taskReferenceName)?.loopOwner;
  if (owner !== undefined && task.iteration !== (latestByRef.get(owner)?.iteration ?? 0)) return [];
  const successor = successorOf(state.definition, ref);
  // A SWITCH opens its case, a FORK_JOIN its branches (and its JOIN), all in one pass before any of them runs.
  const opening = task.status === "SKIPPED" ? undefined : taskTypeSpec(wt.type)?.opens?.(wt, task);
  if (opening) {
    const candidates = opening.andSuccessor && successor.kind === "task" ? [...opening.tasks, successor.task] : opening.tasks;
    const events: WorkflowEvent[] = [];
    let current = state;
    for (const candidate of candidates) {
      for (const event of scheduleIfMissing(current, candidate, ctx)) {
        events.push(event);
        current = evolve(current, event);
      }
    }
    return events;
  }
  if (successor.kind === "task") return scheduleIfMissing(state, successor.task, ctx);
  if (successor.kind === "loopEnd") {
    const loop = latestByRef.get(successor.owner);
    if (loop && loop.status === "IN_PROGRESS" && loop.iteration === task.iteration) {
      return loopStep(state, loop, workflowTaskOf(state, loop)!, ctx);
    }
  }
  return [];
}

/** The DO_WHILE iteration a definition task runs in now (0 outside loops). */
export function iterationFor(state: WorkflowState, wt: WorkflowTask): number {
  const owner = nodeFor(state.definition, wt.taskReferenceName)?.loopOwner;
  return owner ? (latestAttempt(state, owner)?.iteration ?? 0) : 0;
}

function scheduleIfMissing(state: WorkflowState, wt: WorkflowTask, ctx: DecisionContext): WorkflowEvent[] {
  const iteration = iterationFor(state, wt);
  const ref = iteration > 0 ? `${wt.taskReferenceName}__${iteration}` : wt.taskReferenceName;
  if (latestAttempt(state, ref)) return [];
  return scheduleNode(state, wt, ctx);
}

/** Schedules a definition task in its current loop iteration: one attempt of it, unless its type schedules otherwise (DYNAMIC). */
export function scheduleNode(state: WorkflowState, wt: WorkflowTask, ctx: DecisionContext): WorkflowEvent[] {
  const iteration = iterationFor(state, wt);
  const schedule = taskTypeSpec(wt.type)?.schedule;
  return schedule ? schedule(state, wt, ctx, iteration) : [scheduleTask(state, wt, ctx, undefined, iteration)];
}

/** A new attempt of `workflowTask`, with its inputs resolved now. */
export function scheduleTask(
  state: WorkflowState,
  workflowTask: WorkflowTask,
  ctx: DecisionContext,
  retryOf?: TaskState,
  iteration = retryOf?.iteration ?? 0,
  generated: WorkflowTask | undefined = retryOf?.workflowTask,
  immediate = false,
): WorkflowEvent {
  const taskDef = taskDefFor(workflowTask);
  const taskId = ctx.newId();
  // A retry re-evaluates the inputs and lays them over the failed attempt's.
  const resolved = resolveTaskInput(state, workflowTask, taskDef.inputTemplate ?? {}, taskId);
  const inputData = retryOf ? { ...retryOf.inputData, ...resolved } : resolved;
  const ref = retryOf?.referenceTaskName ?? (iteration > 0 ? `${workflowTask.taskReferenceName}__${iteration}` : workflowTask.taskReferenceName);
  return {
    type: "TaskScheduled",
    data: {
      taskId,
      referenceTaskName: ref,
      taskType: taskTypeOf(workflowTask),
      taskDefName: taskDefNameOf(workflowTask),
      seq: state.nextSeq,
      inputData,
      retryCount: retryOf ? retryOf.retryCount + 1 : 0,
      retriedTaskId: retryOf?.taskId,
      startDelayInSeconds: retryOf
        ? (immediate ? 0 : retryDelaySeconds(taskDef, retryOf.retryCount))
        : (workflowTask.startDelay ?? 0),
      domain: state.taskToDomain[workflowTask.name] ?? state.taskToDomain["*"],
      iteration: iteration > 0 ? iteration : undefined,
      definitionRef: ref !== workflowTask.taskReferenceName && !generated ? workflowTask.taskReferenceName : undefined,
      workflowTask: generated,
      time: ctx.now,
    },
  };
}

/**
 * A task's input: its inputParameters resolved, with the TaskDef's inputTemplate
 * filling keys that are missing or resolve to null (the template's keys are
 * resolved too; one still null falls back to the template's raw value).
 */
function resolveTaskInput(
  state: WorkflowState,
  workflowTask: WorkflowTask,
  template: Record<string, unknown>,
  taskId: string,
): Record<string, unknown> {
  // Input without `${...}` (a dynamic fork's branch items, say) needs no document: building one costs a pass over every task.
  const needsDocument = hasExpression(workflowTask.inputParameters) || hasExpression(template);
  const document = needsDocument ? expressionDocument(state, taskId) : {};
  const input = resolveParameters(workflowTask.inputParameters ?? {}, document);
  if (Object.keys(template).length === 0) return input;
  const resolvedTemplate = resolveParameters(template, document);
  for (const [key, raw] of Object.entries(template)) {
    if (input[key] !== undefined && input[key] !== null) continue;
    input[key] = resolvedTemplate[key] ?? raw;
  }
  return input;
}

/** True when a parameter tree holds a string with `${` anywhere in it. */
function hasExpression(value: unknown): boolean {
  if (typeof value === "string") return value.includes("${");
  if (Array.isArray(value)) return value.some(hasExpression);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasExpression);
  return false;
}

/** The scheduled task's type as Conductor's mapper names it (a SIMPLE task's is its name, and its queue); by default the type. */
export function taskTypeOf(workflowTask: WorkflowTask): string {
  return taskTypeSpec(workflowTask.type)?.names?.taskType?.(workflowTask) ?? workflowTask.type;
}

/** The scheduled task's taskDefName as Conductor's mapper names it; by default the workflow task's name. */
function taskDefNameOf(workflowTask: WorkflowTask): string {
  return taskTypeSpec(workflowTask.type)?.names?.taskDefName?.(workflowTask) ?? workflowTask.name;
}

/**
 * FAILED or TIMED_OUT with retries left: a new attempt after the back-off.
 * Otherwise an optional task ends COMPLETED_WITH_ERRORS and the workflow goes on;
 * a permissive one waits for its JOIN to decide; anything else fails the
 * workflow (or times it out, for a task that timed out under TIME_OUT_WF).
 */
function handleUnsuccessfulTask(state: WorkflowState, task: TaskState, ctx: DecisionContext): WorkflowEvent[] {
  const workflowTask = workflowTaskOf(state, task);
  if (workflowTask === undefined) return failWorkflow(state, task, ctx, "FAILED");
  const taskDef = taskDefFor(workflowTask);
  const totalTimeout = taskDef.totalTimeoutSeconds ?? 0;
  const totalExceeded = totalTimeout > 0 && ctx.now - task.firstScheduledTime >= totalTimeout * 1000;
  const retried = taskTypeSpec(workflowTask.type)?.retry !== "never";
  if (isTaskRetriable(task.status) && retried && task.retryCount < retryLimitFor(workflowTask) && !totalExceeded) {
    return [scheduleTask(state, workflowTask, ctx, task)];
  }
  if (workflowTask.optional) {
    return [{ type: "TaskCompletedWithErrors", data: { taskId: task.taskId, time: ctx.now } }];
  }
  if (workflowTask.permissive) return [];
  if (task.status === "CANCELED") {
    // Conductor: a canceled task (e.g. a sub-workflow that was terminated) terminates the workflow.
    const reason = task.reasonForIncompletion ?? `Task ${task.referenceTaskName} was canceled`;
    return [
      ...cancelActiveTasks(state, ctx, reason),
      { type: "WorkflowTerminated", data: { reason, output: lastTaskOutput(state, task), time: ctx.now } },
    ];
  }
  // Conductor: a task that timed out ends the workflow TIMED_OUT; any other failure, FAILED.
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

/** What a caller of `endWorkflow` may set instead of the defaults. */
export interface Ending {
  /** The workflow's output; by default outputParameters resolved, else the failed task's output. */
  output?: Record<string, unknown>;
  /** Why active tasks are canceled; by default "Workflow failed" or "Workflow timed out". */
  cancelReason?: string;
}

/**
 * Ends a running workflow as FAILED or TIMED_OUT: cancels active tasks, keeps
 * the output, and names the failure workflow to start when the definition has
 * one (its id in the event and, as Conductor's terminateWorkflow does, in the
 * output under `conductor.failure_workflow`). Every failure ends here.
 */
export function endWorkflow(
  state: WorkflowState,
  ctx: DecisionContext,
  status: "FAILED" | "TIMED_OUT",
  reason: string,
  failedTask?: TaskState,
  ending: Ending = {},
): WorkflowEvent[] {
  const failureWorkflowId = state.definition.failureWorkflow ? ctx.newId() : undefined;
  const output = { ...(ending.output ?? lastTaskOutput(state, failedTask)) };
  if (failureWorkflowId !== undefined) output["conductor.failure_workflow"] = failureWorkflowId;
  const data = { reason, failedTaskId: failedTask?.taskId, output, failureWorkflowId, time: ctx.now };
  return [
    ...cancelActiveTasks(state, ctx, ending.cancelReason ?? `Workflow ${status === "FAILED" ? "failed" : "timed out"}`),
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
