import { unmet } from "./definition-check.ts";
import type { TaskTypeSpec } from "./spec.ts";

/**
 * EVENT: the engine publishes the task's input to `sink` after the schedule is
 * stored; it completes on publishing, or with `asyncComplete` waits for a
 * completion from outside (the sink pattern).
 */
export const eventTask: TaskTypeSpec = {
  run: { kind: "reactor" },
  retry: "taskDef",
  check: (task) => unmet([!!task.sink, "sink", "sink is required"]),
};
