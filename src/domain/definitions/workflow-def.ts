import * as v from "valibot";
import { TaskDefSchema } from "./task-def.ts";
import { jsonObject, requiredString, wholeNumber } from "./validate.ts";

export const WORKFLOW_TIMEOUT_POLICIES = ["TIME_OUT_WF", "ALERT_ONLY"] as const;

/** Task types Baton runs today. */
export const SUPPORTED_TASK_TYPES = ["SIMPLE"] as const;

/** Conductor's other built-in task types: recognised, but not run by this version yet. */
export const KNOWN_UNSUPPORTED_TASK_TYPES = [
  "DYNAMIC", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "DECISION", "SWITCH", "JOIN", "DO_WHILE",
  "SUB_WORKFLOW", "START_WORKFLOW", "EVENT", "WAIT", "HUMAN", "USER_DEFINED", "HTTP", "INLINE",
  "EXCLUSIVE_JOIN", "TERMINATE", "KAFKA_PUBLISH", "JSON_JQ_TRANSFORM", "SET_VARIABLE", "NOOP",
  "LAMBDA",
] as const;

export type SupportedTaskType = (typeof SUPPORTED_TASK_TYPES)[number];

/**
 * One step of a workflow (Conductor's `WorkflowTask`). Fields for task types
 * this version does not run yet are kept as given, so definitions round-trip.
 */
export const WorkflowTaskSchema = v.looseObject({
  name: requiredString("name"),
  taskReferenceName: requiredString("taskReferenceName"),
  type: v.optional(requiredString("type"), "SIMPLE"),
  description: v.optional(v.string("description must be a string")),
  inputParameters: v.optional(jsonObject("inputParameters"), {}),
  optional: v.optional(v.boolean("optional must be true or false"), false),
  startDelay: v.optional(wholeNumber("startDelay"), 0),
  asyncComplete: v.optional(v.boolean("asyncComplete must be true or false"), false),
  retryCount: v.optional(v.nullable(wholeNumber("retryCount"))),
  taskDefinition: v.optional(v.nullable(TaskDefSchema)),
});

export type WorkflowTask = v.InferOutput<typeof WorkflowTaskSchema>;

/** Conductor's `WorkflowDef`, with its field names and defaults. */
export const WorkflowDefSchema = v.looseObject({
  name: requiredString("name"),
  description: v.optional(v.string("description must be a string")),
  version: v.optional(v.pipe(wholeNumber("version"), v.minValue(1, "version must be >= 1")), 1),
  tasks: v.pipe(
    v.array(WorkflowTaskSchema, "tasks is required and must be an array of workflow tasks"),
    v.minLength(1, "tasks must contain at least one task"),
  ),
  inputParameters: v.optional(v.array(v.string("inputParameters must hold strings")), []),
  outputParameters: v.optional(jsonObject("outputParameters"), {}),
  inputTemplate: v.optional(jsonObject("inputTemplate"), {}),
  variables: v.optional(jsonObject("variables"), {}),
  failureWorkflow: v.optional(v.nullable(v.string("failureWorkflow must be a workflow name"))),
  schemaVersion: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(2, "schemaVersion must be 2"), v.maxValue(2, "schemaVersion must be 2")),
    2,
  ),
  restartable: v.optional(v.boolean("restartable must be true or false"), true),
  workflowStatusListenerEnabled: v.optional(v.boolean(), false),
  ownerEmail: v.optional(v.string("ownerEmail must be a string")),
  ownerApp: v.optional(v.string()),
  timeoutPolicy: v.optional(
    v.picklist(WORKFLOW_TIMEOUT_POLICIES, `timeoutPolicy must be one of ${WORKFLOW_TIMEOUT_POLICIES.join(", ")}`),
    "ALERT_ONLY",
  ),
  timeoutSeconds: v.optional(wholeNumber("timeoutSeconds"), 0),
  createTime: v.optional(v.number()),
  updateTime: v.optional(v.number()),
  createdBy: v.optional(v.string()),
  updatedBy: v.optional(v.string()),
});

export type WorkflowDef = v.InferOutput<typeof WorkflowDefSchema>;
