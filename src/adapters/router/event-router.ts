import type { TaskResult } from "../../domain/definitions/requests.ts";
import type { HeldTaskAction } from "../../domain/event-handlers/events.ts";
import type { TaskTarget } from "../../domain/event-handlers/target.ts";
import { ValidationError } from "../../domain/errors.ts";
import type { Bus, DeliveredMessage, EventSource, EventStore } from "../../domain/ports.ts";
import { type CompletionEvent, completionOutcome, parseCompletion } from "../../domain/router/completion.ts";
import {
  type HeldCompletion,
  type HoldRelease,
  openHolds,
  type RouterEvent,
  type RouterMessage,
  routerMessageId,
  type UnmatchedCause,
  type UnmatchedCompletion,
} from "../../domain/router/events.ts";
import { locateTarget, type RouterMappings, routeCompletion, type TargetState } from "../../domain/router/match.ts";
import { ROUTER_HOLDS_STREAM, ROUTER_UNMATCHED_STREAM } from "../../domain/streams.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import { DEFAULT_HOLD_MS } from "../../engine/event-handlers.ts";
import { createHeldEvents, type HoldOutcome } from "../../engine/held-events.ts";
import { createKeyedLock } from "../../engine/keyed-lock.ts";

/** The topic the seed system's services publish completions on. */
export const DEFAULT_ROUTER_TOPIC = "conductor-events";

/** The router's subscriber name on the bus (its Kafka consumer group is derived from it). */
export const ROUTER_SUBSCRIBER = "router";

/** The worker id completions applied by the router carry. */
export const ROUTER_WORKER_ID = "baton:router";

/** What the router needs from the engine (the `Engine` has all of it). */
export interface RouterEngine {
  models: { workflows: ReadonlyMap<string, WorkflowState> };
  clock: () => number;
  updateTask(result: TaskResult, source: EventSource): Promise<unknown>;
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
  newId?: () => string;
  logError?: (message: string, fields?: Record<string, unknown>) => void;
}

/** Counts since this router started. */
export interface RouterStats {
  topic: string;
  /** Completions applied to a task (completed plus failed). */
  matched: number;
  completed: number;
  /** Completions whose `data.status` failed their task. */
  failed: number;
  /** Completions for a task that had already ended: changed nothing. */
  duplicates: number;
  /** Completions held because their task did not wait yet (each counted once). */
  held: number;
  /** Holds open now. */
  holding: number;
  /** Holds given up after the hold time (also counted in `unmatched`). */
  expired: number;
  /** Messages recorded in `router-unmatched` (malformed and expired ones included). */
  unmatched: number;
  malformed: number;
}

/** A message as the router refers to it. */
interface Origin {
  id: string;
  message: RouterMessage;
}

const VALUE_LIMIT = 4096;
const RETRY_HOLD_MS = 1000;
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The sink-pattern event router: consumes completion events
 * (`{workflowId, taskId?, taskRefName?, eventType, data: {status, ...}}`) from
 * one bus topic and completes or fails the task waiting for them (see
 * `routeCompletion` for the matching rules). Completions for tasks that do not
 * wait yet are held with the event handlers' holding mechanism, and recorded in
 * `router-holds` so they survive a restart; messages it cannot apply are
 * recorded in `router-unmatched`. Each message's handler settles only after what
 * it caused is appended, so a bus that commits after the handler loses nothing.
 */
