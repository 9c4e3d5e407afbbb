import { unmet } from "./definition-check.ts";
import type { TaskTypeSpec } from "./spec.ts";

/** HTTP: the engine makes the call after the schedule is stored and concludes the task with the response. */
export const httpTask: TaskTypeSpec = {
  run: { kind: "reactor" },
  retry: "taskDef",
  check: (task) => {
    const input = task.inputParameters ?? {};
    return unmet([input.http_request !== undefined || input.uri !== undefined, "inputParameters.http_request", "http_request (or uri) is required"]);
  },
};
