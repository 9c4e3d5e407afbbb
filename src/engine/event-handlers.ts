import * as v from "valibot";
import { StartWorkflowRequestSchema } from "../domain/definitions/requests.ts";
import { conditionMet, expandInlineJson, parsePayload, type ResolvedAction, resolveAction, variablesToSet } from "../domain/event-handlers/actions.ts";
import type { EventHandlerCommand } from "../domain/event-handlers/decider.ts";
import type { EventExecution, EventExecutionEvent, EventHandlerEvent, HeldTaskAction } from "../domain/event-handlers/events.ts";
import type { EventHandler, EventHandlerAction } from "../domain/event-handlers/schema.ts";
import { NotFoundError } from "../domain/errors.ts";
import { DEFAULT_MAX_JSON_DEPTH, depthExcessMessage, jsonTextDepthExcess } from "../domain/json-depth.ts";
import type { Bus, BusSubscription, DeliveredMessage, EventSource, EventStore, Evaluation, RecordedEvent, UserCodeRunner } from "../domain/ports.ts";
import { EVENT_HANDLER_STREAM_PREFIX, eventExecutionStream } from "../domain/streams.ts";
import { eventHandlerCategory } from "../projections/stream-categories.ts";
import type { ReadModelChange, ReadModels } from "../projections/read-models.ts";
import { createCommandHandler } from "./command-handler.ts";
import { createTaskActions, type ExecutionBase, type WorkflowOperations } from "./event-task-actions.ts";
import { createKeyedLock } from "./keyed-lock.ts";
import { DEFAULT_HOLD_MS } from "./task-holds.ts";

export interface EventHandlerOptions {
  /** How long a complete_task / fail_task whose task is not waiting yet is held before it fails. */
  holdMs?: number;
  /** A message nested deeper is not acted on: each handler records a FAILED execution saying so (BATON_MAX_JSON_DEPTH; 128 by default). */
  maxJsonDepth?: number;
}

export interface EventHandlerDeps extends EventHandlerOptions {
  store: EventStore;
  bus: Bus;
  /** The engine's read models (handlers, executions, held events, workflows), kept current by the engine. */
  models: ReadModels;
  workflows: WorkflowOperations;
  /** Resolves once the read models include `position` (read-your-writes). */
  caughtUpTo: (position: number | undefined) => Promise<void>;
  /** Runs handler conditions (off the thread in servers); a handler with a condition fails clearly without JavaScript. */
  userCode?: UserCodeRunner;
  clock: () => number;
  newId: () => string;
  logError: (message: string, fields?: Record<string, unknown>) => void;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Conductor's event handlers: registry commands, one bus subscription per
 * topic the active handlers' `event`s name (`kafka:orders` and `orders` are one
 * topic, so one subscription, one consumer group on Kafka), and the actions each message
 * triggers. Every outcome is recorded as an `EventExecution` in
 * `eventexecution-<handler>`; complete_task / fail_task actions whose task is
 * not waiting yet are held (see event-task-actions.ts, task-holds.ts). The engine calls `observe`
 * after each event it applies.
 */