export async function createEventRouter(deps: EventRouterDeps) {
  const { engine, bus, store } = deps;
  const topic = deps.topic ?? DEFAULT_ROUTER_TOPIC;
  const mappings = deps.mappings ?? {};
  const holdMs = deps.holdMs ?? DEFAULT_HOLD_MS;
  const clock = engine.clock;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const logError = deps.logError ?? (() => {});
  const withLock = createKeyedLock();
  const counts = { matched: 0, completed: 0, failed: 0, duplicates: 0, held: 0, expired: 0, unmatched: 0, malformed: 0 };
  /** Open holds by message id; the entry stays until the release is recorded. */
  const pending = new Map<string, HeldCompletion>();
  const retries = new Set<ReturnType<typeof setTimeout>>();
  let closed = false;

  const sourceOf = (origin: Origin): EventSource => ({ kind: "router", detail: origin.id, message: origin.message });

  async function append(streamId: string, event: RouterEvent, origin: Origin): Promise<void> {
    await store.append(
      streamId,
      [{ id: newId(), type: event.type, data: event.data, metadata: { causationId: `router:${origin.id}`, source: sourceOf(origin) } }],
      "any",
    );
  }

  async function recordUnmatched(origin: Origin, value: string, cause: UnmatchedCause, reason: string, completion?: CompletionEvent) {
    const data: UnmatchedCompletion = { messageId: origin.id, message: origin.message, cause, reason, value: value.slice(0, VALUE_LIMIT), time: clock() };
    if (completion) {
      data.workflowId = completion.workflowId;
      data.eventType = completion.eventType;
      if (completion.taskId !== undefined) data.taskId = completion.taskId;
      if (completion.taskRefName !== undefined) data.taskRefName = completion.taskRefName;
    }
    await append(ROUTER_UNMATCHED_STREAM, { type: "CompletionUnmatched", data }, origin);
    counts.unmatched++;
  }

  /** Completes or fails `taskId` with the completion, the message as its source. */
  async function apply(completion: CompletionEvent, origin: Origin, taskId: string): Promise<void> {
    const outcome = completionOutcome(completion);
    await engine.updateTask(
      {
        workflowInstanceId: completion.workflowId,
        taskId,
        status: outcome.status,
        outputData: completion.data,
        reasonForIncompletion: outcome.status === "FAILED" ? outcome.reason : undefined,
        callbackAfterSeconds: 0,
        logs: [],
        workerId: ROUTER_WORKER_ID,
      },
      sourceOf(origin),
    );
    counts.matched++;
    if (outcome.status === "FAILED") counts.failed++;
    else counts.completed++;
  }

  // ---- holding (the event handlers' mechanism: re-check on each change of the workflow, give up at `until`) ----

  const holds = createHeldEvents({
    clock,
    locate: (held) => asTaskTarget(held),
    concerns: (held, workflowId) => held.task.workflowId === workflowId,
    settle: (action, outcome) => void settleHold(action.execution.messageId, outcome),
  });

  function locateHeld(workflowId: string, target: HeldCompletion["target"]): TargetState {
    const workflow = engine.models.workflows.get(workflowId);
    return workflow ? locateTarget(workflow, target) : { kind: "gone", reason: `No such workflow found by id: ${workflowId}` };
  }

  function asTaskTarget(held: HeldTaskAction): TaskTarget {
    const workflowId = held.task.workflowId ?? "";
    const target = held.task.taskId !== undefined ? { taskId: held.task.taskId } : { taskRefName: held.task.taskRefName ?? "" };
    const state = locateHeld(workflowId, target);
    if (state.kind === "ready") return { kind: "ready", workflowId, taskId: state.taskId };
    return state.kind === "hold" ? state : { kind: "gone", reason: state.reason };
  }

  function startHolding(hold: HeldCompletion): void {
    if (closed) return;
    pending.set(hold.messageId, hold);
    const failing = completionOutcome(hold.completion).status === "FAILED";
    holds.hold({
      execution: {
        id: hold.messageId,
        messageId: hold.messageId,
        name: ROUTER_WORKER_ID,
        event: hold.message.topic,
        created: hold.heldAt,
        status: "IN_PROGRESS",
        action: failing ? "fail_task" : "complete_task",
        output: {},
      },
      held: {
        action: failing ? "fail_task" : "complete_task",
        task: { workflowId: hold.completion.workflowId, ...hold.target, output: hold.completion.data },
        until: hold.until,
      },
    });
  }

  async function hold(completion: CompletionEvent, origin: Origin, decision: Extract<ReturnType<typeof routeCompletion>, { kind: "hold" }>) {
    const now = clock();
    const record: HeldCompletion = {
      messageId: origin.id,
      message: origin.message,
      completion,
      rule: decision.rule,
      target: decision.target,
      reason: decision.reason,
      heldAt: now,
      until: now + holdMs,
    };
    // Recorded before the handler settles: a restart re-holds it from the log.
    await append(ROUTER_HOLDS_STREAM, { type: "CompletionHeld", data: record }, origin);
    counts.held++;
    startHolding(record);
  }

  /** A hold ended: apply it (its task waits now), count it as a repeat, or record why it never applied. */
  async function settleHold(messageId: string, outcome: HoldOutcome): Promise<void> {
    const record = pending.get(messageId);
    if (!record || closed) return;
    const origin: Origin = { id: record.messageId, message: record.message };
    const { completion } = record;
    try {
      const released = await withLock(completion.workflowId, async (): Promise<{ outcome: HoldRelease; reason?: string } | undefined> => {
        if (outcome.kind === "expired") {
          const reason = `held for ${holdMs / 1000} s, but ${outcome.reason}; giving up`;
          await recordUnmatched(origin, JSON.stringify(completion), "expired", reason, completion);
          counts.expired++;
          return { outcome: "expired", reason };
        }
        // Located again under the lock: the workflow may have moved since the hold ended.
        const state = locateHeld(completion.workflowId, record.target);
        switch (state.kind) {
          case "ready":
            await apply(completion, origin, state.taskId);
            return { outcome: "applied" };
          case "duplicate":
            counts.duplicates++;
            return { outcome: "duplicate", reason: state.reason };
          case "gone":
            await recordUnmatched(origin, JSON.stringify(completion), "gone", state.reason, completion);
            return { outcome: "gone", reason: state.reason };
          case "hold":
            return undefined;
          default: {
            const _exhaustive: never = state;
            return _exhaustive;
          }
        }
      });
      if (!released) return startHolding(record);
      await append(ROUTER_HOLDS_STREAM, { type: "HeldCompletionReleased", data: { messageId, ...released, time: clock() } }, origin);
      pending.delete(messageId);
    } catch (error) {
      // Still recorded as held: tried again shortly (and after a restart).
      logError("event router: applying a held completion failed", { messageId, error: errorText(error) });
      const retry = setTimeout(() => {
        retries.delete(retry);
        startHolding(record);
      }, RETRY_HOLD_MS);
      retries.add(retry);
    }
  }

  // ---- messages ----------------------------------------------------------

  async function route(completion: CompletionEvent, origin: Origin, value: string): Promise<void> {
    if (pending.has(origin.id)) {
      counts.duplicates++; // a redelivery of a message held already
      return;
    }
    const decision = routeCompletion(completion, engine.models.workflows.get(completion.workflowId), mappings);
    switch (decision.kind) {
      case "ready":
        return apply(completion, origin, decision.taskId);
      case "duplicate":
        counts.duplicates++;
        return;
      case "hold":
        return hold(completion, origin, decision);
      case "gone":
      case "unknown_workflow":
      case "no_task":
        return recordUnmatched(origin, value, decision.kind, decision.reason, completion);
      default: {
        const _exhaustive: never = decision;
        return _exhaustive;
      }
    }
  }

  async function onMessage(message: DeliveredMessage): Promise<void> {
    const routerMessage: RouterMessage = { topic: message.topic, partition: message.partition, offset: message.offset };
    if (message.key !== undefined) routerMessage.key = message.key;
    const origin: Origin = { id: routerMessageId(routerMessage), message: routerMessage };
    const parsed = parseCompletion(message.value);
    if (!parsed.ok) {
      await recordUnmatched(origin, message.value, "malformed", parsed.reason);
      counts.malformed++;
      // Thrown so the bus adapter dead-letters the message; it is recorded above either way.
      throw new ValidationError(`event router: message ${origin.id} is not a completion event: ${parsed.reason}`, [
        { path: "(message)", message: parsed.reason },
      ]);
    }
    const completion = parsed.value;
    await withLock(completion.workflowId, () => route(completion, origin, message.value));
  }

  // ---- start ------------------------------------------------------------

  const recorded = await store.readStream(ROUTER_HOLDS_STREAM);
  for (const held of openHolds(recorded as unknown as RouterEvent[])) startHolding(held);
  const stopListening = engine.onWorkflowChange((workflow) => holds.workflowChanged(workflow.workflowId));
  // Its own subscriber name: event handlers listening on the same topic each still see every message.
  const subscription = bus.subscribe(topic, onMessage, { group: ROUTER_SUBSCRIBER });

  return {
    topic,
    /** Resolves once messages published from now on reach the router (a Kafka consumer has joined its group). */
    ready: subscription.ready ?? Promise.resolve(),
    stats: (): RouterStats => ({ topic, ...counts, holding: pending.size }),
    /** Unmatched messages, newest first. */
    async unmatched(limit = 100): Promise<UnmatchedCompletion[]> {
      const events = await store.readStream(ROUTER_UNMATCHED_STREAM, { direction: "backwards", maxCount: limit });
      return events.filter((event) => event.type === "CompletionUnmatched").map((event) => event.data as UnmatchedCompletion);
    },
    /** Stops consuming; open holds stay recorded for the next start. */
    async close(): Promise<void> {
      closed = true;
      stopListening();
      holds.close();
      for (const retry of retries) clearTimeout(retry);
      await subscription.close();
    },
  };
}

export type EventRouter = Awaited<ReturnType<typeof createEventRouter>>;
