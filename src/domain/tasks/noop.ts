import { completed } from "./outcomes.ts";
import type { TaskTypeSpec } from "./spec.ts";

/** NOOP: completes in the pass that schedules it, with no output. */
export const noopTask: TaskTypeSpec = {
  run: { kind: "decided", step: (_state, task, _wt, ctx) => [completed(task, ctx, {})] },
  retry: "taskDef",
};
