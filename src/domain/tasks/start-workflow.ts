import type { TaskTypeSpec } from "./spec.ts";

/** START_WORKFLOW: the engine starts another workflow and completes the task at once with its id (fire and forget). */
export const startWorkflowTask: TaskTypeSpec = {
  run: { kind: "reactor" },
  retry: "taskDef",
};
