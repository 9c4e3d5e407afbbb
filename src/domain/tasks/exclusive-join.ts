import type { WorkflowEvent } from "../workflow/events.ts";
import { latestAttempt, type TaskState } from "../workflow/state.ts";
import { isTaskSuccessful, isTaskTerminal } from "../workflow/status.ts";
import { completed, started } from "./outcomes.ts";
import type { SystemTaskStep, TaskTypeSpec } from "./spec.ts";

/**
 * As Conductor walks it: the first joinOn ref (in order) whose task exists and
 * was not skipped decides; only when that one is not terminal yet, or none
 * exists, are the defaultExclusiveJoinTask refs tried the same way.
 */
const runExclusiveJoin: SystemTaskStep = (state, task, wt, ctx) => {
  const events: WorkflowEvent[] = task.status === "SCHEDULED" ? [started(task, ctx)] : [];
  const suffix = task.iteration > 0 ? `__${task.iteration}` : "";
  const firstRan = (refs: readonly string[]) =>
    refs.map((ref) => latestAttempt(state, `${ref}${suffix}`)).find((t): t is TaskState => t !== undefined && t.status !== "SKIPPED");
  let ran = firstRan(wt.joinOn ?? []);
  if (!ran || !isTaskTerminal(ran.status)) ran = firstRan(wt.defaultExclusiveJoinTask ?? []);
  if (!ran || !isTaskTerminal(ran.status)) return events;
  if (!isTaskSuccessful(ran.status)) {
    return [...events, { type: "TaskFailed", data: { taskId: task.taskId, outputData: ran.outputData, reason: `Task ${ran.referenceTaskName} ended ${ran.status}`, terminal: false, time: ctx.now } }];
  }
  return [...events, completed(task, ctx, ran.outputData)];
};

/** EXCLUSIVE_JOIN: ends with whichever of the tasks it names ran (after a SWITCH, one case's last task). */
export const exclusiveJoinTask: TaskTypeSpec = {
  run: { kind: "decided", step: runExclusiveJoin },
  retry: "never",
  names: { taskDefName: (wt) => wt.type },
};
