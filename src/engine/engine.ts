/**
 * The engine's composition root: one read side, one command handler with its
 * write-side cache, and the modules that each do one job (definitions.ts,
 * workflow-commands.ts, task-queues.ts, timers.ts, reactors.ts, and the
 * event handlers). Routes call the functions it returns.
 */
import { createMemoryBus } from "../adapters/bus/memory.ts";
import type { EventSinkPolicy } from "../domain/tasks/event.ts";
import { inThreadUserCode } from "../adapters/evaluators/in-thread.ts";
import type { Bus, CheckpointStore, Evaluation, EventStore, JqEvaluator, RecordedEvent, ScriptEvaluator, UserCodeRunner } from "../domain/ports.ts";
import { memoEvaluators, type UserCodeRequest } from "../domain/user-code.ts";
import { DEFAULT_WORKFLOW_LIMITS, type WorkflowLimits } from "../domain/workflow/limits.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";
import type { ReadModelChange } from "../projections/read-models.ts";
import type { DagRunView } from "../projections/dag-runs.ts";
import { type StatsItem, statsItemOf } from "../projections/workflow-stats.ts";
import { dagRunCategory, workflowCategory } from "../projections/stream-categories.ts";
import type { StreamRegistry } from "../projections/stream-registry.ts";
import { createApiKeys } from "./api-keys.ts";
import { createCommandHandler } from "./command-handler.ts";
import { createDefinitions } from "./definitions.ts";
import { createEngineCore, type Logger } from "./engine-core.ts";
import { createEventHandlers, type EventHandlerOptions, type EventHandlers } from "./event-handlers.ts";
import { createMessageCompletions } from "./message-completions.ts";
import { createEgressPolicy, type EgressPolicy } from "./system/egress-policy.ts";
import { createReactors } from "./reactors.ts";
import { openReadSide } from "./read-side.ts";
import type { RetentionOptions } from "./workflow-retention.ts";
import { createTaskQueues } from "./task-queues.ts";
import { createTimers } from "./timers.ts";
import { createWorkflowCommands } from "./workflow-commands.ts";
import { type ClusterOptions, joinCluster, type Ownership, soleOwnership } from "./ownership.ts";
import { partitionOf } from "../domain/cluster/partitions.ts";
import { workflowReactions } from "../domain/workflow/reactions.ts";

export type { Logger } from "./engine-core.ts";
export type { PollData, PollOptions } from "./task-queues.ts";

export interface EngineDeps {
  store: EventStore;
  /** Topics for KAFKA_PUBLISH and EVENT tasks (an in-process bus by default). */
  bus?: Bus;
  /**
   * Where user JavaScript and jq run: a worker pool (worker-pool.ts) in servers.
   * Without it, `evaluators` run in-thread (tests, workerd); a task whose
   * language has neither fails clearly.
   */
  userCode?: UserCodeRunner;
  /** Synchronous sandboxes, run in-thread when `userCode` is not given. */
  evaluators?: { javascript?: ScriptEvaluator; jq?: JqEvaluator };
  /** Distinct evaluations of user code one command may run (default 100); past it they fail. */
  evaluationsPerDecision?: number;
  /** The fetch HTTP tasks use (the runtime's by default). */
  fetch?: typeof fetch;
  /** Where HTTP tasks may connect; without one, anywhere but the default deny list (link-local and cloud metadata). */
  egress?: EgressPolicy;
  clock?: () => number;
  newId?: () => string;
  /** How often overdue timeouts are looked for. */
  sweepIntervalMs?: number;
  logger?: Logger;
  /**
   * Which EVENT tasks wait for a reply after publishing besides those with
   * `asyncComplete` (`BATON_EVENT_SINK_WAITS`); the event router follows the same policy.
   */
  eventSinks?: EventSinkPolicy;
  /** Conductor event handlers (e.g. how long an early complete_task is held). */
  eventHandlers?: EventHandlerOptions;
  /** The stream categories the read models follow (Baton's built-in ones by default). */
  registry?: StreamRegistry;
  /** Streams whose state the write side keeps between commands. */
  writeCacheSize?: number;
  /** How many finished workflows stay in memory and searchable (workflow-retention.ts). */
  retention?: RetentionOptions;
  /** Where read-model checkpoints are kept (none: every start folds the whole log). */
  checkpoints?: CheckpointStore;
  /** Events applied between two read-model checkpoints. */
  checkpointEvery?: number;
  /** Structural bounds on loops, forks, nesting and one decision's work (defaults: DEFAULT_WORKFLOW_LIMITS). */
  limits?: Partial<WorkflowLimits>;
  /**
   * Share the work with other Baton processes on the same store (`BATON_CLUSTER`):
   * each runs the timers and reactors of its partitions only (ownership.ts).
   * Without it this process runs them for every workflow.
   */
  cluster?: ClusterOptions;
}

