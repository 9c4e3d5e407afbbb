import * as v from "valibot";
import { WorkflowDefSchema } from "./workflow-def.ts";
import { jsonObject, requiredString, wholeNumber } from "./validate.ts";

export const IDEMPOTENCY_STRATEGIES = ["FAIL", "RETURN_EXISTING", "FAIL_ON_RUNNING"] as const;
export type IdempotencyStrategy = (typeof IDEMPOTENCY_STRATEGIES)[number];

/** Conductor's `StartWorkflowRequest`. */
export const StartWorkflowRequestSchema = v.looseObject({
  name: requiredString("name"),
  version: v.optional(v.nullable(v.pipe(wholeNumber("version"), v.minValue(1, "version must be >= 1")))),
  correlationId: v.optional(v.nullable(v.string("correlationId must be a string"))),
  input: v.optional(v.nullable(jsonObject("input")), {}),
  taskToDomain: v.optional(v.nullable(v.record(v.string(), v.string("taskToDomain values must be strings"))), {}),
  workflowDef: v.optional(v.nullable(WorkflowDefSchema)),
  priority: v.optional(
    v.nullable(v.pipe(wholeNumber("priority"), v.maxValue(99, "priority must be between 0 and 99"))),
    0,
  ),
  createdBy: v.optional(v.nullable(v.string())),
  idempotencyKey: v.optional(v.nullable(v.string("idempotencyKey must be a string"))),
  idempotencyStrategy: v.optional(
    v.nullable(v.picklist(IDEMPOTENCY_STRATEGIES, `idempotencyStrategy must be one of ${IDEMPOTENCY_STRATEGIES.join(", ")}`)),
  ),
  externalInputPayloadStoragePath: v.optional(v.nullable(v.string())),
});

export type StartWorkflowRequest = v.InferOutput<typeof StartWorkflowRequestSchema>;

export const TASK_RESULT_STATUSES = ["IN_PROGRESS", "FAILED", "FAILED_WITH_TERMINAL_ERROR", "COMPLETED"] as const;
export type TaskResultStatus = (typeof TASK_RESULT_STATUSES)[number];

export const TaskExecLogSchema = v.looseObject({
  log: v.string("logs[].log must be a string"),
  taskId: v.optional(v.string()),
  createdTime: v.optional(v.number()),
});

/** Conductor's `TaskResult`, sent by workers. */
export const TaskResultSchema = v.looseObject({
  workflowInstanceId: requiredString("workflowInstanceId"),
  taskId: requiredString("taskId"),
  status: v.picklist(TASK_RESULT_STATUSES, `status must be one of ${TASK_RESULT_STATUSES.join(", ")}`),
  reasonForIncompletion: v.optional(v.nullable(v.string("reasonForIncompletion must be a string"))),
  callbackAfterSeconds: v.optional(v.nullable(wholeNumber("callbackAfterSeconds")), 0),
  workerId: v.optional(v.nullable(v.string("workerId must be a string"))),
  outputData: v.optional(v.nullable(jsonObject("outputData")), {}),
  logs: v.optional(v.nullable(v.array(TaskExecLogSchema, "logs must be an array")), []),
  extendLease: v.optional(v.nullable(v.boolean())),
});

export type TaskResult = v.InferOutput<typeof TaskResultSchema>;

/** Conductor's `RerunWorkflowRequest`. */
export const RerunWorkflowRequestSchema = v.looseObject({
  reRunFromWorkflowId: v.optional(v.nullable(v.string())),
  workflowInput: v.optional(v.nullable(jsonObject("workflowInput"))),
  reRunFromTaskId: v.optional(v.nullable(v.string("reRunFromTaskId must be a string"))),
  taskInput: v.optional(v.nullable(jsonObject("taskInput"))),
  correlationId: v.optional(v.nullable(v.string("correlationId must be a string"))),
});

export type RerunWorkflowRequest = v.InferOutput<typeof RerunWorkflowRequestSchema>;

/** Conductor's `SkipTaskRequest`. */
export const SkipTaskRequestSchema = v.looseObject({
  taskInput: v.optional(v.nullable(jsonObject("taskInput"))),
  taskOutput: v.optional(v.nullable(jsonObject("taskOutput"))),
});

export type SkipTaskRequest = v.InferOutput<typeof SkipTaskRequestSchema>;
