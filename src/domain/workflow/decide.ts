import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from "../errors.ts";
import type { TaskResult } from "../definitions/requests.ts";
import { advance, cancelActiveTasks, scheduleTask, workflowOutput } from "./advance.ts";
import type { WorkflowCommand } from "./commands.ts";
import { completeTaskFromMessage } from "./complete-from-message.ts";
import type { DecisionContext } from "./context.ts";
import { workflowTaskFor, workflowTaskOf } from "./definition-lookup.ts";
import type { WorkflowEvent } from "./events.ts";
import { foldWorkflow } from "./evolve.ts";
import { findTask, isDecisionDeferred, isPollable, latestAttempt, latestAttempts, type WorkflowState } from "./state.ts";
import { isTaskRetriable, isTaskTerminal, isWorkflowTerminal } from "./status.ts";
import { LIMIT_SETTINGS, limitOf } from "./limits.ts";
import { checkTimeouts } from "./timeouts.ts";

/**
 * The workflow decider: given a command and the instance's current state,
 * returns the events that record what happens. Pure; throws a domain error when
 * the command is not allowed.
 */
export function decide(command: WorkflowCommand, state: WorkflowState, ctx: DecisionContext): WorkflowEvent[] {
  if (command.type === "StartWorkflow") {
    if (state.exists) throw new ConflictError(`Workflow ${command.workflowId} already exists`);
    const maxDepth = limitOf(ctx, "maxSubWorkflowDepth");
    if ((command.depth ?? 0) > maxDepth) {
      const message = `sub-workflow ${command.definition.name} would nest ${command.depth} levels deep, more than the ${maxDepth} allowed (${LIMIT_SETTINGS.maxSubWorkflowDepth}=${maxDepth})`;
      throw new ValidationError(`subWorkflowParam: ${message}`, [{ path: "subWorkflowParam", message, invalidValue: command.definition.name }]);
    }
    const started: WorkflowEvent = {
      type: "WorkflowStarted",
      data: {
        workflowId: command.workflowId,
        definition: command.definition,
        input: { ...(command.definition.inputTemplate ?? {}), ...command.input },
        correlationId: command.correlationId,
        ...(command.traceparent ? { traceparent: command.traceparent } : {}),
        priority: command.priority,
        taskToDomain: command.taskToDomain,
        idempotencyKey: command.idempotencyKey,
        createdBy: command.createdBy,
        parentWorkflowId: command.parentWorkflowId,
        parentWorkflowTaskId: command.parentWorkflowTaskId,
        depth: command.depth || undefined,
        time: ctx.now,
      },
    };
    return thenAdvance(state, [started], ctx);
  }
  if (!state.exists) throw new NotFoundError(`No such workflow instance`);
  switch (command.type) {
    case "PollTask":
      return pollTask(state, command.taskId, command.workerId, ctx);
    case "UpdateTask":
      return updateTask(state, command.result, ctx);
    case "AddTaskLog": {
      requireTask(state, command.taskId);
      return [{ type: "TaskLogAdded", data: { taskId: command.taskId, logs: [{ log: command.log, taskId: command.taskId, createdTime: ctx.now }] } }];
    }
    case "CheckTimeouts": {
      // Also moves what only time moves (a WAIT whose time has come), even when nothing timed out.
      const timedOut = checkTimeouts(state, ctx);
      return [...timedOut, ...advance(foldWorkflow(timedOut, state), ctx)];
    }
    case "TerminateWorkflow": {
      // Conductor: a COMPLETED workflow cannot be terminated, a TERMINATED one is left
      // as it is, and a FAILED or TIMED_OUT one becomes TERMINATED.
      if (state.status === "COMPLETED") {
        throw new ConflictError(`Cannot terminate workflow ${state.workflowId}: it is COMPLETED`);
      }
      if (state.status === "TERMINATED") return [];
      const reason = command.reason || undefined;
      return [
        ...cancelActiveTasks(state, ctx, reason ?? "Workflow terminated"),
        { type: "WorkflowTerminated", data: { reason, output: workflowOutput(state), time: ctx.now } },
      ];
    }
    case "PauseWorkflow": {
      if (state.status === "PAUSED") return [];
      if (state.status !== "RUNNING") {
        throw new ConflictError(`Workflow ${state.workflowId} is ${state.status}; only a RUNNING workflow can be paused`);
      }
      return [{ type: "WorkflowPaused", data: { time: ctx.now } }];
    }
    case "ResumeWorkflow": {
      if (state.status !== "PAUSED") {
        throw new ConflictError(`Workflow ${state.workflowId} is ${state.status}, not PAUSED, so it cannot be resumed`);
      }
      return thenAdvance(state, [{ type: "WorkflowResumed", data: { time: ctx.now } }], ctx);
    }
    case "RestartWorkflow": {
      if (!isWorkflowTerminal(state.status)) {
        throw new ConflictError(`Workflow ${state.workflowId} is ${state.status}; only a workflow in a terminal state can be restarted`);
      }
      const definition = command.latestDefinition ?? state.definition;
      if (!definition.restartable && state.status === "COMPLETED") {
        throw new ConflictError(`Workflow ${state.workflowId} cannot be restarted: its definition ${definition.name} is not restartable`);
      }
      return thenAdvance(state, [{ type: "WorkflowRestarted", data: { time: ctx.now, definition: command.latestDefinition } }], ctx);
    }
    case "RetryWorkflow":
      return retryWorkflow(state, ctx);
    case "RerunWorkflow":
      return rerunWorkflow(state, command.request, ctx);
    case "SkipTask":
      return skipTask(state, command.taskReferenceName, command.request.taskInput ?? {}, command.request.taskOutput ?? {}, ctx);
    case "ResetCallbacks": {
      if (isWorkflowTerminal(state.status)) {
        throw new ConflictError(`Workflow ${state.workflowId} is in terminal state ${state.status}; its callbacks cannot be reset`);
      }
      const taskIds = state.tasks
        .filter((t) => t.status === "SCHEDULED" && t.visibleAt > ctx.now)
        .map((t) => t.taskId);
      return taskIds.length === 0 ? [] : [{ type: "CallbacksReset", data: { taskIds, time: ctx.now } }];
    }
    case "RecordTaskOutput": {
      const task = requireTask(state, command.taskId);
      if (isTaskTerminal(task.status)) return [];
      return [{ type: "TaskOutputUpdated", data: { taskId: task.taskId, outputData: command.outputData, time: ctx.now } }];
    }
    case "ReportSystemTask": {
      // Started now unless this worker had claimed it already (a recovered run); a task that
      // moved on meanwhile (ended, canceled, taken by another worker) keeps its course.
      const task = requireTask(state, command.taskId);
      if (isWorkflowTerminal(state.status) || isTaskTerminal(task.status)) return [];
      const claimedByReporter = task.status === "IN_PROGRESS" && task.workerId === command.workerId;
      if (!claimedByReporter && !isPollable(task, command.startedAt)) return [];
      const started: WorkflowEvent[] = claimedByReporter
        ? []
        : [{ type: "TaskStarted", data: { taskId: task.taskId, workerId: command.workerId, time: command.startedAt } }];
      return [...started, ...decide(command.report, foldWorkflow(started, state), ctx)];
    }
    case "ConcludeTask":
      return concludeTask(state, command, ctx);
    case "SetVariables": {
      if (isWorkflowTerminal(state.status)) {
        throw new ConflictError(`Workflow ${state.workflowId} is ${state.status}; its variables can no longer change`);
      }
      return [{ type: "VariablesSet", data: { variables: command.variables, time: ctx.now } }];
    }
    case "ContinueWorkflow":
      // Only a decision that was deferred goes on: a late or repeated continue changes nothing.
      return isDecisionDeferred(state) ? advance(state, ctx) : [];
    case "CompleteTaskFromMessage":
      return thenAdvance(state, completeTaskFromMessage(state, command, ctx), ctx);
    case "RemoveWorkflow":
      // Baton removes finished workflows only: a running one still has tasks, timers and
      // reactors in flight (Conductor drops them; terminate-remove ends it first).
      if (!isWorkflowTerminal(state.status)) {
        throw new ConflictError(`Cannot remove workflow ${state.workflowId}: it is ${state.status}; terminate it first (or use terminate-remove)`);
      }
      return [{ type: "WorkflowRemoved", data: { archived: command.archive, time: ctx.now } }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function concludeTask(
  state: WorkflowState,
  command: Extract<WorkflowCommand, { type: "ConcludeTask" }>,
  ctx: DecisionContext,
): WorkflowEvent[] {
  const task = requireTask(state, command.taskId);
  if (isTaskTerminal(task.status) || isWorkflowTerminal(state.status)) return [];
  const base = { taskId: task.taskId, outputData: { ...task.outputData, ...command.outputData }, time: ctx.now };
  const reason = command.reason ?? "";
  const event: WorkflowEvent =
    command.status === "COMPLETED"
      ? { type: "TaskCompleted", data: base }
      : command.status === "FAILED"
        ? { type: "TaskFailed", data: { ...base, reason, terminal: false } }
        : command.status === "TIMED_OUT"
          ? { type: "TaskTimedOut", data: { taskId: task.taskId, reason, time: ctx.now } }
          : { type: "TaskCanceled", data: { taskId: task.taskId, reason, time: ctx.now } };
  return thenAdvance(state, [event], ctx);
}

/** Appends `events` and whatever the workflow does next because of them. */
function thenAdvance(state: WorkflowState, events: WorkflowEvent[], ctx: DecisionContext): WorkflowEvent[] {
  if (events.length === 0) return events;
  return [...events, ...advance(foldWorkflow(events, state), ctx)];
}

function requireTask(state: WorkflowState, taskId: string) {
  const task = findTask(state, taskId);
  if (!task) throw new NotFoundError(`Task ${taskId} not found in workflow ${state.workflowId}`);
  return task;
}

function pollTask(state: WorkflowState, taskId: string, workerId: string | undefined, ctx: DecisionContext): WorkflowEvent[] {
  const task = requireTask(state, taskId);
  if (isWorkflowTerminal(state.status)) {
    throw new IllegalStateError(`Task ${taskId} belongs to workflow ${state.workflowId}, which is ${state.status}`);
  }
  if (!isPollable(task, ctx.now)) {
    throw new IllegalStateError(`Task ${taskId} is ${task.status} and not waiting in its queue`);
  }
  return [{ type: "TaskStarted", data: { taskId, workerId, time: ctx.now } }];
}

function updateTask(state: WorkflowState, result: TaskResult, ctx: DecisionContext): WorkflowEvent[] {
  const task = requireTask(state, result.taskId);
  // Conductor ignores updates to finished tasks or workflows; a duplicate completion changes nothing.
  if (isTaskTerminal(task.status) || isWorkflowTerminal(state.status)) return [];
  const workerId = result.workerId ?? undefined;
  const outputData = result.outputData ?? {};
  const events: WorkflowEvent[] = [];
  const logs = (result.logs ?? []).map((entry) => ({ log: entry.log, taskId: task.taskId, createdTime: entry.createdTime ?? ctx.now }));
  if (logs.length > 0) events.push({ type: "TaskLogAdded", data: { taskId: task.taskId, logs } });
  switch (result.status) {
    case "IN_PROGRESS":
      events.push({
        type: "TaskUpdated",
        data: {
          taskId: task.taskId,
          workerId,
          outputData,
          callbackAfterSeconds: result.callbackAfterSeconds ?? 0,
          reasonForIncompletion: result.reasonForIncompletion ?? undefined,
          time: ctx.now,
        },
      });
      return events;
    case "COMPLETED":
      events.push({ type: "TaskCompleted", data: { taskId: task.taskId, workerId, outputData, time: ctx.now } });
      return thenAdvance(state, events, ctx);
    case "FAILED":
    case "FAILED_WITH_TERMINAL_ERROR":
      events.push({
        type: "TaskFailed",
        data: {
          taskId: task.taskId,
          workerId,
          outputData,
          reason: result.reasonForIncompletion ?? "",
          terminal: result.status === "FAILED_WITH_TERMINAL_ERROR",
          time: ctx.now,
        },
      });
      return thenAdvance(state, events, ctx);
    default: {
      const _exhaustive: never = result.status;
      return _exhaustive;
    }
  }
}

/** Conductor's retry: a new attempt of the last unsuccessful attempt of each reference. */
function retryWorkflow(state: WorkflowState, ctx: DecisionContext): WorkflowEvent[] {
  if (!isWorkflowTerminal(state.status) || state.status === "COMPLETED") {
    throw new ConflictError(
      `Workflow ${state.workflowId} is ${state.status}; only a FAILED, TIMED_OUT or TERMINATED workflow can be retried`,
    );
  }
  const failed = latestAttempts(state).filter(
    (t) => !t.retried && (isTaskRetriable(t.status) || t.status === "FAILED_WITH_TERMINAL_ERROR" || t.status === "CANCELED"),
  );
  if (failed.length === 0 && state.status !== "TIMED_OUT") {
    throw new ConflictError(`Workflow ${state.workflowId} has no retryable tasks`);
  }
  const retried: WorkflowEvent = { type: "WorkflowRetried", data: { time: ctx.now } };
  let current = foldWorkflow([retried], state);
  const events: WorkflowEvent[] = [retried];
  for (const task of failed) {
    const workflowTask = workflowTaskOf(current, task);
    if (workflowTask === undefined) continue;
    // Conductor queues a manually retried task at once (callbackAfterSeconds 0), without the back-off.
    const event = scheduleTask(current, workflowTask, ctx, task, task.iteration, task.workflowTask, true);
    events.push(event);
    current = foldWorkflow([event], current);
  }
  return [...events, ...advance(current, ctx)];
}

function rerunWorkflow(
  state: WorkflowState,
  request: { workflowInput?: Record<string, unknown> | null; reRunFromTaskId?: string | null; taskInput?: Record<string, unknown> | null; correlationId?: string | null },
  ctx: DecisionContext,
): WorkflowEvent[] {
  const fromTaskId = request.reRunFromTaskId ?? undefined;
  if (!isWorkflowTerminal(state.status)) {
    throw new ConflictError(`Workflow ${state.workflowId} is ${state.status}; only a workflow in a terminal state can be rerun`);
  }
  const fromTask = fromTaskId === undefined ? undefined : findTask(state, fromTaskId);
  if (fromTaskId !== undefined && fromTask === undefined) {
    throw new ValidationError(`reRunFromTaskId: task ${fromTaskId} is not part of workflow ${state.workflowId}`, [
      { path: "reRunFromTaskId", message: `task ${fromTaskId} is not part of workflow ${state.workflowId}`, invalidValue: fromTaskId },
    ]);
  }
  const rerun: WorkflowEvent = {
    type: "WorkflowRerun",
    data: {
      time: ctx.now,
      fromTaskId: fromTask?.taskId,
      taskInput: request.taskInput ?? undefined,
      workflowInput: request.workflowInput ?? undefined,
      correlationId: request.correlationId ?? undefined,
    },
  };
  return thenAdvance(state, [rerun], ctx);
}

function skipTask(
  state: WorkflowState,
  ref: string,
  taskInput: Record<string, unknown>,
  taskOutput: Record<string, unknown>,
  ctx: DecisionContext,
): WorkflowEvent[] {
  if (state.status !== "RUNNING") {
    throw new ConflictError(`Workflow ${state.workflowId} is ${state.status}; tasks can be skipped only in a RUNNING workflow`);
  }
  const workflowTask = workflowTaskFor(state, ref);
  if (workflowTask === undefined) {
    throw new NotFoundError(`Task reference ${ref} is not part of workflow definition ${state.definition.name}`);
  }
  const existing = latestAttempt(state, ref);
  if (existing !== undefined) {
    throw new ConflictError(`Task ${ref} has already been scheduled (status ${existing.status}); only a task not yet scheduled can be skipped`);
  }
  const events: WorkflowEvent[] = [];
  events.push({
    type: "TaskSkipped",
    data: {
      taskId: ctx.newId(),
      referenceTaskName: ref,
      // Conductor's skipTaskFromWorkflow names the skipped task's type after the workflow task.
      taskType: workflowTask.name,
      taskDefName: workflowTask.name,
      seq: state.nextSeq,
      inputData: taskInput,
      outputData: taskOutput,
      time: ctx.now,
    },
  });
  return thenAdvance(state, events, ctx);
}