/** Told each new state of a DAG run, with the event that made it. */
export type DagRunListener = (run: DagRunView, event: RecordedEvent) => void;

/** Told each new state of a workflow, with the state before it (absent for a new workflow). */
export type WorkflowListener = (workflow: WorkflowState, previous: WorkflowState | undefined) => void;

/** Evaluations left for the step that crosses the deferral threshold (an INLINE body and a loop condition need two). */
const EVALUATIONS_KEPT_FOR_ONE_STEP = 10;

const silentLogger: Logger = { info: () => {}, error: () => {} };

/** Distinct evaluations of user code one command may run, by default. */
export const DEFAULT_EVALUATIONS_PER_DECISION = 100;

/** One evaluation a decision stopped for, on the runner. */
function runUserCode(userCode: UserCodeRunner, request: UserCodeRequest): Promise<Evaluation<unknown>> {
  if (request.kind === "javascript") {
    return userCode.javascript?.(request.expression, request.bindings) ?? Promise.resolve({ ok: false, error: "no JavaScript evaluator is configured" });
  }
  return userCode.jq?.(request.filter, request.input) ?? Promise.resolve({ ok: false, error: "no jq evaluator is configured" });
}

/**
 * Opens the engine on `deps.store`: catches the read models up, finishes what
 * reactors had started before a restart, then starts the timer sweep.
 */
