import type { Decider } from "./decider.ts";
import { ConflictError } from "./errors.ts";
import type { IdempotencyStrategy } from "./definitions/requests.ts";
import type { WorkflowStatus } from "./workflow/status.ts";

/** Recorded in an idempotency stream when a start claims the key for a workflow id. */
export interface IdempotencyKeyClaimed {
  type: "IdempotencyKeyClaimed";
  data: { workflowName: string; key: string; workflowId: string; time: number };
}

/** What to do with a start that carries a key already claimed by `existing`. */
export type IdempotencyDecision = { kind: "start" } | { kind: "return_existing"; workflowId: string };

/**
 * Orkes' idempotency rules, which Conductor OSS accepts but does not enforce:
 * FAIL rejects any second start with the key; RETURN_EXISTING answers with the
 * first workflow's id; FAIL_ON_RUNNING rejects only while that workflow is
 * RUNNING or PAUSED.
 */
export function decideIdempotentStart(
  strategy: IdempotencyStrategy,
  key: string,
  existing: { workflowId: string; status: WorkflowStatus } | undefined,
): IdempotencyDecision {
  if (existing === undefined) return { kind: "start" };
  switch (strategy) {
    case "FAIL":
      throw new ConflictError(`idempotencyKey '${key}' was already used by workflow ${existing.workflowId}`);
    case "RETURN_EXISTING":
      return { kind: "return_existing", workflowId: existing.workflowId };
    case "FAIL_ON_RUNNING":
      if (existing.status === "RUNNING" || existing.status === "PAUSED") {
        throw new ConflictError(
          `idempotencyKey '${key}' belongs to workflow ${existing.workflowId}, which is still ${existing.status}`,
        );
      }
      return { kind: "start" };
    default: {
      const _exhaustive: never = strategy;
      return _exhaustive;
    }
  }
}

/** The claim an idempotency stream holds (`idempotency-<[name, key]>`). */
export interface IdempotencyState {
  revision: number;
  claim?: IdempotencyKeyClaimed["data"];
}

export interface ClaimIdempotencyKey {
  type: "ClaimIdempotencyKey";
  workflowName: string;
  key: string;
  /** The id the new workflow would get. */
  workflowId: string;
  strategy: IdempotencyStrategy;
}

/** The time, and what the read side knows of the workflow an earlier claim names. */
export interface IdempotencyContext {
  now: number;
  workflowOf: (workflowId: string) => { workflowId: string; status: WorkflowStatus } | undefined;
}

/**
 * Claims a key for a new workflow, or leaves the earlier claim in place
 * (RETURN_EXISTING: no events, the state names the existing workflow).
 */
export const idempotencyDecider: Decider<IdempotencyState, ClaimIdempotencyKey, IdempotencyKeyClaimed, IdempotencyContext> = {
  initialState: { revision: -1 },
  evolve: (state, event) => ({ revision: state.revision + 1, claim: event.data }),
  decide(command, state, context) {
    const existing = state.claim ? context.workflowOf(state.claim.workflowId) : undefined;
    const decision = decideIdempotentStart(command.strategy, command.key, existing);
    if (decision.kind === "return_existing") return [];
    const { workflowName, key, workflowId } = command;
    return [{ type: "IdempotencyKeyClaimed", data: { workflowName, key, workflowId, time: context.now } }];
  },
};
