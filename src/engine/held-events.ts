import type { EventExecution, HeldTaskAction } from "../domain/event-handlers/events.ts";
import type { TaskTarget } from "../domain/event-handlers/target.ts";
import { heldEventKey } from "../projections/event-handlers.ts";

/** A complete_task / fail_task waiting for its task, with the execution it belongs to. */
export interface HeldAction {
  execution: EventExecution;
  held: HeldTaskAction;
}

/** How a hold ended: its task waits now (`ready`), never will (`gone`), or the hold time passed. */
export type HoldOutcome = Exclude<TaskTarget, { kind: "hold" }> | { kind: "expired"; reason: string };

export interface HeldEventsDeps {
  clock: () => number;
  /** Where the held action's task is now. */
  locate: (held: HeldTaskAction) => TaskTarget;
  /** Whether a change of `workflowId` may concern the held action. */
  concerns: (held: HeldTaskAction, workflowId: string) => boolean;
  /** Called exactly once per hold, when it ends. */
  settle: (action: HeldAction, outcome: HoldOutcome) => void;
}

/**
 * Event actions that arrived before their task was waiting. Conductor drops
 * them; Baton re-checks each when its workflow changes and gives up at
 * `held.until`. The set itself is in memory; it is rebuilt after a restart
 * from the recorded IN_PROGRESS executions (`hold` them again).
 */
export function createHeldEvents(deps: HeldEventsDeps) {
  const holds = new Map<string, { action: HeldAction; timer: ReturnType<typeof setTimeout> }>();

  function end(key: string, outcome: HoldOutcome): void {
    const entry = holds.get(key);
    if (!entry) return;
    holds.delete(key);
    clearTimeout(entry.timer);
    deps.settle(entry.action, outcome);
  }

  /** Settles the hold if its task moved on; synchronous, so no change can slip in between check and release. */
  function recheck(key: string): void {
    const entry = holds.get(key);
    if (!entry) return;
    const target = deps.locate(entry.action.held);
    if (target.kind !== "hold") end(key, target);
  }

  function expire(key: string): void {
    const entry = holds.get(key);
    if (!entry) return;
    const target = deps.locate(entry.action.held);
    end(key, target.kind === "hold" ? { kind: "expired", reason: target.reason } : target);
  }

  return {
    /** Starts holding `action` (once per execution) and checks it at once. */
    hold(action: HeldAction): void {
      const key = heldEventKey(action.execution.name, action.execution.id);
      if (holds.has(key)) return;
      const timer = setTimeout(() => expire(key), Math.max(0, action.held.until - deps.clock()));
      holds.set(key, { action, timer });
      recheck(key);
    },
    /** Re-checks the held actions a change of `workflowId` may concern. */
    workflowChanged(workflowId: string): void {
      for (const [key, entry] of [...holds]) if (deps.concerns(entry.action.held, workflowId)) recheck(key);
    },
    size: () => holds.size,
    /** Stops the timers; the holds stay recorded as IN_PROGRESS for the next start. */
    close(): void {
      for (const entry of holds.values()) clearTimeout(entry.timer);
      holds.clear();
    },
  };
}
