import * as v from "valibot";
import { jsonObject, parseOrThrow, requiredString, wholeNumber } from "../definitions/validate.ts";

/** The actions Baton runs. Conductor OSS parses the last two but refuses to run them; Baton runs them. */
export const EVENT_ACTIONS = [
  "start_workflow",
  "complete_task",
  "fail_task",
  "terminate_workflow",
  "update_workflow_variables",
] as const;
export type EventActionType = (typeof EVENT_ACTIONS)[number];

/** Absent, null (Conductor's Java clients send nulls) or a string. */
const optionalString = (field: string) => v.optional(v.nullable(v.string(`${field} must be a string`)));

/** `start_workflow`: name and version are used literally; input and correlationId may hold `${...}`. */
const StartWorkflowParamsSchema = v.looseObject({
  name: requiredString("name"),
  version: v.optional(v.nullable(v.pipe(wholeNumber("version"), v.minValue(1, "version must be >= 1")))),
  input: v.optional(v.nullable(jsonObject("input"))),
  correlationId: optionalString("correlationId"),
  taskToDomain: v.optional(v.nullable(v.record(v.string(), v.string("taskToDomain values must be strings")))),
});

/** `complete_task` / `fail_task`: the task by id, or by workflow id and reference name. */
const TaskDetailsSchema = v.pipe(
  v.looseObject({
    workflowId: optionalString("workflowId"),
    taskRefName: optionalString("taskRefName"),
    taskId: optionalString("taskId"),
    output: v.optional(v.nullable(jsonObject("output"))),
    reasonForIncompletion: optionalString("reasonForIncompletion"),
  }),
  v.check(
    (details) => Boolean(details.taskId) || (Boolean(details.workflowId) && Boolean(details.taskRefName)),
    "expected taskId, or workflowId and taskRefName",
  ),
);

const TerminateParamsSchema = v.looseObject({
  workflowId: requiredString("workflowId"),
  terminationReason: optionalString("terminationReason"),
});

const UpdateVariablesParamsSchema = v.looseObject({
  workflowId: requiredString("workflowId"),
  variables: jsonObject("variables"),
  appendArray: v.optional(v.nullable(v.boolean("appendArray must be true or false"))),
});

const expandInlineJSON = v.optional(v.nullable(v.boolean("expandInlineJSON must be true or false")));

/** One action, discriminated by `action`; the matching parameter object is required. */
export const EventHandlerActionSchema = v.variant(
  "action",
  [
    v.looseObject({ action: v.literal("start_workflow"), start_workflow: StartWorkflowParamsSchema, expandInlineJSON }),
    v.looseObject({ action: v.literal("complete_task"), complete_task: TaskDetailsSchema, expandInlineJSON }),
    v.looseObject({ action: v.literal("fail_task"), fail_task: TaskDetailsSchema, expandInlineJSON }),
    v.looseObject({ action: v.literal("terminate_workflow"), terminate_workflow: TerminateParamsSchema, expandInlineJSON }),
    v.looseObject({
      action: v.literal("update_workflow_variables"),
      update_workflow_variables: UpdateVariablesParamsSchema,
      expandInlineJSON,
    }),
  ],
  `action must be one of ${EVENT_ACTIONS.join(", ")}`,
);

/**
 * Conductor's `EventHandler`. `event` is the bus topic it listens to (for
 * example `conductor:my_queue`, `kafka:orders`); `active` defaults to false, as
 * in Conductor, so a handler does nothing until it is switched on. Unknown
 * fields are kept so handlers round-trip unchanged.
 */
export const EventHandlerSchema = v.looseObject({
  name: requiredString("name"),
  event: requiredString("event"),
  condition: optionalString("condition"),
  evaluatorType: optionalString("evaluatorType"),
  actions: v.pipe(
    v.array(EventHandlerActionSchema, "actions must be an array"),
    v.minLength(1, "actions must hold at least one action"),
  ),
  active: v.optional(
    v.pipe(
      v.nullable(v.boolean("active must be true or false")),
      v.transform((active) => active ?? false),
    ),
    false,
  ),
  description: optionalString("description"),
});

export type EventHandler = v.InferOutput<typeof EventHandlerSchema>;
export type EventHandlerAction = v.InferOutput<typeof EventHandlerActionSchema>;

/** Validates an event handler, or throws a ValidationError naming each bad field (`actions[0].action`). */
export function parseEventHandler(input: unknown, root = ""): EventHandler {
  return parseOrThrow(EventHandlerSchema, input, "event handler", root);
}