export function createEventHandlers(deps: EventHandlerDeps) {
  const { models, workflows, clock } = deps;
  const holdMs = deps.holdMs ?? DEFAULT_HOLD_MS;
  const handle = createCommandHandler({ store: deps.store, newId: deps.newId });
  const withLock = createKeyedLock();
  /** By topic (not by `event`: two spellings of one topic must not be two consumers sharing a Kafka group). */
  const subscriptions = new Map<string, BusSubscription>();
  const topicOf = (event: string): string => {
    try {
      return deps.bus.topicFor?.(event) ?? event;
    } catch {
      return event; // a name the bus cannot carry: subscribing to it reports why
    }
  };
  const startedAt = clock();
  let closed = false;

  // ---- registry ----------------------------------------------------------

  async function runRegistryCommand(name: string, command: EventHandlerCommand, source: EventSource): Promise<void> {
    const result = await withLock(`eventhandler:${name}`, () =>
      handle(eventHandlerCategory.decider, eventHandlerCategory.streamOf(name), command, () => ({ now: clock() }), { source }),
    );
    await deps.caughtUpTo(result.position);
  }

  /** Subscribes to each topic the active handlers listen on; drops topics no active handler uses. */
  function syncSubscriptions(): void {
    if (closed) return;
    const wanted = new Map<string, string>(); // topic -> an event naming it
    for (const handler of models.eventHandlers.values()) if (handler.active) wanted.set(topicOf(handler.event), handler.event);
    for (const [topic, subscription] of subscriptions) {
      if (wanted.has(topic)) continue;
      subscriptions.delete(topic);
      void subscription.close();
    }
    for (const [topic, event] of wanted) {
      if (!subscriptions.has(topic)) subscriptions.set(topic, deps.bus.subscribe(event, (message) => onMessage(topic, message)));
    }
  }

  // ---- recording ---------------------------------------------------------

  /** Appends one execution record; records of one handler are appended in call order. */
  function record(execution: EventExecution, held?: HeldTaskAction): Promise<void> {
    return withLock(`eventexecution:${execution.name}`, async () => {
      const event: EventExecutionEvent = { type: "EventExecutionRecorded", data: held ? { execution, held } : { execution } };
      const result = await deps.store.append(
        eventExecutionStream(execution.name),
        [{ id: deps.newId(), ...event, metadata: { causationId: execution.messageId, source: { kind: "router", detail: execution.messageId } } }],
        "any",
      );
      await deps.caughtUpTo(result.position);
    });
  }

  /** Records without letting a storage failure escape into the bus or the held-event timers. */
  function recordSafely(execution: EventExecution, held?: HeldTaskAction): Promise<void> {
    return record(execution, held).catch((error) =>
      deps.logError("recording an event execution failed", { handler: execution.name, id: execution.id, error: errorText(error) }),
    );
  }

  // ---- messages ----------------------------------------------------------

  async function onMessage(topic: string, message: DeliveredMessage): Promise<void> {
    const messageId = `${message.topic}:${message.partition}:${message.offset}`;
    const maxDepth = deps.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
    const excess = jsonTextDepthExcess(message.value, maxDepth);
    const payload = excess === undefined ? parsePayload(message.value) : undefined;
    for (const handler of [...models.eventHandlers.values()]) {
      if (!handler.active || topicOf(handler.event) !== topic || closed) continue;
      try {
        if (excess !== undefined) await refuse(handler, messageId, `message refused: ${depthExcessMessage(excess)}`);
        else await runHandler(handler, messageId, message.value, payload, maxDepth);
      } catch (error) {
        deps.logError("event handler failed", { handler: handler.name, messageId, error: errorText(error) });
      }
    }
  }

  /**
   * True when this process already handled the execution: a redelivery. Records
   * from before this start are not counted, because the in-process bus numbers
   * its offsets from 0 again after a restart.
   */
  function handledAlready(handler: EventHandler, id: string): boolean {
    const existing = models.eventExecutions.get(handler.name)?.get(id);
    return existing !== undefined && existing.created >= startedAt;
  }

  /** A message the handler cannot take (nested too deep): one FAILED execution with the reason, no action run. */
  async function refuse(handler: EventHandler, messageId: string, reason: string): Promise<void> {
    const id = `${messageId}_0`;
    if (handledAlready(handler, id)) return;
    await recordSafely({ id, messageId, name: handler.name, event: handler.event, created: clock(), status: "FAILED", output: { exception: reason } });
  }

  async function runHandler(handler: EventHandler, messageId: string, raw: string, payload: unknown, maxDepth: number): Promise<void> {
    const base = (index: number, action?: EventHandlerAction["action"]) => ({
      id: `${messageId}_${index}`,
      messageId,
      name: handler.name,
      event: handler.event,
      created: clock(),
      ...(action ? { action } : {}),
    });
    const condition = handler.condition?.trim();
    if (condition) {
      if (handledAlready(handler, `${messageId}_0`)) return;
      const verdict = await evaluateCondition(handler, condition, payload, maxDepth);
      if (!verdict.ok) return recordSafely({ ...base(0), status: "FAILED", output: { exception: verdict.error, condition } });
      if (!conditionMet(verdict.value)) return recordSafely({ ...base(0), status: "SKIPPED", output: { msg: raw, condition } });
    }
    for (const [index, action] of handler.actions.entries()) {
      if (handledAlready(handler, `${messageId}_${index}`)) continue;
      await runAction(handler, action, base(index, action.action), payload);
    }
  }

  /** Conductor: `$` is the payload with inline JSON expanded; `value-param` reads one payload key. */
  async function evaluateCondition(handler: EventHandler, condition: string, payload: unknown, maxDepth: number): Promise<Evaluation<unknown>> {
    const input = expandInlineJson(payload, maxDepth);
    if (handler.evaluatorType === "value-param") {
      return { ok: true, value: input !== null && typeof input === "object" ? (input as Record<string, unknown>)[condition] : undefined };
    }
    if (!deps.userCode?.javascript) {
      return { ok: false, error: `condition '${condition}' needs a JavaScript evaluator, and none is configured (evaluators.javascript)` };
    }
    try {
      return await deps.userCode.javascript(condition, { $: input });
    } catch (error) {
      return { ok: false, error: errorText(error) };
    }
  }

  async function runAction(handler: EventHandler, action: EventHandlerAction, base: ExecutionBase, payload: unknown): Promise<void> {
    const resolved = resolveAction(action, payload, { messageId: base.messageId, event: handler.event });
    if (!resolved.ok) return recordSafely({ ...base, status: "FAILED", output: { exception: resolved.error } });
    const source: EventSource = { kind: "router", detail: `event handler ${handler.name}, message ${base.messageId}` };
    const act = resolved.value;
    if (act.action === "complete_task" || act.action === "fail_task") return taskActions.applyOrHold(act, base, source);
    let outcome: EventExecution;
    try {
      outcome = { ...base, status: "COMPLETED", output: await runWorkflowAction(act, source) };
    } catch (error) {
      outcome = { ...base, status: "FAILED", output: { exception: errorText(error) } };
    }
    return recordSafely(outcome);
  }

  async function runWorkflowAction(
    act: Exclude<ResolvedAction, { action: "complete_task" | "fail_task" }>,
    source: EventSource,
  ): Promise<Record<string, unknown>> {
    switch (act.action) {
      case "start_workflow": {
        const request = v.parse(StartWorkflowRequestSchema, {
          name: act.name,
          version: act.version,
          input: act.input,
          correlationId: act.correlationId,
          taskToDomain: act.taskToDomain,
        });
        return { workflowId: await workflows.startWorkflow(request, source) };
      }
      case "terminate_workflow":
        await workflows.terminate(act.workflowId, act.terminationReason, source);
        return { workflowId: act.workflowId };
      case "update_workflow_variables": {
        const current = models.workflows.get(act.workflowId);
        if (!current) throw new NotFoundError(`No such workflow found by id: ${act.workflowId}`);
        const variables = variablesToSet(current.variables, act.variables, act.appendArray);
        await workflows.setVariables(act.workflowId, variables, source);
        return { workflowId: act.workflowId, variables };
      }
      default: {
        const _exhaustive: never = act;
        return _exhaustive;
      }
    }
  }

  // ---- start ------------------------------------------------------------

  const taskActions = createTaskActions({ models, workflows, clock, holdMs, record: recordSafely, logError: deps.logError });
  syncSubscriptions();
  taskActions.recoverHeld();

  return {
    add: (handler: EventHandler, source: EventSource) => runRegistryCommand(handler.name, { type: "AddEventHandler", handler }, source),
    update: (handler: EventHandler, source: EventSource) => runRegistryCommand(handler.name, { type: "UpdateEventHandler", handler }, source),
    remove: (name: string, source: EventSource) => runRegistryCommand(name, { type: "RemoveEventHandler", name }, source),
    list: (): EventHandler[] => [...models.eventHandlers.values()],
    get(name: string): EventHandler {
      const handler = models.eventHandlers.get(name);
      if (!handler) throw new NotFoundError(`EventHandler with name ${name} not found!`);
      return handler;
    },
    /** Handlers whose `event` is exactly `event` (Conductor: active ones only by default). */
    forEvent: (event: string, activeOnly: boolean): EventHandler[] =>
      [...models.eventHandlers.values()].filter((h) => h.event === event && (!activeOnly || h.active)),
    /** Recorded executions of one handler, oldest first. */
    executions: (name: string): EventExecution[] => [...(models.eventExecutions.get(name)?.values() ?? [])],
    /**
     * Resolves once messages published from now on to `event` reach its handlers
     * (a Kafka consumer has joined its group); at once when no active handler listens on it.
     */
    listening: (event: string): Promise<void> => subscriptions.get(topicOf(event))?.ready ?? Promise.resolve(),
    /** How many actions wait for their task in this process. */
    heldCount: () => taskActions.heldCount(),
    /** Called by the engine after it applied `event`. */
    observe(event: RecordedEvent, change: ReadModelChange): void {
      if (closed) return;
      if (event.streamId.startsWith(EVENT_HANDLER_STREAM_PREFIX)) syncSubscriptions();
      if (change.workflow) taskActions.workflowChanged(change.workflow.workflowId);
    },
    async close(): Promise<void> {
      closed = true;
      taskActions.close();
      await Promise.all([...subscriptions.values()].map((s) => s.close()));
      subscriptions.clear();
    },
  };
}

export type EventHandlers = ReturnType<typeof createEventHandlers>;
