import type { Bus, EventStore } from "../../domain/ports.ts";
import type { UnmatchedCompletion } from "../../domain/router/events.ts";
import type { RouterMappings } from "../../domain/router/match.ts";
import type { EventSinkPolicy } from "../../domain/tasks/event.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import { DEFAULT_HOLD_MS } from "../task-holds.ts";
import { createWaiters } from "../waiters.ts";
import { createCompleter, type TaskCompleter } from "./complete.ts";
import { consumeCompletions } from "./consumer.ts";
import { openCompletionHolds } from "./holds.ts";
import { createRouterLog } from "./origin.ts";
import { createRouting } from "./routing.ts";
import { createRouterCounts, type RouterStats } from "./stats.ts";
import { createUnmatchedRecords } from "./unmatched.ts";

export { ROUTER_WORKER_ID } from "./complete.ts";
export { ROUTER_SUBSCRIBER } from "./consumer.ts";
export type { RouterStats } from "./stats.ts";

/** How long an early completion is kept in hand before it is held and recorded. */
export const DEFAULT_HOLD_GRACE_MS = 500;

/** The topic the seed system's services publish completions on. */
export const DEFAULT_ROUTER_TOPIC = "conductor-events";

/** What the router needs from the engine (the `Engine` has all of it). */
export interface RouterEngine extends TaskCompleter {
  models: { workflows: ReadonlyMap<string, WorkflowState> };
  clock: () => number;
  /** Which EVENT tasks wait for a reply (the engine runs them by the same policy); Conductor's rule when absent. */
  eventSinks?: EventSinkPolicy;
  onWorkflowChange(listener: (workflow: WorkflowState) => void): () => void;
}

export interface EventRouterDeps {
  engine: RouterEngine;
  bus: Bus;
  /** Where the router keeps unmatched messages and open holds. */
  store: EventStore;
  /** Completion topic; `conductor-events` by default. */
  topic?: string;
  /** Event type -> task reference, tried after the task named by the event and the EVENT sinks. */
  mappings?: RouterMappings;
  /** How long a completion whose task does not wait yet is held (5 minutes by default). */
  holdMs?: number;
  /**
   * How long a completion whose task does not wait yet is kept in hand, unrecorded,
   * before it is held (500 ms by default; 0: hold at once). A reply usually beats its
   * EVENT task by a few milliseconds; waiting here saves the hold's two appends, and
   * the message's source (an uncommitted Kafka offset) still has it if the process dies.
   */
  holdGraceMs?: number;
  /** A message nested deeper is recorded as malformed and dead-lettered (BATON_MAX_JSON_DEPTH; 128 by default). */
  maxJsonDepth?: number;
  /** Completions handled at once per partition, in order per workflow (BATON_ROUTER_CONCURRENCY; 32 by default, 1: one at a time). */
  concurrency?: number;
  newId?: () => string;
  logError?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The sink-pattern event router, an application service over the Bus and
 * EventStore ports and the engine: it consumes completion events
 * (`{workflowId, taskId?, taskRefName?, eventType, data: {status, ...}}`) from
 * one topic (consumer.ts), finds the task each is for (routing.ts), and
 * completes or fails it with a command the workflow decider rules on
 * (complete.ts). Completions for tasks that do not wait yet are held
 * (holds.ts), messages it cannot apply recorded in `router-unmatched`
 * (unmatched.ts), and what happened counted (stats.ts).
 */
export async function createEventRouter(deps: EventRouterDeps) {
  const { engine, bus, store } = deps;
  const topic = deps.topic ?? DEFAULT_ROUTER_TOPIC;
  const clock = engine.clock;
  const logError = deps.logError ?? (() => {});
  const counts = createRouterCounts();
  const log = createRouterLog(store, deps.newId ?? (() => crypto.randomUUID()));
  const unmatched = createUnmatchedRecords({ store, log, counts, clock });
  const complete = createCompleter({ engine, counts, unmatched });
  const workflows = engine.models.workflows;
  const holds = await openCompletionHolds({
    workflows,
    store,
    log,
    clock,
    holdMs: deps.holdMs ?? DEFAULT_HOLD_MS,
    counts,
    unmatched,
    complete,
    logError,
  });
  /** Callers waiting, per workflow, for its next change (the hold grace). */
  const changes = createWaiters();
  const nextChange = (workflowId: string, ms: number) => changes.wait(workflowId, performance.now() + ms, () => performance.now());
  const route = createRouting({
    workflows,
    mappings: deps.mappings ?? {},
    policy: engine.eventSinks ?? {},
    counts,
    complete,
    holds,
    unmatched,
    grace: { ms: deps.holdGraceMs ?? DEFAULT_HOLD_GRACE_MS, clock: () => performance.now(), nextChange },
  });
  const stopListening = engine.onWorkflowChange((workflow) => {
    changes.notify(workflow.workflowId);
    holds.workflowChanged(workflow.workflowId);
  });
  const subscription = consumeCompletions({ bus, topic, route, unmatched, counts, maxJsonDepth: deps.maxJsonDepth, concurrency: deps.concurrency });

  return {
    topic,
    /** Resolves once messages published from now on reach the router (a Kafka consumer has joined its group). */
    ready: subscription.ready ?? Promise.resolve(),
    stats: (): RouterStats => ({ topic, ...counts, holding: holds.size() }),
    /** Unmatched messages, newest first. */
    unmatched: (limit = 100): Promise<UnmatchedCompletion[]> => unmatched.list(limit),
    /** Stops consuming; open holds stay recorded for the next start. */
    async close(): Promise<void> {
      stopListening();
      holds.close();
      changes.notifyAll();
      await subscription.close();
    },
  };
}

export type EventRouter = Awaited<ReturnType<typeof createEventRouter>>;
