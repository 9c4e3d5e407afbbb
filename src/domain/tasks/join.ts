import type { WorkflowTask } from "../definitions/workflow-def.ts";
import type { WorkflowEvent } from "../workflow/events.ts";
import { nodeFor } from "../workflow/graph.ts";
import { latestAttempt, type TaskState, type WorkflowState } from "../workflow/state.ts";
import { isTaskTerminal } from "../workflow/status.ts";
import { completed, started } from "./outcomes.ts";
import type { SystemTaskStep, TaskTypeSpec } from "./spec.ts";

/**
 * The refs a JOIN waits for: right after a FORK_JOIN_DYNAMIC, the tasks that
 * fork started (its own joinOn is ignored, as in Conductor); else its joinOn;
 * else the last task of each branch of the FORK_JOIN before it.
 */
function joinRefs(state: WorkflowState, join: TaskState, wt: WorkflowTask): string[] {
  const suffix = join.iteration > 0 ? `__${join.iteration}` : "";
  const node = nodeFor(state.definition, join.definitionRef ?? join.referenceTaskName);
  const fork = node ? node.list[node.index - 1] : undefined;
  if (fork?.type === "FORK_JOIN_DYNAMIC") {
    const forked = latestAttempt(state, `${fork.taskReferenceName}${suffix}`)?.outputData.forkedTasks;
    return Array.isArray(forked) ? forked.map(String) : [];
  }
  if ((wt.joinOn ?? []).length > 0) return wt.joinOn!.map((ref) => `${ref}${suffix}`);
  if (fork?.type === "FORK_JOIN") {
    return (fork.forkTasks ?? []).flatMap((branch) => {
      const last = branch?.[branch.length - 1];
      return last ? [`${last.taskReferenceName}${suffix}`] : [];
    });
  }
  return [];
}

const FAILED_STATUSES = new Set(["FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT", "CANCELED"]);

/** Started when first seen; ends once every joined task has ended. */
const runJoin: SystemTaskStep = (state, task, wt, ctx) => {
  const events: WorkflowEvent[] = task.status === "SCHEDULED" ? [started(task, ctx)] : [];
  const refs = joinRefs(state, task, wt);
  // One pass over the tasks, not one per joined ref: a dynamic fork may join thousands.
  const latest = new Map<string, TaskState>();
  for (const attempt of state.tasks) latest.set(attempt.referenceTaskName, attempt);
  const attempts = refs.map((ref) => latest.get(ref));
  if (attempts.some((attempt) => attempt === undefined || !isTaskTerminal(attempt.status))) return events;
  // Conductor's JOIN output: each joined task's output under its ref, empty outputs left out.
  const output: Record<string, unknown> = {};
  refs.forEach((ref, index) => {
    const outputData = attempts[index]!.outputData;
    if (Object.keys(outputData).length > 0) output[ref] = outputData;
  });
  const failures = attempts.filter((attempt) => FAILED_STATUSES.has(attempt!.status));
  if (failures.length > 0) {
    // Conductor: the reasons of the unsuccessful tasks, space-separated; CANCELED only if nothing else failed.
    const reason = failures.map((f) => f!.reasonForIncompletion).filter((r) => r !== undefined && r !== null).join(" ");
    if (failures.every((f) => f!.status === "CANCELED")) {
      return [...events, { type: "TaskCanceled", data: { taskId: task.taskId, reason, time: ctx.now } }];
    }
    return [...events, { type: "TaskFailed", data: { taskId: task.taskId, outputData: output, reason, terminal: false, time: ctx.now } }];
  }
  events.push(completed(task, ctx, output));
  if (attempts.some((attempt) => attempt!.status === "COMPLETED_WITH_ERRORS")) {
    events.push({ type: "TaskCompletedWithErrors", data: { taskId: task.taskId, time: ctx.now } });
  }
  return events;
};

/** JOIN: waits for the branches of the fork before it; fails (plain FAILED) with them. */
export const joinTask: TaskTypeSpec = {
  run: { kind: "decided", step: runJoin },
  retry: "never",
  names: { taskDefName: (wt) => wt.type },
};
