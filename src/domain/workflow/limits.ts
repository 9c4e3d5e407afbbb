import type { DecisionContext } from "./context.ts";

/**
 * Structural bounds on what one workflow may make the engine do, so a loop
 * that never ends, a fork over a huge list or a workflow that starts itself
 * fails with a clear reason instead of eating the server. The engine reads
 * them from its configuration and passes them in through the decision context.
 */
export interface WorkflowLimits {
  /** Iterations one DO_WHILE may run (its `items` may hold at most this many). */
  maxLoopIterations: number;
  /** Events one decision emits before it stops and the engine continues it in a follow-up command. */
  maxDecisionEvents: number;
  /** Branches one FORK_JOIN_DYNAMIC may start. */
  maxDynamicForkBranches: number;
  /** How deep sub-workflows may nest below a workflow started from outside (recursion included). */
  maxSubWorkflowDepth: number;
}

export const DEFAULT_WORKFLOW_LIMITS: Readonly<WorkflowLimits> = Object.freeze({
  maxLoopIterations: 1000,
  maxDecisionEvents: 250,
  maxDynamicForkBranches: 1000,
  maxSubWorkflowDepth: 32,
});

/** The setting each limit is configured with, named in the errors users see. */
export const LIMIT_SETTINGS: Readonly<Record<keyof WorkflowLimits, string>> = Object.freeze({
  maxLoopIterations: "BATON_MAX_LOOP_ITERATIONS",
  maxDecisionEvents: "BATON_MAX_DECISION_EVENTS",
  maxDynamicForkBranches: "BATON_MAX_DYNAMIC_FORK_BRANCHES",
  maxSubWorkflowDepth: "BATON_MAX_SUBWORKFLOW_DEPTH",
});

/** The limit `name` a decision runs under: the context's, else the default. */
export function limitOf(ctx: Pick<DecisionContext, "limits">, name: keyof WorkflowLimits): number {
  return ctx.limits?.[name] ?? DEFAULT_WORKFLOW_LIMITS[name];
}
