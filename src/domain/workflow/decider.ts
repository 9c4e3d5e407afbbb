import type { Decider } from "../decider.ts";
import type { WorkflowCommand } from "./commands.ts";
import type { DecisionContext } from "./context.ts";
import { decide } from "./decide.ts";
import type { WorkflowEvent } from "./events.ts";
import { evolve } from "./evolve.ts";
import { type WorkflowReaction, workflowReactions } from "./reactions.ts";
import { initialWorkflowState, type WorkflowState } from "./state.ts";

/** One workflow instance (`workflow-<workflowId>`): Conductor's decider as a decider value. */
export const workflowDecider: Decider<WorkflowState, WorkflowCommand, WorkflowEvent, DecisionContext, WorkflowReaction> = {
  initialState: initialWorkflowState,
  evolve,
  decide,
  react: workflowReactions,
};
