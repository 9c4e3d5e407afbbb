import type { TaskTypeSpec } from "./spec.ts";

/**
 * SIMPLE: a worker's task. Conductor names the scheduled task's type after its
 * definition, and that is also the queue workers poll.
 */
export const simpleTask: TaskTypeSpec = {
  run: { kind: "worker" },
  retry: "taskDef",
  names: { taskType: (workflowTask) => workflowTask.name },
};
