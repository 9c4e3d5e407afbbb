import type { DecisionContext } from "../workflow/context.ts";
import type { WorkflowEvent } from "../workflow/events.ts";
import { nodeFor } from "../workflow/graph.ts";
import type { TaskState, WorkflowState } from "../workflow/state.ts";
import { failed } from "./outcomes.ts";

/** Conductor's reason (ForkJoinTaskMapper) when a fork's next task is not its JOIN. */
export const FORK_WITHOUT_JOIN_REASON = "Fork task definition is not followed by a join task.  Check the blueprint";

/**
 * Why a fork cannot run where it stands, or undefined when it can. Conductor
 * accepts a fork without a JOIN after it at registration and fails the
 * workflow when the fork is scheduled. Baton does the same, except for a fork
 * that ends the workflow (the Python SDK writes those): its branches run and
 * the workflow completes when they have all ended, as if a JOIN closed it.
 */
export function forkWithoutJoin(state: WorkflowState, task: TaskState): string | undefined {
  const node = nodeFor(state.definition, task.definitionRef ?? task.referenceTaskName);
  if (!node) return undefined;
  const next = node.list[node.index + 1];
  if (next?.type === "JOIN") return undefined;
  if (next === undefined && node.container.kind === "root") return undefined;
  return FORK_WITHOUT_JOIN_REASON;
}

/** The fork's failure when it cannot run where it stands (see forkWithoutJoin). */
export function forkWithoutJoinFailure(state: WorkflowState, task: TaskState, ctx: DecisionContext): WorkflowEvent[] | undefined {
  const problem = forkWithoutJoin(state, task);
  return problem === undefined ? undefined : [failed(task, ctx, problem)];
}
