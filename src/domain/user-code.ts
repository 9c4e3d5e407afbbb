/**
 * User code (INLINE and `javascript` evaluators, loop conditions, jq) as the
 * decider sees it when the engine runs it off the thread: `decide` is pure and
 * synchronous, so it cannot wait for a worker. It reads answers from a memo
 * instead; an answer it does not have yet stops the decision with
 * `EvaluationNeeded`, the engine runs that evaluation (time- and
 * memory-limited), records the answer and decides again. Results end up in the
 * events, so replaying a stream never runs user code.
 */
import type { Evaluation, JqEvaluator, ScriptEvaluator } from "./ports.ts";

/** One evaluation the decider asked for. */
export type UserCodeRequest =
  | { kind: "javascript"; expression: string; bindings: Record<string, unknown> }
  | { kind: "jq"; filter: string; input: unknown };

/**
 * Thrown by a memo evaluator for an evaluation it has no answer for. Not a
 * domain error: nothing in `src/domain` may catch it (the engine does).
 */
export class EvaluationNeeded extends Error {
  constructor(
    readonly request: UserCodeRequest,
    /** Where the answer goes in the memo. */
    readonly key: string,
  ) {
    super(`the decision needs a ${request.kind} evaluation first`);
    this.name = "EvaluationNeeded";
  }
}

/** Answers by key, filled by the engine across the re-runs of one command. */
export type EvaluationAnswers = ReadonlyMap<string, Evaluation<unknown>>;

export interface MemoLimits {
  /** Distinct evaluations one command may run; past it, evaluations fail with `exceeded`. */
  maxEvaluations: number;
  /** The error such an evaluation fails with (names the limit and its setting). */
  exceeded: string;
}

/**
 * Synchronous evaluators that answer from `answers` and throw
 * `EvaluationNeeded` for the rest. Make a new pair for every run of `decide`:
 * they count repeats, so the second identical evaluation in one decision is
 * its own evaluation (a script may return something new each time), and the same
 * evaluation in the next run finds the same answer.
 */
export function memoEvaluators(
  answers: EvaluationAnswers,
  limits: MemoLimits,
  available: { javascript: boolean; jq: boolean },
  /** Counts the evaluations this run has answered, so the decider can stop at a step boundary before the limit. */
  usage: { answered: number } = { answered: 0 },
): { javascript?: ScriptEvaluator; jq?: JqEvaluator } {
  const seen = new Map<string, number>();

  function answer(request: UserCodeRequest, subject: unknown, text: string): Evaluation<unknown> {
    let json: string;
    try {
      json = JSON.stringify(subject) ?? "undefined";
    } catch (error) {
      return { ok: false, error: `${request.kind} input is not JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
    const content = `${request.kind}\u0000${text}\u0000${json}`;
    const occurrence = (seen.get(content) ?? 0) + 1;
    seen.set(content, occurrence);
    const key = `${content}\u0000${occurrence}`;
    const known = answers.get(key);
    if (known !== undefined) {
      usage.answered++;
      return known;
    }
    if (answers.size >= limits.maxEvaluations) return { ok: false, error: limits.exceeded };
    throw new EvaluationNeeded(request, key);
  }

  return {
    ...(available.javascript
      ? { javascript: { evaluate: (expression, bindings) => answer({ kind: "javascript", expression, bindings }, bindings, expression) } }
      : {}),
    ...(available.jq
      ? { jq: { evaluate: (filter, input) => answer({ kind: "jq", filter, input }, input, filter) as Evaluation<unknown[]> } }
      : {}),
  };
}
