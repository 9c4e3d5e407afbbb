import type { Evaluation } from "../ports.ts";
import type { DecisionContext } from "../workflow/context.ts";

/** Evaluates user JavaScript with `$` bound to `input`, through the sandbox port. */
export function evaluateJavascript(ctx: DecisionContext, expression: string, input: unknown): Evaluation<unknown> {
  const evaluator = ctx.evaluators?.javascript;
  if (!evaluator) return { ok: false, error: "no JavaScript evaluator is configured" };
  return evaluator.evaluate(expression, { $: input });
}
