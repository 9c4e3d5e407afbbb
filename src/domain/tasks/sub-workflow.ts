import { unmet } from "./definition-check.ts";
import type { TaskTypeSpec } from "./spec.ts";

/** SUB_WORKFLOW: the engine starts the child workflow and ends the task as the child ends. */
export const subWorkflowTask: TaskTypeSpec = {
  run: { kind: "reactor" },
  retry: "taskDef",
  check: (task) =>
    unmet([
      !!task.subWorkflowParam && (typeof task.subWorkflowParam.name === "string" || !!task.subWorkflowParam.workflowDefinition),
      "subWorkflowParam",
      "subWorkflowParam with a name (or workflowDefinition) is required",
    ]),
};
