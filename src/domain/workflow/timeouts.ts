import type { DecisionContext } from "./context.ts";
import { taskDefFor, workflowTaskOf } from "./definition-lookup.ts";
import type { WorkflowEvent } from "./events.ts";
import { endWorkflow, failWorkflow } from "./advance.ts";
import { evolve } from "./evolve.ts";
import type { TaskState, WorkflowState } from "./state.ts";
import { isTaskTerminal } from "./status.ts";

type TimeoutKind = "poll" | "response" | "task" | "total";

interface Deadline {
  at: number;
  kind: TimeoutKind;
  task: TaskState;
  seconds: number;
}

const NO_DEADLINES: readonly Deadline[] = Object.freeze([]);

/**
 * The deadlines of one active task, in the order Conductor checks its four task
 * timeouts (total, task, poll, response). ALERT_ONLY only logs in Conductor, so
 * it sets no deadline, except for the response timeout, which ignores the policy.
 */
function taskDeadlines(state: WorkflowState, task: TaskState): readonly Deadline[] {
  if (isTaskTerminal(task.status)) return NO_DEADLINES;
  const workflowTask = workflowTaskOf(state, task);
  if (workflowTask === undefined) return NO_DEADLINES;
  const def = taskDefFor(workflowTask);
  const enforced = def.timeoutPolicy !== "ALERT_ONLY";
  // Most tasks have no deadline, and the timer projection asks for every task on each event: no array for them.
  let out: Deadline[] | undefined;
  const total = def.totalTimeoutSeconds ?? 0;
  if (total > 0 && enforced) (out ??= []).push({ at: task.firstScheduledTime + total * 1000, kind: "total", task, seconds: total });
  if (task.startTime > 0 && def.timeoutSeconds > 0 && enforced) {
    const at = task.startTime + (task.startDelayInSeconds + def.timeoutSeconds) * 1000;
    (out ??= []).push({ at, kind: "task", task, seconds: def.timeoutSeconds });
  }
  const poll = def.pollTimeoutSeconds ?? 0;
  if (task.status === "SCHEDULED" && poll > 0 && enforced) {
    (out ??= []).push({ at: task.visibleAt + poll * 1000, kind: "poll", task, seconds: poll });
  }
  if (task.status === "IN_PROGRESS" && def.responseTimeoutSeconds > 0) {
    const at = task.updateTime + (task.callbackAfterSeconds + def.responseTimeoutSeconds) * 1000;
    (out ??= []).push({ at, kind: "response", task, seconds: def.responseTimeoutSeconds });
  }
  return out ?? NO_DEADLINES;
}

function workflowDeadline(state: WorkflowState): number | undefined {
  const def = state.definition;
  if (def.timeoutSeconds <= 0 || def.timeoutPolicy !== "TIME_OUT_WF") return undefined;
  // A retry or resume restarts the workflow's clock.
  const from = state.lastRetriedTime > 0 ? state.lastRetriedTime : state.createTime;
  return from + def.timeoutSeconds * 1000;
}

/** Epoch ms of the next timeout that could fire, or undefined when none can. */
export function nextTimeoutAt(state: WorkflowState): number | undefined {
  if (!state.exists || (state.status !== "RUNNING" && state.status !== "PAUSED")) return undefined;
  let next = workflowDeadline(state);
  // A paused workflow's own timeout still runs; its tasks' timeouts wait.
  if (state.status === "PAUSED") return next;
  for (const task of state.tasks) {
    for (const deadline of taskDeadlines(state, task)) {
      if (next === undefined || deadline.at < next) next = deadline.at;
    }
    // A WAIT task with a duration or `until` is due then (the decider completes it).
    if (task.status === "IN_PROGRESS" && task.waitUntil !== undefined && (next === undefined || task.waitUntil < next)) {
      next = task.waitUntil;
    }
  }
  return next;
}

/** Conductor's timeout messages, so clients that match on them keep working. */
function timeoutReason(deadline: Deadline, policy: string, now: number): string {
  const { task, seconds } = deadline;
  const elapsed = Math.floor((now - (deadline.at - seconds * 1000)) / 1000);
  switch (deadline.kind) {
    case "total":
      return `Task ${task.taskDefName}/${task.taskId} exceeded total timeout of ${seconds} seconds (elapsed ${elapsed} seconds across all attempts including retry delays). Timeout policy: ${policy}`;
    case "task":
      return `Task timed out after ${elapsed} seconds. Timeout configured as ${seconds} seconds. Timeout policy configured to ${policy}`;
    case "poll":
      return `Task poll timed out after ${elapsed} seconds. Poll timeout configured as ${seconds} seconds. Timeout policy configured to ${policy}`;
    case "response":
      return `responseTimeout: ${seconds} exceeded for the taskId: ${task.taskId} with Task Definition: ${task.taskDefName}`;
    default: {
      const _exhaustive: never = deadline.kind;
      return _exhaustive;
    }
  }
}

/**
 * Times out what is overdue at `ctx.now`. A timed-out task becomes TIMED_OUT;
 * under TIME_OUT_WF (task or total timeout) the workflow times out with it, and
 * a workflow past its own timeoutSeconds times out under TIME_OUT_WF. What a
 * TIMED_OUT task leads to next (a retry or a failure) is `advance`'s decision.
 */
export function checkTimeouts(state: WorkflowState, ctx: DecisionContext): WorkflowEvent[] {
  if (!state.exists || (state.status !== "RUNNING" && state.status !== "PAUSED")) return [];
  const workflowAt = workflowDeadline(state);
  if (workflowAt !== undefined && ctx.now >= workflowAt) {
    const { timeoutSeconds, timeoutPolicy } = state.definition;
    const elapsed = Math.floor((ctx.now - (workflowAt - timeoutSeconds * 1000)) / 1000);
    const reason = `Workflow timed out after ${elapsed} seconds. Timeout configured as ${timeoutSeconds} seconds. Timeout policy configured to ${timeoutPolicy}`;
    return endWorkflow(state, ctx, "TIMED_OUT", reason);
  }
  if (state.status === "PAUSED") return [];
  const events: WorkflowEvent[] = [];
  let current = state;
  for (const task of state.tasks) {
    const overdue = taskDeadlines(state, task).find((deadline) => ctx.now >= deadline.at);
    if (overdue === undefined) continue;
    const policy = taskDefFor(workflowTaskOf(state, task)!).timeoutPolicy;
    const reason = timeoutReason(overdue, policy, ctx.now);
    const timedOut: WorkflowEvent = { type: "TaskTimedOut", data: { taskId: task.taskId, reason, time: ctx.now } };
    events.push(timedOut);
    current = evolve(current, timedOut);
    // A response timeout is always retried; the others follow the task's timeoutPolicy.
    if (overdue.kind !== "response" && policy === "TIME_OUT_WF") {
      const timedOutTask = current.tasks.find((t) => t.taskId === task.taskId)!;
      return [...events, ...failWorkflow(current, timedOutTask, ctx, "TIMED_OUT", reason)];
    }
  }
  return events;
}
