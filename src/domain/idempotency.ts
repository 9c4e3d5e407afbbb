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
