import * as v from "valibot";
import { jsonObject, requiredString, wholeNumber } from "./validate.ts";

export const RETRY_LOGICS = ["FIXED", "LINEAR_BACKOFF", "EXPONENTIAL_BACKOFF"] as const;
export const TASK_TIMEOUT_POLICIES = ["RETRY", "TIME_OUT_WF", "ALERT_ONLY"] as const;

/**
 * Conductor's `TaskDef`, with Conductor's field names and defaults. Unknown
 * fields are kept so definitions round-trip unchanged.
 */
export const TaskDefSchema = v.looseObject({
  name: requiredString("name"),
  description: v.optional(v.string("description must be a string")),
  retryCount: v.optional(wholeNumber("retryCount"), 3),
  retryLogic: v.optional(
    v.picklist(RETRY_LOGICS, `retryLogic must be one of ${RETRY_LOGICS.join(", ")}`),
    "FIXED",
  ),
  retryDelaySeconds: v.optional(wholeNumber("retryDelaySeconds"), 60),
  backoffScaleFactor: v.optional(
    v.pipe(v.number("backoffScaleFactor must be a number"), v.minValue(1, "backoffScaleFactor must be >= 1")),
    1,
  ),
  maxRetryDelaySeconds: v.optional(wholeNumber("maxRetryDelaySeconds"), 0),
  timeoutPolicy: v.optional(
    v.picklist(TASK_TIMEOUT_POLICIES, `timeoutPolicy must be one of ${TASK_TIMEOUT_POLICIES.join(", ")}`),
    "TIME_OUT_WF",
  ),
  timeoutSeconds: v.optional(wholeNumber("timeoutSeconds"), 0),
  responseTimeoutSeconds: v.optional(
    v.pipe(wholeNumber("responseTimeoutSeconds"), v.minValue(1, "responseTimeoutSeconds must be >= 1")),
    3600,
  ),
  pollTimeoutSeconds: v.optional(wholeNumber("pollTimeoutSeconds")),
  totalTimeoutSeconds: v.optional(wholeNumber("totalTimeoutSeconds"), 0),
  inputKeys: v.optional(v.array(v.string("inputKeys must hold strings"))),
  outputKeys: v.optional(v.array(v.string("outputKeys must hold strings"))),
  inputTemplate: v.optional(jsonObject("inputTemplate"), {}),
  concurrentExecLimit: v.optional(v.nullable(wholeNumber("concurrentExecLimit"))),
  rateLimitPerFrequency: v.optional(wholeNumber("rateLimitPerFrequency")),
  rateLimitFrequencyInSeconds: v.optional(wholeNumber("rateLimitFrequencyInSeconds")),
  ownerEmail: v.optional(v.string("ownerEmail must be a string")),
  isolationGroupId: v.optional(v.string()),
  executionNameSpace: v.optional(v.string()),
  createTime: v.optional(v.number()),
  updateTime: v.optional(v.number()),
  createdBy: v.optional(v.string()),
  updatedBy: v.optional(v.string()),
});

export type TaskDef = v.InferOutput<typeof TaskDefSchema>;

/** Conductor's defaults, parsed once: the decider and the timeout projection ask for them per task and per event. */
const DEFAULTS = v.parse(TaskDefSchema, { name: "default" });

/** The definition Baton uses for a SIMPLE task whose TaskDef was never registered. */
export function defaultTaskDef(name: string): TaskDef {
  // The only nested default is inputTemplate; each caller gets its own.
  return { ...DEFAULTS, name, inputTemplate: {} };
}
