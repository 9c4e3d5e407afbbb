import { startLoop } from "../workflow/loop.ts";
import { unmet } from "./definition-check.ts";
import type { TaskTypeSpec } from "./spec.ts";

/**
 * DO_WHILE: starts its first iteration when scheduled; after each iteration's
 * last body task the decider records it and evaluates loopCondition (see
 * workflow/loop.ts).
 */
export const doWhileTask: TaskTypeSpec = {
  run: { kind: "decided", step: (state, task, wt, ctx) => (task.status === "SCHEDULED" ? startLoop(state, task, wt, ctx) : []) },
  retry: "never",
  check: (task) => {
    const input = task.inputParameters ?? {};
    return unmet(
      [
        !!task.loopCondition || input.items !== undefined || input._items !== undefined || (typeof task.items === "string" && task.items.trim() !== ""),
        "loopCondition",
        "loopCondition (or items) is required",
      ],
      [(task.loopOver ?? []).length > 0, "loopOver", "loopOver must contain at least one task"],
    );
  },
  children: (wt) => ({ kind: "loop", lists: [wt.loopOver ?? []] }),
};
