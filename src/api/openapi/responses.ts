/**
 * What Baton answers, as valibot schemas: Conductor's `Task`, `Workflow`,
 * `WorkflowSummary`, `TaskSummary`, `SearchResult<…>`, the workflow status
 * object and the queue maps, in the shapes src/projections/conductor-json.ts,
 * summary.ts and task-search.ts build. They document answers (OpenAPI
 * `responses`); nothing validates with them on the way out, so
 * tests/integration/openapi.test.ts parses real answers with them, and the
 * schemathesis run (tests/services/openapi-schemathesis.test.ts) checks the
 * answers it provokes against the description converted from them.
 *
 * Objects are loose (Conductor's clients ignore fields they do not know, and
 * Baton may add some); a field JSON may leave out (an undefined value) is optional.
 */
import * as v from "valibot";
import { WorkflowDefSchema, WorkflowTaskSchema } from "../../domain/definitions/workflow-def.ts";
import type { TaskStatus, WorkflowStatus } from "../../domain/workflow/status.ts";

export const TASK_STATUSES = [
  "SCHEDULED",
  "IN_PROGRESS",
  "CANCELED",
  "FAILED",
  "FAILED_WITH_TERMINAL_ERROR",
  "COMPLETED",
  "COMPLETED_WITH_ERRORS",
  "TIMED_OUT",
  "SKIPPED",
] as const satisfies readonly TaskStatus[];

export const WORKFLOW_STATUSES = ["RUNNING", "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED", "PAUSED"] as const satisfies readonly WorkflowStatus[];

const json = v.record(v.string(), v.unknown());
const epochMs = v.pipe(v.number(), v.integer(), v.minValue(0));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const isoTime = v.pipe(v.string(), v.isoTimestamp());

/** Conductor's `Task`: one attempt of a task, times in epoch ms. */
export const TaskSchema = v.looseObject({
  taskId: v.string(),
  taskType: v.string(),
  status: v.picklist(TASK_STATUSES),
  referenceTaskName: v.string(),
  taskDefName: v.string(),
  workflowInstanceId: v.string(),
  workflowType: v.string(),
  inputData: json,
  outputData: json,
  retryCount: count,
  seq: count,
  pollCount: count,
  scheduledTime: epochMs,
  startTime: epochMs,
  endTime: epochMs,
  updateTime: epochMs,
  executed: v.boolean(),
  callbackFromWorker: v.boolean(),
  responseTimeoutSeconds: v.number(),
  rateLimitPerFrequency: v.number(),
  rateLimitFrequencyInSeconds: v.number(),
  workflowPriority: v.number(),
  iteration: count,
  subworkflowChanged: v.boolean(),
  queueWaitTime: v.number(),
  loopOverTask: v.boolean(),
  correlationId: v.optional(v.string()),
  startDelayInSeconds: v.optional(v.number()),
  retriedTaskId: v.optional(v.string()),
  retried: v.optional(v.boolean()),
  reasonForIncompletion: v.optional(v.string()),
  callbackAfterSeconds: v.optional(v.number()),
  workerId: v.optional(v.string()),
  domain: v.optional(v.string()),
  workflowTask: v.optional(WorkflowTaskSchema),
  // The task definition the attempt ran with: a registered one, or the defaults Baton
  // fills in for a task type nobody registered (e.g. responseTimeoutSeconds 0), which a
  // registration would refuse. So the answer is described as an object, not a TaskDef
  // request (schemathesis found such answers through POST /api/workflow/test).
  taskDefinition: v.nullable(v.looseObject({ name: v.string() })),
});

/** Conductor's `Workflow`: an instance with (unless `includeTasks=false`) its task attempts. */
export const WorkflowSchema = v.looseObject({
  workflowId: v.string(),
  status: v.picklist(WORKFLOW_STATUSES),
  workflowName: v.string(),
  workflowVersion: v.number(),
  createTime: epochMs,
  startTime: epochMs,
  updateTime: epochMs,
  endTime: epochMs,
  priority: v.number(),
  tasks: v.array(TaskSchema),
  input: json,
  output: json,
  variables: json,
  taskToDomain: v.record(v.string(), v.string()),
  failedReferenceTaskNames: v.array(v.string()),
  failedTaskNames: v.array(v.string()),
  workflowDefinition: WorkflowDefSchema,
  ownerApp: v.optional(v.string()),
  createdBy: v.optional(v.string()),
  parentWorkflowId: v.optional(v.string()),
  correlationId: v.optional(v.string()),
  reRunFromWorkflowId: v.optional(v.string()),
  reasonForIncompletion: v.optional(v.string()),
  failedTaskId: v.optional(v.string()),
  lastRetriedTime: v.optional(v.number()),
  idempotencyKey: v.optional(v.string()),
});