export async function createEngine(deps: EngineDeps) {
  const store = deps.store;
  const clock = deps.clock ?? Date.now;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const logger = deps.logger ?? silentLogger;
  const bus = deps.bus ?? createMemoryBus((error, message) => logger.error("bus handler failed", { topic: message.topic, error: String(error) }));
  let closed = false;
  let eventHandlers: EventHandlers | undefined; // created once the read models have caught up
  const workflowListeners = new Set<WorkflowListener>();
  const dagRunListeners = new Set<DagRunListener>();
  const limits: WorkflowLimits = { ...DEFAULT_WORKFLOW_LIMITS, ...deps.limits };
  const userCode = deps.userCode ?? inThreadUserCode(deps.evaluators);
  const memoLimits = {
    maxEvaluations: deps.evaluationsPerDecision ?? DEFAULT_EVALUATIONS_PER_DECISION,
    exceeded: `more than ${deps.evaluationsPerDecision ?? DEFAULT_EVALUATIONS_PER_DECISION} evaluations of user code in one decision (BATON_EVALUATIONS_PER_DECISION)`,
  };
  const available = { javascript: userCode.javascript !== undefined, jq: userCode.jq !== undefined };

  // Modules are wired before the read side opens, but only see changes through this function.
  let onChange: (event: RecordedEvent, change: ReadModelChange) => void = () => {};
  const readSide = await openReadSide({
    store,
    registry: deps.registry,
    retention: deps.retention,
    checkpoints: deps.checkpoints,
    checkpointEvery: deps.checkpointEvery,
    onWarning: (message) => logger.error(message),
    onChange: (event, change) => onChange(event, change),
  });
  const models = readSide.models;
  // Until the first heartbeat answers, a cluster member owns nothing.
  let ownership: Ownership = deps.cluster ? { ...soleOwnership, owns: () => false, clustered: true } : soleOwnership;

  const handle = createCommandHandler({
    store,
    newId,
    cacheSize: deps.writeCacheSize,
    runUserCode: (request) => runUserCode(userCode, request),
    knownState: (streamId) => {
      const owner = readSide.registry.categoryOf(streamId);
      if (owner?.category !== workflowCategory) return undefined;
      const held = models.workflows.get(owner.key);
      // A workflow's state counts its events (evolve), so its revision is the stream's. One the read
      // models do not hold is most often one being started: guessed empty, which the append's
      // "no_stream" proves (a finished workflow that left memory costs a decision on the guess first).
      return held ? { state: held, revision: held.revision } : { state: workflowCategory.decider.initialState, revision: -1 };
    },
  });
  const core = createEngineCore({
    store,
    bus,
    clock,
    newId,
    logger,
    models,
    handle,
    caughtUpTo: readSide.caughtUpTo,
    loadWorkflow: readSide.loadWorkflow,
    decisionContext: (run) => {
      // Every re-run of one attempt sees the same time and ids, so it asks for the same evaluations.
      run.now ??= clock();
      let next = 0;
      const replayedId = () => {
        run.ids[next] ??= newId();
        return run.ids[next++]!;
      };
      // A decision that has used most of its evaluations stops at the next step and goes on in a
      // follow-up command (DecisionDeferred), instead of failing the task that asks for one too many.
      const usage = { answered: 0 };
      const evaluators = memoEvaluators(run.answers, memoLimits, available, usage);
      const budgetSpent = () => usage.answered >= Math.max(1, memoLimits.maxEvaluations - EVALUATIONS_KEPT_FOR_ONE_STEP);
      return { now: run.now, newId: replayedId, evaluators, taskDef: definitions.findTaskDef, limits, budgetSpent };
    },
    react: (workflowId, reactions, state) => reactors.react(workflowId, reactions, state),
    isClosed: () => closed,
    owns: (workflowId) => ownership.owns(workflowId),
  });
  const eventSinks: EventSinkPolicy = { ...deps.eventSinks };
  const definitions = createDefinitions(core, { eventSinks });
  const workflows = createWorkflowCommands(core, definitions, { digests: readSide.retention.digests });
  const queues = createTaskQueues(core);
  const timers = createTimers(core);
  const reactors = createReactors(core, {
    startWorkflow: workflows.startWorkflow,
    fetch: deps.fetch,
    egress: deps.egress ?? createEgressPolicy(),
    eventSinks,
    maxSubWorkflowDepth: limits.maxSubWorkflowDepth,
  });
  const messageCompletions = createMessageCompletions(core);
  const apiKeys = createApiKeys(core);

  onChange = (event, change) => {
    // Another process may have written this: a write-side state older than it is stale.
    handle.observed(event.streamId, event.revision);
    for (const queue of change.queuesFed) queues.queueFed(queue);
    const workflow = change.workflow;
    if (workflow) workflows.workflowChanged(workflow.workflowId);
    if (workflow && !core.reactedLocally(workflow.workflowId, event.revision) && ownership.clustered && core.owns(workflow.workflowId)) {
      // Another process decided this for a workflow this process owns: its side effects run here.
      const reactions = workflowReactions(change.previous ?? workflowCategory.decider.initialState, workflow);
      if (reactions.length > 0) reactors.react(workflow.workflowId, reactions, workflow);
    }
    eventHandlers?.observe(event, change);
    if (workflow) for (const listener of workflowListeners) listener(workflow, change.previous);
    if (dagRunListeners.size > 0) {
      const owner = dagRunCategory.prefix === event.streamId.slice(0, dagRunCategory.prefix.length) ? event.streamId.slice(dagRunCategory.prefix.length) : undefined;
      const run = owner === undefined ? undefined : models.dagRuns.get(owner);
      if (run) for (const listener of dagRunListeners) listener(run, event);
    }
  };
  /** Waits out reactions until a turn of the event loop starts none (a deferred decision goes on after a `setTimeout(0)`). */
  async function settled(): Promise<void> {
    for (;;) {
      await reactors.idle();
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (reactors.isIdle()) return;
    }
  }
  const sweeper = setInterval(() => {
    void timers.sweep();
    reactors.drainAll();
  }, deps.sweepIntervalMs ?? 250);

  if (deps.cluster) {
    const cluster = deps.cluster;
    const inGained = (gained: ReadonlySet<number>) => (workflowId: string) => gained.has(partitionOf(workflowId, cluster.partitions));
    let joined = false;
    let firstShare: ReadonlySet<number> = new Set();
    const member = await joinCluster({
      ...cluster,
      store,
      clock,
      newId,
      logger,
      caughtUpTo: readSide.caughtUpTo,
      // Gained partitions (from a member that died or left): finish their in-flight reactors; timers follow `owns`.
      onAcquired: (gained) => (joined ? reactors.recover(inGained(gained)) : void (firstShare = gained)),
    });
    ownership = member;
    joined = true;
    await reactors.recover(inGained(firstShare));
  } else {
    await reactors.recover();
  }
  eventHandlers = createEventHandlers({
    ...deps.eventHandlers,
    store,
    bus,
    models,
    caughtUpTo: readSide.caughtUpTo,
    userCode,
    clock,
    newId,
    logError: (message, fields) => logger.error(message, fields),
    workflows: {
      startWorkflow: (request, source) => workflows.startWorkflow(request, source),
      completeTaskFromMessage: messageCompletions.completeTaskFromMessage,
      terminate: workflows.terminate,
      setVariables: workflows.setVariables,
    },
  });

  return {
    models,
    clock,
    bus,
    /** Which EVENT tasks wait for a reply (the router matches replies by the same policy). */
    eventSinks,
    /** Conductor event handlers: registry, executions, and the bus subscriptions that run them. */
    eventHandlers,
    setVariables: workflows.setVariables,
    // definitions
    getWorkflowDef: definitions.getWorkflowDef,
    listWorkflowDefs: definitions.listWorkflowDefs,
    registerWorkflowDef: definitions.registerWorkflowDef,
    workflowDefWarnings: definitions.workflowDefWarnings,
    removeWorkflowDef: definitions.removeWorkflowDef,
    getTaskDef: definitions.getTaskDef,
    listTaskDefs: definitions.listTaskDefs,
    registerTaskDef: definitions.registerTaskDef,
    removeTaskDef: definitions.removeTaskDef,
    // workflows
    startWorkflow: workflows.startWorkflow,
    getWorkflow: workflows.getWorkflow,
    loadWorkflow: workflows.loadWorkflow,
    hasWorkflow: workflows.hasWorkflow,
    waitForWorkflow: workflows.waitForWorkflow,
    terminate: workflows.terminate,
    pause: workflows.pause,
    resume: workflows.resume,
    restart: workflows.restart,
    retry: workflows.retry,
    rerun: workflows.rerun,
    skipTask: workflows.skipTask,
    resetCallbacks: workflows.resetCallbacks,
    decide: workflows.decide,
    removeWorkflow: workflows.remove,
    search: workflows.search,
    workflows: workflows.workflows,
    digests: workflows.digests,
    /** What stats count: every workflow in memory, and the digests of those that left. */
    *statsItems(): Iterable<StatsItem> {
      for (const workflow of workflows.workflows()) yield statsItemOf(workflow);
      for (const { fields } of workflows.digests()) {
        yield {
          workflowType: String(fields.workflowType),
          status: String(fields.status),
          createTime: Number(fields.startTime),
          endTime: typeof fields.endTime === "number" ? fields.endTime : 0,
        };
      }
    },
    /** A workflow's stream as stored (empty for an unknown id), for the audit timeline and time travel. */
    readWorkflowEvents: (workflowId: string) => store.readStream(workflowCategory.streamOf(workflowId)),
    /** A DAG run's stream as stored (empty for an unknown id). */
    readDagRunEvents: (dagRunId: string) => store.readStream(dagRunCategory.streamOf(dagRunId)),
    /**
     * Calls `listener` with each workflow state the read models take (after the
     * engine's own reactions); e.g. the event router re-checks its held completions.
     * Returns the unsubscribe function.
     */
    onWorkflowChange(listener: WorkflowListener): () => void {
      workflowListeners.add(listener);
      return () => workflowListeners.delete(listener);
    },
    /** Calls `listener` with each state a DAG run takes in the read models; returns the unsubscribe function. */
    onDagRunChange(listener: DagRunListener): () => void {
      dagRunListeners.add(listener);
      return () => dagRunListeners.delete(listener);
    },
    // tasks
    poll: queues.poll,
    updateTask: queues.updateTask,
    /** A task's result from an inbound message (the event router); the decider rules on repeats and late messages. */
    completeTaskFromMessage: messageCompletions.completeTaskFromMessage,
    updateTaskAndPollNext: queues.updateTaskAndPollNext,
    getTask: queues.getTask,
    addTaskLog: queues.addTaskLog,
    queueSize: queues.queueSize,
    /** Tasks waiting in each queue, by queue name. */
    queueSizes: (): Record<string, number> => Object.fromEntries([...models.queues].map(([queue, entries]) => [queue, entries.size])),
    /** What `/health` reports of ownership: the partitions this process owns, its members, takeovers and lag. */
    ownershipStatus: () => ownership.status(),
    /** Whether this process runs the timers and reactors of `workflowId` now (always, alone on its store); the DAG-run monitor follows it too. */
    owns: (workflowId: string) => ownership.owns(workflowId),
    /**
     * For hosts without a long-lived process (workerd): what the periodic sweep
     * does, now, and resolves once the reactions it started have ended.
     */
    async runDueWork(): Promise<void> {
      await timers.sweep();
      reactors.drainAll();
      await settled();
    },
    /** Resolves once no reaction or drain is under way, including those the ones under way start. */
    settled,
    /** The earliest time a timer of an owned workflow or a delayed system task falls due, if any (epoch ms). */
    nextWakeAt(): number | undefined {
      let next = reactors.nextReadyAt();
      for (const [workflowId, at] of models.timers) {
        if ((next === undefined || at < next) && ownership.owns(workflowId)) next = at;
      }
      return next;
    },
    /** What `/health` reports: workflows held in memory and the last position the read models applied. */
    readSideStatus: () => ({ workflows: models.workflows.size, position: models.position }),
    pollData: queues.pollData,
    allPollData: queues.allPollData,
    /** API keys (authentication): create and revoke through `apikey-<id>` streams, read from the read models. */
    ...apiKeys,
    /** Stops sweeping and subscriptions; pending long polls return empty. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(sweeper);
      await ownership.close({ leave: true });
      queues.wakeAll();
      workflows.wakeAll();
      await eventHandlers?.close();
      await readSide.close();
    },
  };
}

export type Engine = Awaited<ReturnType<typeof createEngine>>;
