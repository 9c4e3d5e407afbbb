/**
 * What the decider needs from outside, passed in so the domain stays pure:
 * the time of the command, a source of fresh ids, and the limits it runs under.
 */
import type { TaskDef } from "../definitions/task-def.ts";
import type { JqEvaluator, ScriptEvaluator } from "../ports.ts";
import type { WorkflowLimits } from "./limits.ts";

export interface DecisionContext {
  /** Epoch milliseconds at which the command is decided. */
  now: number;
  /** Returns a new unique id (task ids, failure-workflow ids). */
  newId: () => string;
  /** Sandboxed evaluators for INLINE, javascript SWITCH/DECISION, loop conditions and jq. */
  evaluators?: { javascript?: ScriptEvaluator; jq?: JqEvaluator };
  /** Registered task definitions, for tasks whose name is decided at run time (DYNAMIC). */
  taskDef?: (name: string) => TaskDef | undefined;
  /** Structural bounds (limits.ts); a limit not given takes its default. */
  limits?: Partial<WorkflowLimits>;
  /**
   * True once the decision has used as much of a budget kept outside the
   * decider as it should (the engine's user-code evaluations per command):
   * `advance` then defers the rest at the next step, as at its event budget.
   */
  budgetSpent?: () => boolean;
}