/** `GET /api/workflow/{id}/status`. */
export const WorkflowStatusSchema = v.looseObject({
  workflowId: v.string(),
  status: v.picklist(WORKFLOW_STATUSES),
  correlationId: v.optional(v.string()),
  output: v.optional(json),
  variables: v.optional(json),
});

/** Conductor's `WorkflowSummary` (search results): times as ISO-8601 UTC, input and output as JSON text. */
export const WorkflowSummarySchema = v.looseObject({
  workflowType: v.string(),
  version: v.number(),
  workflowId: v.string(),
  correlationId: v.optional(v.string()),
  startTime: isoTime,
  updateTime: v.optional(isoTime),
  endTime: v.optional(isoTime),
  status: v.picklist(WORKFLOW_STATUSES),
  input: v.string(),
  output: v.string(),
  reasonForIncompletion: v.optional(v.string()),
  executionTime: v.number(),
  event: v.optional(v.string()),
  failedReferenceTaskNames: v.string(),
  failedTaskNames: v.array(v.string()),
  priority: v.number(),
  createdBy: v.optional(v.string()),
  taskToDomain: v.record(v.string(), v.string()),
  idempotencyKey: v.optional(v.string()),
  parentWorkflowId: v.string(),
  inputSize: count,
  outputSize: count,
});

/** Conductor's `TaskSummary` (task search results). */
export const TaskSummarySchema = v.looseObject({
  workflowId: v.string(),
  workflowType: v.string(),
  correlationId: v.optional(v.string()),
  scheduledTime: v.optional(isoTime),
  startTime: v.optional(isoTime),
  updateTime: v.optional(isoTime),
  endTime: v.optional(isoTime),
  status: v.picklist(TASK_STATUSES),
  reasonForIncompletion: v.optional(v.string()),
  executionTime: v.number(),
  queueWaitTime: v.number(),
  taskDefName: v.string(),
  taskType: v.string(),
  input: v.string(),
  output: v.string(),
  taskId: v.string(),
  workflowPriority: v.number(),
  domain: v.optional(v.string()),
});

/** A definition version without its tasks (`/versions`, `names-and-versions`); times null when never set. */
export const WorkflowDefSummarySchema = v.object({
  name: v.string(),
  version: v.number(),
  createTime: v.nullable(v.number()),
  updateTime: v.nullable(v.number()),
});

const searchResult = <T extends v.GenericSchema>(item: T) => v.object({ totalHits: count, results: v.array(item) });

export const RESPONSE_SCHEMAS = {
  Task: TaskSchema,
  Workflow: WorkflowSchema,
  WorkflowStatus: WorkflowStatusSchema,
  WorkflowSummary: WorkflowSummarySchema,
  TaskSummary: TaskSummarySchema,
  SearchResultWorkflowSummary: searchResult(WorkflowSummarySchema),
  SearchResultWorkflow: searchResult(WorkflowSchema),
  SearchResultTaskSummary: searchResult(TaskSummarySchema),
  SearchResultTask: searchResult(TaskSchema),
  WorkflowDefSummary: WorkflowDefSummarySchema,
  /** Definition name -> its versions. */
  WorkflowNamesAndVersions: v.record(v.string(), v.array(WorkflowDefSummarySchema)),
  /** Task type (or queue name) -> pending tasks. */
  QueueSizes: v.record(v.string(), count),
  QueueSize: count,
  /** The id of the workflow started (POST /api/workflow answers it as text). */
  WorkflowId: v.string(),
  /** Correlation id -> the workflows with it. */
  CorrelatedWorkflows: v.record(v.string(), v.array(WorkflowSchema)),
} as const;
