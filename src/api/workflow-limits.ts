import type { EngineDeps } from "../engine/engine.ts";
import type { Config } from "./config.ts";

/** The engine's workflow limits as the configuration sets them. */
export function workflowLimits(config: Config): Pick<EngineDeps, "limits"> {
  return {
    limits: {
      maxLoopIterations: config.BATON_MAX_LOOP_ITERATIONS,
      maxDecisionEvents: config.BATON_MAX_DECISION_EVENTS,
      maxDynamicForkBranches: config.BATON_MAX_DYNAMIC_FORK_BRANCHES,
      maxSubWorkflowDepth: config.BATON_MAX_SUBWORKFLOW_DEPTH,
    },
  };
}
