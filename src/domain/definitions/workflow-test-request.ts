import * as v from "valibot";
import { StartWorkflowRequestSchema, TASK_RESULT_STATUSES, type TaskResultStatus, type StartWorkflowRequest } from "./requests.ts";
import { jsonObject, wholeNumber } from "./validate.ts";

/** One mocked result of a task (Conductor's `WorkflowTestRequest.TaskMock`). */
export const TaskMockSchema = v.looseObject({
  status: v.optional(v.picklist(TASK_RESULT_STATUSES, `status must be one of ${TASK_RESULT_STATUSES.join(", ")}`), "COMPLETED"),
  output: v.optional(v.nullable(jsonObject("output")), {}),
  executionTime: v.optional(wholeNumber("executionTime"), 0),
  queueWaitTime: v.optional(wholeNumber("queueWaitTime"), 0),
});

export interface TaskMock {
  status: TaskResultStatus;
  output: Record<string, unknown> | null;
  executionTime: number;
  queueWaitTime: number;
}

/** Conductor's `WorkflowTestRequest`: a start request plus mocked task results, by task reference. */
export interface WorkflowTestRequest extends StartWorkflowRequest {
  taskRefToMockOutput: Record<string, TaskMock[]>;
  subWorkflowTestRequest: Record<string, WorkflowTestRequest>;
}

export const WorkflowTestRequestSchema: v.GenericSchema<unknown, WorkflowTestRequest> = v.looseObject({
  ...StartWorkflowRequestSchema.entries,
  taskRefToMockOutput: v.optional(v.record(v.string(), v.array(TaskMockSchema, "taskRefToMockOutput values must be lists of task mocks"), "taskRefToMockOutput must map task references to lists of mocks"), {}),
  subWorkflowTestRequest: v.optional(
    v.record(v.string(), v.lazy(() => WorkflowTestRequestSchema), "subWorkflowTestRequest must map task references to test requests"),
    {},
  ),
}) as unknown as v.GenericSchema<unknown, WorkflowTestRequest>;
