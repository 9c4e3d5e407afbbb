import type { Evaluation } from "../ports.ts";
import { unmet } from "./definition-check.ts";
import { evaluateJavascript } from "./evaluate-javascript.ts";
import { completed, failed } from "./outcomes.ts";
import type { SystemTaskStep, TaskTypeSpec } from "./spec.ts";

/** `$` is the whole task input; evaluatorType defaults to javascript (graaljs is the same engine). */
const runInline: SystemTaskStep = (_state, task, _wt, ctx) => {
  const input = task.inputData;
  const expression = String(input.expression ?? "");
  const type = String(input.evaluatorType ?? "javascript");
  let value: Evaluation<unknown>;
  if (type === "value-param") value = { ok: true, value: input[expression] ?? null };
  else if (type === "javascript" || type === "graaljs") value = evaluateJavascript(ctx, expression, input);
  else value = { ok: false, error: `Unknown evaluator '${type}' in INLINE task.` };
  if (!value.ok) return [failed(task, ctx, `INLINE evaluation failed: ${value.error}`, { error: value.error })];
  return [completed(task, ctx, { result: value.value ?? null })];
};

/** INLINE: evaluates its input `expression` in the sandbox; output {result}. */
export const inlineTask: TaskTypeSpec = {
  run: { kind: "decided", step: runInline },
  retry: "taskDef",
  check: (task) => unmet([typeof task.inputParameters?.expression === "string", "inputParameters.expression", "expression is required"]),
};
