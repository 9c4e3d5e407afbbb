/**
 * The user-code runner for runtimes without worker threads (workerd) and for
 * tests: the synchronous sandboxes, called on the caller's thread. QuickJS's
 * interrupt still stops a runaway script at its time limit; a jq filter that
 * never ends blocks the thread (jq has no interrupt).
 */
import type { JqEvaluator, ScriptEvaluator, UserCodeRunner } from "../../domain/ports.ts";

export function inThreadUserCode(evaluators: { javascript?: ScriptEvaluator; jq?: JqEvaluator } = {}): UserCodeRunner {
  const { javascript, jq } = evaluators;
  return {
    ...(javascript ? { javascript: async (expression: string, bindings: Record<string, unknown>) => javascript.evaluate(expression, bindings) } : {}),
    ...(jq ? { jq: async (filter: string, input: unknown) => jq.evaluate(filter, input) } : {}),
    close: async () => {},
  };
}
