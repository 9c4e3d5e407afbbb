import { completed, failed } from "./outcomes.ts";
import type { SystemTaskStep, TaskTypeSpec } from "./spec.ts";

/** Conductor's default conductor.app.maxWorkflowVariablesPayloadSizeThreshold. */
const MAX_VARIABLES_KB = 256;

const runSetVariable: SystemTaskStep = (state, task, _wt, ctx) => {
  const size = new TextEncoder().encode(JSON.stringify({ ...state.variables, ...task.inputData })).length;
  if (size > MAX_VARIABLES_KB * 1024) {
    const reason = `The variables payload size: ${size} of workflow: ${state.workflowId} is greater than the permissible limit: ${MAX_VARIABLES_KB} kilobytes`;
    return [failed(task, ctx, reason)];
  }
  return [
    { type: "VariablesSet", data: { variables: task.inputData, taskId: task.taskId, time: ctx.now } },
    completed(task, ctx, {}),
  ];
};

/** SET_VARIABLE: merges its input into the workflow's variables, within Conductor's size limit. */
export const setVariableTask: TaskTypeSpec = {
  run: { kind: "decided", step: runSetVariable },
  retry: "taskDef",
};
