import * as v from "valibot";
import type { TaskType } from "../tasks/registry.ts";
import { type TaskDef, TaskDefSchema } from "./task-def.ts";
import { jsonObject, requiredString, wholeNumber } from "./validate.ts";

export const WORKFLOW_TIMEOUT_POLICIES = ["TIME_OUT_WF", "ALERT_ONLY"] as const;

/**
 * A task definition embedded in a workflow task may leave out its name:
 * Conductor does not validate embedded ones, and the task's name is its name.
 */
const EmbeddedTaskDefSchema = v.looseObject({
  ...TaskDefSchema.entries,
  name: v.optional(v.nullable(v.string("taskDefinition.name must be a string"))),
});

/** Names an embedded task definition after its task when it has no name of its own. */
function nameEmbeddedTaskDef<T extends { name: string; taskDefinition?: { name?: string | null } | null }>(task: T): T {
  const def = task.taskDefinition;
  if (!def || (typeof def.name === "string" && def.name.trim() !== "")) return task;
  return { ...task, taskDefinition: { ...def, name: task.name } };
}

/**
 * One step of a workflow (Conductor's `WorkflowTask`). Fields for task types
 * this version does not run yet are kept as given, so definitions round-trip.
 */
export const WorkflowTaskSchema: v.GenericSchema<unknown, WorkflowTask> = v.pipe(v.looseObject({
  name: requiredString("name"),
  taskReferenceName: requiredString("taskReferenceName"),
  type: v.optional(requiredString("type"), "SIMPLE"),
  description: v.optional(v.nullable(v.string("description must be a string"))),
  inputParameters: v.optional(jsonObject("inputParameters"), {}),
  optional: v.optional(v.boolean("optional must be true or false"), false),
  permissive: v.optional(v.boolean("permissive must be true or false")),
  startDelay: v.optional(wholeNumber("startDelay"), 0),
  asyncComplete: v.optional(v.boolean("asyncComplete must be true or false"), false),
  retryCount: v.optional(v.nullable(wholeNumber("retryCount"))),
  taskDefinition: v.optional(v.nullable(EmbeddedTaskDefSchema)),
  decisionCases: v.optional(
    v.record(v.string(), v.array(v.lazy(() => WorkflowTaskSchema)), "decisionCases must map case values to task lists"),
  ),
  defaultCase: v.optional(v.nullable(v.array(v.lazy(() => WorkflowTaskSchema), "defaultCase must be a task list"))),
  forkTasks: v.optional(
    v.array(v.array(v.lazy(() => WorkflowTaskSchema)), "forkTasks must be a list of task lists"),
  ),
  loopOver: v.optional(v.array(v.lazy(() => WorkflowTaskSchema), "loopOver must be a task list")),
  joinOn: v.optional(v.array(v.string("joinOn must hold task reference names"))),
  evaluatorType: v.optional(v.nullable(v.string("evaluatorType must be a string"))),
  expression: v.optional(v.nullable(v.string("expression must be a string"))),
  caseValueParam: v.optional(v.nullable(v.string("caseValueParam must be a string"))),
  caseExpression: v.optional(v.nullable(v.string("caseExpression must be a string"))),
  loopCondition: v.optional(v.nullable(v.string("loopCondition must be a string"))),
  sink: v.optional(v.nullable(v.string("sink must be a string"))),
  dynamicTaskNameParam: v.optional(v.nullable(v.string("dynamicTaskNameParam must be a string"))),
  dynamicForkTasksParam: v.optional(v.nullable(v.string("dynamicForkTasksParam must be a string"))),
  dynamicForkTasksInputParamName: v.optional(v.nullable(v.string("dynamicForkTasksInputParamName must be a string"))),
  subWorkflowParam: v.optional(v.nullable(v.record(v.string(), v.unknown(), "subWorkflowParam must be an object"))),
  defaultExclusiveJoinTask: v.optional(v.nullable(v.array(v.string()))),
}), v.transform(nameEmbeddedTaskDef)) as unknown as v.GenericSchema<unknown, WorkflowTask>;

declare const customTaskType: unique symbol;

/**
 * A task type name outside the registry. As in Conductor, a task of such a
 * type runs as a worker task polled from the queue named after the type
 * (checkWorkflowDefRules warns about it). Only parsing makes one: code that
 * needs a type's behaviour asks the registry (`taskTypeSpec`), which knows none.
 */
export type CustomTaskType = string & { readonly [customTaskType]: true };

/** One step of a workflow, as Conductor's `WorkflowTask` JSON has it (unknown fields kept). */
export interface WorkflowTask {
  name: string;
  taskReferenceName: string;
  /** Conductor's task type; SIMPLE (a worker's task) when the JSON has none. */
  type: TaskType | CustomTaskType;
  description?: string | null;
  inputParameters: Record<string, unknown>;
  optional: boolean;
  permissive?: boolean;
  startDelay: number;
  asyncComplete: boolean;
  retryCount?: number | null;
  taskDefinition?: TaskDef | null;
  decisionCases?: Record<string, WorkflowTask[]>;
  defaultCase?: WorkflowTask[] | null;
  forkTasks?: WorkflowTask[][];
  loopOver?: WorkflowTask[];
  joinOn?: string[];
  evaluatorType?: string | null;
  expression?: string | null;
  caseValueParam?: string | null;
  caseExpression?: string | null;
  loopCondition?: string | null;
  sink?: string | null;
  dynamicTaskNameParam?: string | null;
  dynamicForkTasksParam?: string | null;
  dynamicForkTasksInputParamName?: string | null;
  subWorkflowParam?: Record<string, unknown> | null;
  defaultExclusiveJoinTask?: string[] | null;
  [key: string]: unknown;
}

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
