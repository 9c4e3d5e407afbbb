import type { WorkflowEvent } from "./events.ts";
import { initialWorkflowState, type TaskState, type WorkflowState } from "./state.ts";
import type { TaskStatus } from "./status.ts";

/** Folds one event into the workflow's state. Pure; never throws on a known event. */
export function evolve(state: WorkflowState, event: WorkflowEvent): WorkflowState {
  const next = evolveData(state, event);
  if (next === state) return { ...state, revision: state.revision + 1 };
  // evolveData builds a new object for every event it knows (never one it
  // shares): stamp the revision on it rather than copy the whole state again.
  (next as { revision: number }).revision = state.revision + 1;
  return next;
}

function evolveData(state: WorkflowState, event: WorkflowEvent): WorkflowState {
  switch (event.type) {
    case "WorkflowStarted": {
      const d = event.data;
      return {
        ...initialWorkflowState,
        exists: true,
        workflowId: d.workflowId,
        definition: d.definition,
        status: "RUNNING",
        input: d.input,
        variables: { ...(d.definition.variables ?? {}) },
        correlationId: d.correlationId,
        traceparent: d.traceparent,
        priority: d.priority,
        taskToDomain: d.taskToDomain,
        idempotencyKey: d.idempotencyKey,
        createdBy: d.createdBy,
        parentWorkflowId: d.parentWorkflowId,
        parentWorkflowTaskId: d.parentWorkflowTaskId,
        depth: d.depth ?? 0,
        reRunFromWorkflowId: d.reRunFromWorkflowId,
        createTime: d.time,
        startTime: d.time,
        updateTime: d.time,
        tasks: [],
        nextSeq: 1,
      };
    }
    case "TaskScheduled": {
      const d = event.data;
      const previous = d.retriedTaskId ? state.tasks.find((t) => t.taskId === d.retriedTaskId) : undefined;
      const task: TaskState = {
        taskId: d.taskId,
        referenceTaskName: d.referenceTaskName,
        taskType: d.taskType,
        taskDefName: d.taskDefName,
        seq: d.seq,
        status: "SCHEDULED",
        inputData: d.inputData,
        outputData: {},
        retryCount: d.retryCount,
        retriedTaskId: d.retriedTaskId,
        retried: false,
        firstScheduledTime: previous?.firstScheduledTime ?? d.time,
        scheduledTime: d.time,
        startTime: 0,
        endTime: 0,
        updateTime: d.time,
        startDelayInSeconds: d.startDelayInSeconds,
        callbackAfterSeconds: d.startDelayInSeconds,
        pollCount: 0,
        visibleAt: d.time + d.startDelayInSeconds * 1000,
        domain: d.domain,
        iteration: d.iteration ?? 0,
        definitionRef: d.definitionRef,
        workflowTask: d.workflowTask,
        logs: [],
      };
      const tasks = d.retriedTaskId
        ? state.tasks.map((t) => (t.taskId === d.retriedTaskId ? { ...t, retried: true } : t))
        : state.tasks;
      return { ...state, tasks: [...tasks, task], nextSeq: Math.max(state.nextSeq, d.seq + 1), updateTime: d.time };
    }
    case "TaskSkipped": {
      const d = event.data;
      const task: TaskState = {
        taskId: d.taskId,
        referenceTaskName: d.referenceTaskName,
        taskType: d.taskType,
        taskDefName: d.taskDefName,
        seq: d.seq,
        status: "SKIPPED",
        inputData: d.inputData,
        outputData: d.outputData,
        retryCount: 0,
        retried: false,
        firstScheduledTime: d.time,
        scheduledTime: d.time,
        startTime: 0,
        endTime: d.time,
        updateTime: d.time,
        startDelayInSeconds: 0,
        callbackAfterSeconds: 0,
        pollCount: 0,
        visibleAt: 0,
        iteration: 0,
        logs: [],
      };
      return { ...state, tasks: [...state.tasks, task], nextSeq: Math.max(state.nextSeq, d.seq + 1), updateTime: d.time };
    }
    case "TaskStarted": {
      const d = event.data;
      return updateTask(state, d.taskId, d.time, (t) => ({
        ...t,
        status: "IN_PROGRESS",
        workerId: d.workerId ?? t.workerId,
        startTime: t.startTime === 0 ? d.time : t.startTime,
        pollCount: d.workerId === undefined ? t.pollCount : t.pollCount + 1,
        waitUntil: d.waitUntil ?? t.waitUntil,
        callbackAfterSeconds: 0,
      }));
    }
    case "TaskUpdated": {
      const d = event.data;
      return updateTask(state, d.taskId, d.time, (t) => ({
        ...t,
        status: "SCHEDULED",
        workerId: d.workerId ?? t.workerId,
        outputData: d.outputData,
        callbackAfterSeconds: d.callbackAfterSeconds,
        visibleAt: d.time + d.callbackAfterSeconds * 1000,
        reasonForIncompletion: d.reasonForIncompletion ?? t.reasonForIncompletion,
      }));
    }
    case "TaskCompleted":
      return endTask(state, event.data.taskId, "COMPLETED", event.data.time, {
        outputData: event.data.outputData,
        workerId: event.data.workerId,
        endedByMessageId: event.data.messageId,
      });
    case "TaskFailed":
      return endTask(state, event.data.taskId, event.data.terminal ? "FAILED_WITH_TERMINAL_ERROR" : "FAILED", event.data.time, {
        outputData: event.data.outputData,
        workerId: event.data.workerId,
        reasonForIncompletion: event.data.reason,
        endedByMessageId: event.data.messageId,
      });
    case "TaskCompletedWithErrors":
      return updateTask(state, event.data.taskId, event.data.time, (t) => ({ ...t, status: "COMPLETED_WITH_ERRORS" }));
    case "TaskTimedOut":
      return endTask(state, event.data.taskId, "TIMED_OUT", event.data.time, { reasonForIncompletion: event.data.reason });
    case "TaskCanceled":
      return endTask(state, event.data.taskId, "CANCELED", event.data.time, {
        reasonForIncompletion: event.data.reason,
      });
    case "TaskLogAdded": {
      const d = event.data;
      return {
        ...state,
        tasks: state.tasks.map((t) => (t.taskId === d.taskId ? { ...t, logs: [...t.logs, ...d.logs] } : t)),
      };
    }
    case "CallbacksReset": {
      const ids = new Set(event.data.taskIds);
      return {
        ...state,
        updateTime: event.data.time,
        tasks: state.tasks.map((t) =>
          ids.has(t.taskId) ? { ...t, callbackAfterSeconds: 0, visibleAt: event.data.time } : t,
        ),
      };
    }
    case "WorkflowCompleted":
      return { ...state, status: "COMPLETED", output: event.data.output, endTime: event.data.time, updateTime: event.data.time };
    case "WorkflowFailed":
    case "WorkflowTimedOut": {
      const d = event.data;
      return {
        ...state,
        status: event.type === "WorkflowFailed" ? "FAILED" : "TIMED_OUT",
        reasonForIncompletion: d.reason,
        failedTaskId: d.failedTaskId,
        failureWorkflowId: d.failureWorkflowId,
        output: d.output,
        endTime: d.time,
        updateTime: d.time,
      };
    }
    case "WorkflowTerminated":
      return {
        ...state,
        status: "TERMINATED",
        reasonForIncompletion: event.data.reason,
        output: event.data.output,
        endTime: event.data.time,
        updateTime: event.data.time,
      };
    case "WorkflowPaused":
      return { ...state, status: "PAUSED", updateTime: event.data.time };
    case "WorkflowRemoved":
      // A removed workflow no longer exists for reads and commands.
      return { ...state, exists: false, updateTime: event.data.time };
    case "WorkflowResumed":
      return { ...state, status: "RUNNING", updateTime: event.data.time, lastRetriedTime: event.data.time };
    case "WorkflowRestarted":
      return {
        ...reopen(state, event.data.time),
        definition: event.data.definition ?? state.definition,
        variables: { ...((event.data.definition ?? state.definition).variables ?? {}) },
        tasks: [],
        // Conductor numbers tasks from the highest remaining seq: with none left, from 1 again.
        nextSeq: 1,
        createTime: event.data.time,
        startTime: event.data.time,
        lastRetriedTime: 0,
      };
    case "WorkflowRetried":
      return { ...reopen(state, event.data.time), lastRetriedTime: event.data.time };
    case "TaskOutputUpdated": {
      const d = event.data;
      return updateTask(state, d.taskId, d.time, (t) => ({ ...t, outputData: { ...t.outputData, ...d.outputData } }));
    }
    case "VariablesSet":
      return { ...state, variables: { ...state.variables, ...event.data.variables }, updateTime: event.data.time };
    case "DecisionDeferred":
      return { ...state, deferredAtRevision: state.revision + 1 };
    case "LoopIterated": {
      const d = event.data;
      return updateTask(state, d.taskId, d.time, (t) => ({ ...t, iteration: d.iteration, outputData: d.outputData }));
    }
    case "WorkflowRerun": {
      const d = event.data;
      const from = d.fromTaskId === undefined ? undefined : state.tasks.find((t) => t.taskId === d.fromTaskId);
      const reopened = {
        ...reopen(state, d.time),
        input: d.workflowInput ?? state.input,
        correlationId: d.correlationId ?? state.correlationId,
      };
      if (from === undefined) {
        return { ...reopened, tasks: [], nextSeq: 1, variables: { ...(state.definition.variables ?? {}) } };
      }
      const reset: TaskState = {
        ...from,
        status: "SCHEDULED",
        inputData: d.taskInput ?? from.inputData,
        outputData: {},
        retried: false,
        scheduledTime: d.time,
        startTime: 0,
        endTime: 0,
        updateTime: d.time,
        pollCount: 0,
        callbackAfterSeconds: 0,
        visibleAt: d.time,
        reasonForIncompletion: undefined,
        workerId: undefined,
      };
      return {
        ...reopened,
        tasks: [...state.tasks.filter((t) => t.seq < from.seq), reset],
        nextSeq: from.seq + 1,
      };
    }
    default: {
      // An event type this version does not know (written by a newer one) leaves the state as it is.
      const _exhaustive: never = event;
      void _exhaustive;
      return state;
    }
  }
}

