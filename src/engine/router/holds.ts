import type { EventStore } from "../../domain/ports.ts";
import type { CompletionEvent } from "../../domain/router/completion.ts";
import { type HeldCompletion, openHolds, type RouterEvent } from "../../domain/router/events.ts";
import { locateTarget, type RouteDecision, type TargetState } from "../../domain/router/match.ts";
import { ROUTER_HOLDS_STREAM } from "../../domain/streams.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import { createTaskHolds, type HoldEnd } from "../task-holds.ts";
import type { Complete, CompletionResult } from "./complete.ts";
import type { Origin, RouterLog } from "./origin.ts";
import type { RouterCounts } from "./stats.ts";
import type { UnmatchedRecords } from "./unmatched.ts";

type Released = HoldEnd<Exclude<TargetState, { kind: "hold" }>>;

export interface CompletionHoldsDeps {
  workflows: ReadonlyMap<string, WorkflowState>;
  store: EventStore;
  log: RouterLog;
  clock: () => number;
  holdMs: number;
  counts: RouterCounts;
  unmatched: UnmatchedRecords;
  complete: Complete;
  logError: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Completions whose task does not wait yet, held with the engine's holding
 * mechanism (task-holds.ts) and recorded in `router-holds` (`CompletionHeld`,
 * then `HeldCompletionReleased` with how it ended), so a restart holds again
 * what was open. Starts by holding again what the stream leaves open.
 */
export async function openCompletionHolds(deps: CompletionHoldsDeps) {
  const { log, clock, counts, unmatched } = deps;
  const originOf = (held: HeldCompletion): Origin => ({ id: held.messageId, message: held.message });

  function locate(held: HeldCompletion): TargetState {
    const workflow = deps.workflows.get(held.completion.workflowId);
    return workflow ? locateTarget(workflow, held.target) : { kind: "gone", reason: `No such workflow found by id: ${held.completion.workflowId}` };
  }

  /** Applies the hold (its task waits, or ended meanwhile: the decider says which) or records why it never will be. */
  async function release(held: HeldCompletion, end: Released): Promise<void> {
    const origin = originOf(held);
    const value = JSON.stringify(held.completion);
    let result: CompletionResult | { outcome: "expired"; reason: string };
    switch (end.kind) {
      case "ready":
      case "duplicate":
        result = await deps.complete(held.completion, origin, end.taskId, value);
        break;
      case "gone":
        await unmatched.record(origin, value, "gone", end.reason, held.completion);
        result = { outcome: "gone", reason: end.reason };
        break;
      case "expired":
        await unmatched.record(origin, value, "expired", end.reason, held.completion);
        counts.expired++;
        result = { outcome: "expired", reason: end.reason };
        break;
      default: {
        const _exhaustive: never = end;
        return _exhaustive;
      }
    }
    await log(ROUTER_HOLDS_STREAM, { type: "HeldCompletionReleased", data: { messageId: held.messageId, ...result, time: clock() } }, origin);
  }

  const holds = createTaskHolds<HeldCompletion, Exclude<TargetState, { kind: "hold" }>>({
    clock,
    holdMs: deps.holdMs,
    keyOf: (held) => held.messageId,
    untilOf: (held) => held.until,
    locate,
    concerns: (held, workflowId) => held.completion.workflowId === workflowId,
    recordHold: (held) => log(ROUTER_HOLDS_STREAM, { type: "CompletionHeld", data: held }, originOf(held)),
    release,
    logError: deps.logError,
  });

  holds.recover(openHolds((await deps.store.readStream(ROUTER_HOLDS_STREAM)) as unknown as RouterEvent[]));

  return {
    /** True while the message is held (or being released): a redelivery of it changes nothing. */
    isHeld: (messageId: string) => holds.has(messageId),
    /** Holds a completion routing found early; resolves once the hold is recorded. */
    async hold(completion: CompletionEvent, origin: Origin, decision: Extract<RouteDecision, { kind: "hold" }>): Promise<void> {
      const now = clock();
      await holds.hold({
        messageId: origin.id,
        message: origin.message,
        completion,
        rule: decision.rule,
        target: decision.target,
        reason: decision.reason,
        heldAt: now,
        until: holds.deadline(),
      });
      counts.held++;
    },
    workflowChanged: (workflowId: string) => holds.workflowChanged(workflowId),
    size: () => holds.size(),
    close: () => holds.close(),
  };
}

export type CompletionHolds = Awaited<ReturnType<typeof openCompletionHolds>>;
