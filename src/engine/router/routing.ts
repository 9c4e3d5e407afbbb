import type { CompletionEvent } from "../../domain/router/completion.ts";
import { type RouterMappings, routeCompletion } from "../../domain/router/match.ts";
import type { EventSinkPolicy } from "../../domain/tasks/event.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import type { Complete } from "./complete.ts";
import type { CompletionHolds } from "./holds.ts";
import type { Origin } from "./origin.ts";
import type { RouterCounts } from "./stats.ts";
import type { UnmatchedRecords } from "./unmatched.ts";

export interface RoutingDeps {
  workflows: ReadonlyMap<string, WorkflowState>;
  mappings: RouterMappings;
  /** The engine's EVENT sink policy: which EVENT tasks wait for a reply. */
  policy: EventSinkPolicy;
  counts: RouterCounts;
  complete: Complete;
  holds: CompletionHolds;
  unmatched: UnmatchedRecords;
  /** Keep an early completion in hand this long, re-deciding at each change of its workflow, before holding it. */
  grace?: { ms: number; clock: () => number; nextChange: (workflowId: string, ms: number) => Promise<void> };
}

/**
 * What the router does with a completion event: find its task (the pure rules
 * of `routeCompletion`, over the read models), then send it to that task, hold
 * it until the task waits, or record why it matches nothing.
 */
export function createRouting({ workflows, mappings, policy, counts, complete, holds, unmatched, grace }: RoutingDeps) {
  return async function route(completion: CompletionEvent, origin: Origin, value: string): Promise<void> {
    if (holds.isHeld(origin.id)) {
      counts.duplicates++; // a redelivery of a message held already
      return;
    }
    const decide = () => routeCompletion(completion, workflows.get(completion.workflowId), mappings, policy);
    let decision = decide();
    if (decision.kind === "hold" && grace && grace.ms > 0) {
      const until = grace.clock() + grace.ms;
      for (let left = grace.ms; decision.kind === "hold" && left > 0; left = until - grace.clock()) {
        await grace.nextChange(completion.workflowId, left);
        decision = decide();
      }
    }
    switch (decision.kind) {
      case "ready":
      case "duplicate":
        // The read models may lag: the workflow decider has the last word on repeats and late messages.
        await complete(completion, origin, decision.taskId, value);
        return;
      case "hold":
        return holds.hold(completion, origin, decision);
      case "gone":
      case "unknown_workflow":
      case "no_task":
        return unmatched.record(origin, value, decision.kind, decision.reason, completion);
      default: {
        const _exhaustive: never = decision;
        return _exhaustive;
      }
    }
  };
}

export type Route = ReturnType<typeof createRouting>;