/** Back to RUNNING after a terminal status: clears what the ending set. */
function reopen(state: WorkflowState, time: number): WorkflowState {
  return {
    ...state,
    status: "RUNNING",
    output: {},
    endTime: 0,
    updateTime: time,
    reasonForIncompletion: undefined,
    failedTaskId: undefined,
    failureWorkflowId: undefined,
  };
}

function updateTask(
  state: WorkflowState,
  taskId: string,
  time: number,
  change: (task: TaskState) => TaskState,
): WorkflowState {
  return {
    ...state,
    updateTime: time,
    tasks: state.tasks.map((t) => (t.taskId === taskId ? { ...change(t), updateTime: time } : t)),
  };
}

function endTask(
  state: WorkflowState,
  taskId: string,
  status: TaskStatus,
  time: number,
  fields: Partial<Pick<TaskState, "outputData" | "workerId" | "reasonForIncompletion" | "endedByMessageId">>,
): WorkflowState {
  return updateTask(state, taskId, time, (t) => ({
    ...t,
    status,
    endTime: time,
    outputData: fields.outputData ?? t.outputData,
    workerId: fields.workerId ?? t.workerId,
    reasonForIncompletion: fields.reasonForIncompletion ?? t.reasonForIncompletion,
    ...(fields.endedByMessageId === undefined ? {} : { endedByMessageId: fields.endedByMessageId }),
  }));
}

/** Folds a whole stream. */
export function foldWorkflow(events: Iterable<WorkflowEvent>, from: WorkflowState = initialWorkflowState): WorkflowState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}
