import type { Decider, DomainEvent } from "../domain/decider.ts";
import { NotFoundError } from "../domain/errors.ts";
import type { Bus, EventMetadata, EventSource, EventStore } from "../domain/ports.ts";
import type { WorkflowCommand } from "../domain/workflow/commands.ts";
import type { DecisionContext } from "../domain/workflow/context.ts";
import type { WorkflowEvent } from "../domain/workflow/events.ts";
import type { WorkflowReaction } from "../domain/workflow/reactions.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";
import type { ReadModels } from "../projections/read-models.ts";
import { workflowCategory } from "../projections/stream-categories.ts";
import { type CommandHandler, type CommandOutcome, type DecisionRun } from "./command-handler.ts";
import { createKeyedLock } from "./keyed-lock.ts";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Whether a command's caller reads its own write from the read models afterwards. */
export interface CommandOptions {
  /** Wait until the read models include the write (default true; reactors and timers need not). */
  awaitRead?: boolean;
}

/**
 * What every engine module shares: the store, the clock and ids, the read
 * models, and the one way to run a command (serialised per stream in this
 * process, optimistic across processes).
 */
export interface EngineCore {
  store: EventStore;
  bus: Bus;
  clock: () => number;
  newId: () => string;
  logger: Logger;
  models: ReadModels;
  isClosed(): boolean;
  caughtUpTo(position: number | undefined): Promise<void>;
  /** A workflow from memory, or from the store when it left memory; undefined when there is none. */
  loadWorkflow(workflowId: string): Promise<WorkflowState | undefined>;
  /** Whether this process runs the timers and reactors of `workflowId` (ownership.ts; always, with one process). */
  owns(workflowId: string): boolean;
  /**
   * Whether this process already ran the reactions of the event at `revision`
   * of `workflowId` when it decided it; forgets decisions the read side has
   * passed. Reactions to other processes' decisions follow the read side.
   */
  reactedLocally(workflowId: string, revision: number): boolean;
  /**
   * The workflow as its next command would see it (the write side's state, not
   * the read models'), read under its lock; undefined when there is none.
   */
  writeSideWorkflow(workflowId: string): Promise<WorkflowState | undefined>;
  /** Runs `work` one at a time per key in this process. */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Runs `command` on `streamId` under the lock `lockKey`; waits for the read side after releasing the lock. */
  runCommand<State, Command, Event extends DomainEvent, Context, Reaction = never>(
    lockKey: string,
    decider: Decider<State, Command, Event, Context, Reaction>,
    streamId: string,
    command: Command,
    context: (run: DecisionRun) => Context,
    metadata: EventMetadata | ((state: State) => EventMetadata),
    options?: CommandOptions & { precondition?: (state: State) => void },
  ): Promise<CommandOutcome<State, Event, Reaction>>;
  /** Runs a workflow command; an unknown workflow is NotFound (except for a start). */
  runWorkflowCommand(workflowId: string, command: WorkflowCommand, source: EventSource, options?: CommandOptions): Promise<WorkflowState>;
  /** `runWorkflowCommand`, answering with the events it decided too (none: the command changed nothing). */
  handleWorkflowCommand(
    workflowId: string,
    command: WorkflowCommand,
    source: EventSource,
    options?: CommandOptions,
  ): Promise<CommandOutcome<WorkflowState, WorkflowEvent, WorkflowReaction>>;
}

/** What the core is made of: the shared parts as they are, plus the handler, the decision context and the reactor. */
export interface EngineCoreDeps
  extends Pick<EngineCore, "store" | "bus" | "clock" | "newId" | "logger" | "models" | "caughtUpTo" | "loadWorkflow" | "isClosed" | "owns"> {
  handle: CommandHandler;
  /** The workflow decider's context for one run of `decide` (see DecisionRun). */
  decisionContext: (run: DecisionRun) => DecisionContext;
  /** Runs the side effects a workflow decision asked for, now that its events are stored (not awaited). */
  react(workflowId: string, reactions: WorkflowReaction[], state: WorkflowState): void;
}

export function createEngineCore(deps: EngineCoreDeps): EngineCore {
  const withLock = createKeyedLock();
  /** The last revision of each owned workflow whose reactions ran here when decided, until the read side passes it. */
  const reactedThrough = new Map<string, number>();

  const runCommand: EngineCore["runCommand"] = async (lockKey, decider, streamId, command, context, metadata, options = {}) => {
    const outcome = await withLock(lockKey, () =>
      deps.handle(decider, streamId, command, context, metadata, options.precondition),
    );
    // Outside the lock: the next command on this stream need not wait for readers.
    if (options.awaitRead !== false) await deps.caughtUpTo(outcome.position);
    return outcome;
  };

  const handleWorkflowCommand: EngineCore["handleWorkflowCommand"] = async (workflowId, command, source, options = {}) => {
    const outcome = await runCommand(
      workflowId,
      workflowCategory.decider,
      workflowCategory.streamOf(workflowId),
      command,
      deps.decisionContext,
      (state) => eventMetadataOf(state, command, source, deps.newId()),
      {
        awaitRead: false,
        precondition: (state) => {
          if (!state.exists && command.type !== "StartWorkflow") throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
        },
      },
    );
    // The decision is stored: its side effects start now, before any reader catches up,
    // on the owner only; another owner runs them when its read side sees the events.
    if (outcome.events.length > 0 && deps.owns(workflowId)) {
      reactedThrough.set(workflowId, Math.max(outcome.revision, reactedThrough.get(workflowId) ?? -1));
      if (outcome.reactions.length > 0) deps.react(workflowId, outcome.reactions, outcome.state);
    }
    if (options.awaitRead !== false) await deps.caughtUpTo(outcome.position);
    return outcome;
  };

  return {
    store: deps.store,
    bus: deps.bus,
    clock: deps.clock,
    newId: deps.newId,
    logger: deps.logger,
    models: deps.models,
    isClosed: deps.isClosed,
    caughtUpTo: deps.caughtUpTo,
    loadWorkflow: deps.loadWorkflow,
    owns: deps.owns,
    reactedLocally(workflowId, revision) {
      const through = reactedThrough.get(workflowId);
      if (through === undefined) return false;
      if (revision >= through) reactedThrough.delete(workflowId);
      return revision <= through;
    },
    withLock,
    async writeSideWorkflow(workflowId) {
      const { state } = await withLock(workflowId, () => deps.handle.current(workflowCategory.decider, workflowCategory.streamOf(workflowId)));
      return state.exists ? state : undefined;
    },
    runCommand,
    runWorkflowCommand: async (workflowId, command, source, options) => (await handleWorkflowCommand(workflowId, command, source, options)).state,
    handleWorkflowCommand,
  };
}

/**
 * Metadata for the events of one workflow command: the trace is the request's
 * (`source.traceparent`), else the workflow's own, so every event a traced
 * workflow records carries it; it is kept once, beside `source`, not inside it.
 */
function eventMetadataOf(state: WorkflowState, command: WorkflowCommand, source: EventSource, causationId: string): EventMetadata {
  const { traceparent: requestTrace, ...where } = source;
  const traceparent = requestTrace ?? state.traceparent;
  return { correlationId: state.correlationId, causationId, command: command.type, source: where, ...(traceparent ? { traceparent } : {}) };
}
