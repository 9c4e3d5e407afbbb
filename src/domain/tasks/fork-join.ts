import { unmet } from "./definition-check.ts";
import { forkWithoutJoinFailure } from "./fork-join-follower.ts";
import { completed } from "./outcomes.ts";
import type { TaskTypeSpec } from "./spec.ts";

/** Conductor runs both fork types as a task of type and definition FORK. */
export const forkNames = { taskType: () => "FORK", taskDefName: () => "FORK" };

/**
 * FORK_JOIN: completes at once; the decider then schedules the head of every
 * branch and the JOIN after it in one pass, before any of them runs (as
 * Conductor's ForkJoinTaskMapper maps them together). Without a JOIN right
 * after it the fork fails, as in Conductor, unless it ends the workflow
 * (fork-join-follower.ts).
 */
export const forkJoinTask: TaskTypeSpec = {
  run: {
    kind: "decided",
    step: (state, task, _wt, ctx) => forkWithoutJoinFailure(state, task, ctx) ?? [completed(task, ctx, {})],
  },
  retry: "never",
  check: (task) => unmet([(task.forkTasks ?? []).length > 0, "forkTasks", "forkTasks must contain at least one branch"]),
  followedBy: "JOIN",
  names: forkNames,
  opens: (wt) => ({ tasks: (wt.forkTasks ?? []).flatMap((branch) => (branch?.[0] ? [branch[0]] : [])), andSuccessor: true }),
  children: (wt) => ({ kind: "branch", lists: wt.forkTasks ?? [] }),
};
