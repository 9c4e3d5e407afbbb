import { started } from "./outcomes.ts";
import type { TaskTypeSpec } from "./spec.ts";

/** HUMAN: IN_PROGRESS until a person (an update through the API) completes it. */
export const humanTask: TaskTypeSpec = {
  run: { kind: "held", step: (_state, task, _wt, ctx) => (task.status === "SCHEDULED" ? [started(task, ctx)] : []) },
  retry: "taskDef",
};
