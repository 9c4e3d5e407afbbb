import { unmet } from "./definition-check.ts";
import { completed, failed } from "./outcomes.ts";
import type { SystemTaskStep, TaskTypeSpec } from "./spec.ts";

/** The jq input is the whole task input (queryExpression included). */
const runJq: SystemTaskStep = (_state, task, _wt, ctx) => {
  const jq = ctx.evaluators?.jq;
  if (!jq) return [failed(task, ctx, "no jq evaluator is configured", { error: "no jq evaluator is configured" }, false)];
  const query = task.inputData.queryExpression;
  if (typeof query !== "string" || query.trim() === "") return [failed(task, ctx, "Missing 'queryExpression' in input parameters", {}, false)];
  const result = jq.evaluate(query, task.inputData);
  if (!result.ok) return [failed(task, ctx, result.error, { error: result.error }, false)];
  return [completed(task, ctx, { result: result.value[0] ?? null, resultList: result.value })];
};

/**
 * JSON_JQ_TRANSFORM: output {result, resultList}. Conductor fails it plain
 * FAILED, so a TaskDef's retries apply.
 */
export const jsonJqTransformTask: TaskTypeSpec = {
  run: { kind: "decided", step: runJq },
  retry: "taskDef",
  check: (task) =>
    unmet([typeof task.inputParameters?.queryExpression === "string", "inputParameters.queryExpression", "queryExpression is required"]),
};
