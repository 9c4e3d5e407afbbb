import { defaultTaskDef } from "../domain/definitions/task-def.ts";
import type {
  RerunWorkflowRequest,
  SkipTaskRequest,
  StartWorkflowRequest,
  TaskResult,
} from "../domain/definitions/requests.ts";
import type { TaskDef } from "../domain/definitions/task-def.ts";
import type { WorkflowDef } from "../domain/definitions/workflow-def.ts";
import { checkWorkflowDefRules } from "../domain/definitions/check-workflow-def.ts";
import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from "../domain/errors.ts";
import { decideIdempotentStart } from "../domain/idempotency.ts";
import { registerTaskDef, registerWorkflowDef, removeTaskDef, removeWorkflowDef } from "../domain/metadata/decide.ts";
import { taskDefStream, workflowDefStream } from "../domain/metadata/events.ts";
import type { Bus, EventSource, EventStore, JqEvaluator, RecordedEvent, ScriptEvaluator, Subscription } from "../domain/ports.ts";
import { isReactorType, REACTOR_TASK_TYPES } from "../domain/definitions/task-types.ts";
import type { WorkflowTask } from "../domain/definitions/workflow-def.ts";
import { workflowTaskOf } from "../domain/workflow/definition-lookup.ts";
import { createMemoryBus } from "../adapters/bus/memory.ts";
import { createHttpExecutor } from "./system/http.ts";
import type { SystemTaskExecutor, SystemTaskOutcome } from "./system/outcome.ts";
import { createEventExecutor, createKafkaPublishExecutor } from "./system/publish.ts";
import { createStartWorkflowExecutor, createSubWorkflowExecutor } from "./system/workflows.ts";
import { idempotencyStream, queueName, systemQueueName, workflowStream } from "../domain/streams.ts";
import type { WorkflowCommand } from "../domain/workflow/commands.ts";
import { decide } from "../domain/workflow/decide.ts";
import type { TaskState, WorkflowState } from "../domain/workflow/state.ts";
import { isTaskTerminal, isWorkflowTerminal } from "../domain/workflow/status.ts";
import { failureWorkflowInput } from "../domain/workflow/failure-workflow.ts";
import { toTaskJson, toWorkflowJson } from "../projections/conductor-json.ts";
import {
  applyEvent,
  createReadModels,
  nextVisibleAt,
  pollableEntries,
  type ReadModelChange,
} from "../projections/read-models.ts";
import { type SearchRequest, searchWorkflows } from "../projections/search.ts";
import {
  idempotencyAggregate,
  taskDefAggregate,
  workflowAggregate,
  workflowDefAggregate,
} from "./aggregates.ts";
import { createCommandHandler } from "./command-handler.ts";
import { createEventHandlers, type EventHandlerOptions, type EventHandlers } from "./event-handlers.ts";
import { createKeyedLock } from "./keyed-lock.ts";
import { createWaiters } from "./waiters.ts";

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface EngineDeps {
  store: EventStore;
  /** Topics for KAFKA_PUBLISH and EVENT tasks (an in-process bus by default). */
  bus?: Bus;
  /** Sandboxes for user JavaScript and jq; tasks that need one fail clearly without it. */
  evaluators?: { javascript?: ScriptEvaluator; jq?: JqEvaluator };
  /** The fetch HTTP tasks use (the runtime's by default). */
  fetch?: typeof fetch;
  clock?: () => number;
  newId?: () => string;
  /** How often overdue timeouts are looked for. */
  sweepIntervalMs?: number;
  logger?: Logger;
  /** Conductor event handlers (e.g. how long an early complete_task is held). */
  eventHandlers?: EventHandlerOptions;
}

export interface PollOptions {
  workerId?: string;
  domain?: string;
  count?: number;
  /** Long-poll: wait up to this long for a task when none is ready. */
  timeoutMs?: number;
}

export interface PollData {
  queueName: string;
  domain?: string;
  workerId: string;
  lastPollTime: number;
}

const silentLogger: Logger = { info: () => {}, error: () => {} };

/**
 * The application layer: runs commands against the store (load, decide,
 * append), keeps the read models current from the store's subscription, sweeps
 * due timeouts, and starts failure workflows after a failure is stored.
 */
export async function createEngine(deps: EngineDeps) {
  const store = deps.store;
  const clock = deps.clock ?? Date.now;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const logger = deps.logger ?? silentLogger;
  const bus = deps.bus ?? createMemoryBus((error, message) => logger.error("bus handler failed", { topic: message.topic, error: String(error) }));
  const decisionContext = () => ({
    now: clock(),
    newId,
    evaluators: deps.evaluators,
    taskDef: (name: string) => models.taskDefs.get(name)?.definition,
  });
  const models = createReadModels();
  const handle = createCommandHandler({ store, newId });
  const withLock = createKeyedLock();
  const queueWaiters = createWaiters();
  const workflowWaiters = createWaiters();
  const pollData = new Map<string, Map<string, PollData>>();
  const claimedTasks = new Set<string>();
  let caughtUp = false;
  let closed = false;
  let eventHandlers: EventHandlers | undefined; // created once the read models have caught up
  const workflowListeners = new Set<(workflow: WorkflowState) => void>();

  function onEvent(event: RecordedEvent): void {
    const change = applyEvent(models, event);
    if (!change) return;
    afterChange(change);
    eventHandlers?.observe(event, change);
    if (change.workflow) for (const listener of workflowListeners) listener(change.workflow);
  }

  function afterChange(change: ReadModelChange): void {
    for (const queue of change.queuesFed) queueWaiters.notify(queue);
    const workflow = change.workflow;
    if (!workflow) return;
    workflowWaiters.notify(workflow.workflowId);
    if (!caughtUp) return;
    if (workflow.failureWorkflowId && isWorkflowTerminal(workflow.status)) void startFailureWorkflow(workflow);
    if (isWorkflowTerminal(workflow.status)) {
      void reportToParent(workflow);
      void terminateChildren(workflow);
    }
    for (const queue of change.queuesFed) if (queue.startsWith("_system:")) scheduleSystemDrain(queue);
  }

  let resolveCaughtUp: () => void = () => {};
  const caughtUpPromise = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  const subscription: Subscription = store.subscribeToAll(onEvent, {
    fromPosition: 0,
    onCaughtUp: () => resolveCaughtUp(),
  });
  await caughtUpPromise;
  caughtUp = true;
  const sweeper = setInterval(() => {
    void sweepTimeouts();
    for (const type of REACTOR_TASK_TYPES) scheduleSystemDrain(systemQueueName(type));
  }, deps.sweepIntervalMs ?? 250);

  /** Waits until the read models include `position` (read-your-writes). */
  async function caughtUpTo(position: number | undefined): Promise<void> {
    while (position !== undefined && models.position < position && !closed) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  async function runWorkflowCommand(workflowId: string, command: WorkflowCommand, source: EventSource) {
    return withLock(workflowId, async () => {
      const cached = models.workflows.get(workflowId);
      const result = await handle(
        workflowStream(workflowId),
        workflowAggregate,
        cached,
        (state) => {
          if (!state.exists && command.type !== "StartWorkflow") {
            throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
          }
          return decide(command, state, decisionContext());
        },
        { correlationId: cached?.correlationId, causationId: newId(), command: command.type, source },
      );
      await caughtUpTo(result.position);
      return result.state;
    });
  }

  function requireWorkflow(workflowId: string): WorkflowState {
    const workflow = models.workflows.get(workflowId);
    if (!workflow) throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
    return workflow;
  }

  function findTaskById(taskId: string): { workflow: WorkflowState; task: TaskState } {
    const workflowId = models.taskIndex.get(taskId);
    const workflow = workflowId ? models.workflows.get(workflowId) : undefined;
    const task = workflow?.tasks.find((t) => t.taskId === taskId);
    if (!workflow || !task) throw new NotFoundError(`No such task found by id: ${taskId}`);
    return { workflow, task };
  }

  // ---- definitions -------------------------------------------------------

  function latestWorkflowDef(name: string): WorkflowDef | undefined {
    const versions = models.workflowDefs.get(name)?.versions;
    if (!versions || versions.size === 0) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  function getWorkflowDef(name: string, version?: number): WorkflowDef {
    const def = version === undefined ? latestWorkflowDef(name) : models.workflowDefs.get(name)?.versions.get(version);
    if (!def) throw new NotFoundError(`No such workflow found by name: ${name}, version: ${version ?? "latest"}`);
    return def;
  }

  async function registerWorkflowDefinition(definition: WorkflowDef, overwrite: boolean, source: EventSource) {
    checkWorkflowDefRules(definition);
    await withLock(`workflowdef:${definition.name}`, async () => {
      const result = await handle(
        workflowDefStream(definition.name),
        workflowDefAggregate,
        undefined,
        (state) => registerWorkflowDef(state, definition, overwrite, clock()),
        { source },
      );
      await caughtUpTo(result.position);
    });
  }

  async function registerTaskDefinition(definition: TaskDef, mustExist: boolean, source: EventSource) {
    await withLock(`taskdef:${definition.name}`, async () => {
      const result = await handle(
        taskDefStream(definition.name),
        taskDefAggregate,
        undefined,
        (state) => registerTaskDef(state, definition, mustExist, clock()),
        { source },
      );
      await caughtUpTo(result.position);
    });
  }

  /** The definition a new instance runs with: every task's TaskDef filled in and frozen. */
  function snapshotDefinition(definition: WorkflowDef): WorkflowDef {
    const fill = (tasks: readonly WorkflowTask[] | null | undefined): WorkflowTask[] =>
      (tasks ?? []).map((task) => {
        const registered = models.taskDefs.get(task.name)?.definition;
        const taskDefinition =
          task.taskDefinition ?? registered ?? (task.type === "SIMPLE" ? defaultTaskDef(task.name) : undefined);
        const filled: WorkflowTask = { ...task, ...(taskDefinition ? { taskDefinition } : {}) };
        if (task.decisionCases) {
          filled.decisionCases = Object.fromEntries(Object.entries(task.decisionCases).map(([k, v]) => [k, fill(v)]));
        }
        if (task.defaultCase) filled.defaultCase = fill(task.defaultCase);
        if (task.forkTasks) filled.forkTasks = task.forkTasks.map((branch) => fill(branch));
        if (task.loopOver) filled.loopOver = fill(task.loopOver);
        return filled;
      });
    return { ...definition, tasks: fill(definition.tasks) };
  }

  // ---- workflows ---------------------------------------------------------

  async function startWorkflow(
    request: StartWorkflowRequest,
    source: EventSource,
    options: { workflowId?: string; parentWorkflowId?: string; parentWorkflowTaskId?: string } = {},
  ): Promise<string> {
    const definition = request.workflowDef ?? getWorkflowDef(request.name, request.version ?? undefined);
    if (request.workflowDef) checkWorkflowDefRules(request.workflowDef, "workflowDef.");
    const workflowId = options.workflowId ?? newId();
    const start = async () => {
      await runWorkflowCommand(
        workflowId,
        {
          type: "StartWorkflow",
          workflowId,
          definition: snapshotDefinition(definition),
          input: request.input ?? {},
          correlationId: request.correlationId ?? undefined,
          priority: request.priority ?? 0,
          taskToDomain: request.taskToDomain ?? {},
          idempotencyKey: request.idempotencyKey ?? undefined,
          createdBy: request.createdBy ?? undefined,
          parentWorkflowId: options.parentWorkflowId,
          parentWorkflowTaskId: options.parentWorkflowTaskId,
        },
        source,
      );
      return workflowId;
    };
    const key = request.idempotencyKey ?? undefined;
    if (key === undefined) return start();
    const strategy = request.idempotencyStrategy ?? "FAIL";
    return withLock(`idempotency:${definition.name}:${key}`, async () => {
      let existingId: string | undefined;
      await handle(
        idempotencyStream(definition.name, key),
        idempotencyAggregate,
        undefined,
        (state) => {
          const claimed = state.claim ? models.workflows.get(state.claim.workflowId) : undefined;
          const decision = decideIdempotentStart(strategy, key, claimed);
          if (decision.kind === "return_existing") {
            existingId = decision.workflowId;
            return [];
          }
          return [{ type: "IdempotencyKeyClaimed" as const, data: { workflowName: definition.name, key, workflowId, time: clock() } }];
        },
        { source },
      );
      return existingId ?? start();
    });
  }

  async function startFailureWorkflow(failed: WorkflowState): Promise<void> {
    const name = failed.definition.failureWorkflow;
    const id = failed.failureWorkflowId;
    if (!name || !id || models.workflows.has(id)) return;
    try {
      await startWorkflow(
        {
          name,
          input: failureWorkflowInput(failed, toWorkflowJson(failed)),
          correlationId: failed.correlationId,
          taskToDomain: failed.taskToDomain,
          priority: failed.priority,
        },
        { kind: "system", detail: `failureWorkflow of ${failed.workflowId}` },
        { workflowId: id, parentWorkflowId: undefined },
      );
    } catch (error) {
      if (error instanceof ConflictError) return; // already started by an earlier attempt
      logger.error("failure workflow could not be started", { workflowId: failed.workflowId, failureWorkflow: name, error: String(error) });
    }
  }

  async function sweepTimeouts(): Promise<void> {
    if (closed) return;
    const now = clock();
    for (const [workflowId, due] of [...models.timers]) {
      if (due > now) continue;
      try {
        await runWorkflowCommand(workflowId, { type: "CheckTimeouts" }, { kind: "timer" });
      } catch (error) {
        logger.error("timeout sweep failed", { workflowId, error: String(error) });
      }
    }
  }

  // ---- tasks -------------------------------------------------------------

  function recordPoll(taskType: string, options: PollOptions): void {
    const queue = queueName(taskType, options.domain);
    let byWorker = pollData.get(queue);
    if (!byWorker) {
      byWorker = new Map();
      pollData.set(queue, byWorker);
    }
    const workerId = options.workerId ?? "unknown";
    byWorker.set(workerId, { queueName: taskType, domain: options.domain, workerId, lastPollTime: clock() });
  }

  /**
   * Claims up to `count` ready tasks. Claims of different workflows run
   * concurrently, so a batch costs about one durable append, not `count` in a row.
   */
  async function claimReadyTasks(queue: string, options: PollOptions, count: number) {
    const candidates = pollableEntries(models, queue, clock(), count, claimedTasks);
    for (const entry of candidates) claimedTasks.add(entry.taskId);
    const claimed = await Promise.all(
      candidates.map(async (entry) => {
        try {
          const workflow = await runWorkflowCommand(
            entry.workflowId,
            { type: "PollTask", taskId: entry.taskId, workerId: options.workerId },
            { kind: "worker", detail: options.workerId },
          );
          const task = workflow.tasks.find((t) => t.taskId === entry.taskId);
          return task ? toTaskJson(workflow, task) : undefined;
        } catch (error) {
          // Lost a race with another poller or a lifecycle change: the task is no longer ours to give.
          if (error instanceof IllegalStateError || error instanceof NotFoundError) return undefined;
          throw error;
        } finally {
          claimedTasks.delete(entry.taskId);
        }
      }),
    );
    return claimed.filter((task): task is Record<string, unknown> => task !== undefined);
  }

  /** Conductor's batch poll: up to `count` tasks, waiting up to `timeoutMs` for the first. */
  async function poll(taskType: string, options: PollOptions = {}): Promise<Record<string, unknown>[]> {
    recordPoll(taskType, options);
    const count = Math.max(1, options.count ?? 1);
    const deadline = clock() + Math.max(0, options.timeoutMs ?? 0);
    const queue = queueName(taskType, options.domain);
    for (;;) {
      const polled = await claimReadyTasks(queue, options, count);
      const now = clock();
      if (polled.length > 0 || now >= deadline || closed) return polled;
      const nextVisible = nextVisibleAt(models, queue, now);
      await queueWaiters.wait(queue, Math.min(deadline, nextVisible ?? deadline), clock);
    }
  }

  async function updateTask(result: TaskResult, source: EventSource) {
    const { workflow } = findTaskById(result.taskId);
    if (workflow.workflowId !== result.workflowInstanceId) {
      throw new ValidationError(
        `workflowInstanceId: task ${result.taskId} belongs to workflow ${workflow.workflowId}, not ${result.workflowInstanceId}`,
        [{ path: "workflowInstanceId", message: `task ${result.taskId} belongs to workflow ${workflow.workflowId}`, invalidValue: result.workflowInstanceId }],
      );
    }
    const updated = await runWorkflowCommand(workflow.workflowId, { type: "UpdateTask", result }, source);
    const task = updated.tasks.find((t) => t.taskId === result.taskId)!;
    return { workflow: updated, task };
  }

  /** update-v2: apply the result, then hand the same worker its next task of that type, if any. */
  async function updateTaskAndPollNext(result: TaskResult, source: EventSource) {
    const { task } = await updateTask(result, source);
    if (!isTaskTerminal(task.status)) return undefined;
    const [next] = await poll(task.taskType, { workerId: result.workerId ?? undefined, domain: task.domain, count: 1, timeoutMs: 0 });
    return next;
  }

  /** Waits until the workflow is terminal (or `predicate` holds), at most until `deadline`. */
  async function waitForWorkflow(workflowId: string, deadline: number, predicate = (w: WorkflowState) => isWorkflowTerminal(w.status)) {
    for (;;) {
      const workflow = requireWorkflow(workflowId);
      if (predicate(workflow) || clock() >= deadline || closed) return workflow;
      await workflowWaiters.wait(workflowId, deadline, clock);
    }
  }

  // ---- system tasks run by reactors -------------------------------------

  const SYSTEM_WORKER = "baton:system";
  const starter = {
    startWorkflow: (request: StartWorkflowRequest, source: EventSource, options: { workflowId: string; parentWorkflowId?: string; parentWorkflowTaskId?: string }) =>
      startWorkflow(request, source, options),
    exists: (workflowId: string) => models.workflows.has(workflowId),
  };
  const executors: Record<string, SystemTaskExecutor> = {
    HTTP: createHttpExecutor(deps.fetch),
    KAFKA_PUBLISH: createKafkaPublishExecutor(bus),
    EVENT: createEventExecutor(bus),
    SUB_WORKFLOW: createSubWorkflowExecutor(starter),
    START_WORKFLOW: createStartWorkflowExecutor(starter),
  };
  const draining = new Set<string>();

  /** Claims and runs whatever a system queue holds; one drain per queue at a time. */
  function scheduleSystemDrain(queue: string): void {
    if (closed || draining.has(queue) || pollableEntries(models, queue, clock(), 1).length === 0) return;
    draining.add(queue);
    void (async () => {
      try {
        for (;;) {
          const claimed = await claimReadyTasks(queue, { workerId: SYSTEM_WORKER }, 32);
          if (claimed.length === 0 || closed) break;
          await Promise.all(claimed.map((task) => runSystemTask(String(task.workflowInstanceId), String(task.taskId))));
        }
      } catch (error) {
        logger.error("system task drain failed", { queue, error: String(error) });
      } finally {
        draining.delete(queue);
      }
    })();
  }

  /** Runs one claimed (IN_PROGRESS) system task and records its outcome. */
  async function runSystemTask(workflowId: string, taskId: string): Promise<void> {
    const workflow = models.workflows.get(workflowId);
    const task = workflow?.tasks.find((t) => t.taskId === taskId);
    const wt = workflow && task ? workflowTaskOf(workflow, task) : undefined;
    if (!workflow || !task || !wt) return;
    const executor = executors[wt.type];
    let outcome: SystemTaskOutcome;
    try {
      outcome = executor
        ? await executor(task, workflow, wt)
        : { kind: "fail", reason: `no executor for task type ${wt.type}`, outputData: {}, terminal: true };
      // asyncComplete: the effect happened; an external update completes the task.
      if (outcome.kind === "complete" && wt.asyncComplete) outcome = { kind: "wait", outputData: outcome.outputData };
    } catch (error) {
      outcome = { kind: "fail", reason: error instanceof Error ? error.message : String(error), outputData: {} };
    }
    const source: EventSource = { kind: "system", detail: `${wt.type} executor` };
    try {
      if (outcome.kind === "wait") {
        await runWorkflowCommand(workflowId, { type: "RecordTaskOutput", taskId, outputData: outcome.outputData }, source);
        const child = typeof outcome.outputData.subWorkflowId === "string" ? models.workflows.get(outcome.outputData.subWorkflowId) : undefined;
        if (child && isWorkflowTerminal(child.status)) await reportToParent(child);
        return;
      }
      await runWorkflowCommand(
        workflowId,
        {
          type: "UpdateTask",
          result: {
            workflowInstanceId: workflowId,
            taskId,
            status: outcome.kind === "complete" ? "COMPLETED" : outcome.terminal ? "FAILED_WITH_TERMINAL_ERROR" : "FAILED",
            outputData: outcome.outputData,
            reasonForIncompletion: outcome.kind === "fail" ? outcome.reason : undefined,
            callbackAfterSeconds: 0,
            logs: [],
            workerId: SYSTEM_WORKER,
          },
        },
        source,
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) logger.error("recording a system task outcome failed", { workflowId, taskId, error: String(error) });
    }
  }

  const CHILD_TO_TASK_STATUS = { COMPLETED: "COMPLETED", FAILED: "FAILED", TIMED_OUT: "TIMED_OUT", TERMINATED: "CANCELED" } as const;

  /** A finished sub-workflow ends its parent's SUB_WORKFLOW task with the mapped status. */
  async function reportToParent(child: WorkflowState): Promise<void> {
    const parentId = child.parentWorkflowId;
    const taskId = child.parentWorkflowTaskId;
    if (!parentId || !taskId || !isWorkflowTerminal(child.status) || child.status === "PAUSED" || child.status === "RUNNING") return;
    const parent = models.workflows.get(parentId);
    const task = parent?.tasks.find((t) => t.taskId === taskId);
    if (!parent || !task || isTaskTerminal(task.status)) return;
    const status = CHILD_TO_TASK_STATUS[child.status as keyof typeof CHILD_TO_TASK_STATUS];
    try {
      await runWorkflowCommand(
        parentId,
        {
          type: "ConcludeTask",
          taskId,
          status,
          outputData: { ...child.output, subWorkflowId: child.workflowId },
          reason: child.reasonForIncompletion ?? `Sub-workflow ${child.workflowId} ended ${child.status}`,
        },
        { kind: "system", detail: `sub-workflow ${child.workflowId} ended ${child.status}` },
      );
    } catch (error) {
      logger.error("reporting a sub-workflow to its parent failed", { parentId, childId: child.workflowId, error: String(error) });
    }
  }

  /** Ending a parent (other than by completing) terminates the sub-workflows it still runs. */
  async function terminateChildren(parent: WorkflowState): Promise<void> {
    if (parent.status === "COMPLETED") return;
    for (const task of parent.tasks) {
      const childId = task.outputData.subWorkflowId;
      if (task.status !== "CANCELED" || typeof childId !== "string") continue;
      const child = models.workflows.get(childId);
      if (!child || isWorkflowTerminal(child.status)) continue;
      try {
        await runWorkflowCommand(childId, { type: "TerminateWorkflow", reason: `Parent workflow ${parent.workflowId} ended ${parent.status}` }, {
          kind: "system",
          detail: `parent ${parent.workflowId} ended`,
        });
      } catch (error) {
        logger.error("terminating a sub-workflow failed", { childId, error: String(error) });
      }
    }
  }

  /** After a restart: finish what reactors had started but not recorded. */
  async function recoverReactors(): Promise<void> {
    for (const workflow of [...models.workflows.values()]) {
      if (workflow.failureWorkflowId && isWorkflowTerminal(workflow.status) && !models.workflows.has(workflow.failureWorkflowId)) {
        await startFailureWorkflow(workflow);
      }
      if (isWorkflowTerminal(workflow.status)) {
        await reportToParent(workflow);
        await terminateChildren(workflow);
        continue;
      }
      for (const task of workflow.tasks) {
        const wt = workflowTaskOf(workflow, task);
        if (task.status !== "IN_PROGRESS" || !wt || !isReactorType(wt.type) || task.workerId !== SYSTEM_WORKER) continue;
        const childId = task.outputData.subWorkflowId;
        if (typeof childId === "string") {
          const child = models.workflows.get(childId);
          if (child) await reportToParent(child);
          else await runSystemTask(workflow.workflowId, task.taskId);
        } else if (Object.keys(task.outputData).length === 0) {
          await runSystemTask(workflow.workflowId, task.taskId); // at-least-once: it may run twice
        }
      }
    }
  }
  await recoverReactors();
  eventHandlers = createEventHandlers({
    ...deps.eventHandlers,
    store,
    bus,
    models,
    caughtUpTo,
    evaluator: deps.evaluators?.javascript,
    clock,
    newId,
    logError: (message, fields) => logger.error(message, fields),
    workflows: {
      startWorkflow: (request, source) => startWorkflow(request, source),
      updateTask,
      terminate: (id, reason, source) => runWorkflowCommand(id, { type: "TerminateWorkflow", reason }, source),
      setVariables: (id, variables, source) => runWorkflowCommand(id, { type: "SetVariables", variables }, source),
    },
  });

  return {
    models,
    clock,
    bus,
    /** Conductor event handlers: registry, executions, and the bus subscriptions that run them. */
    eventHandlers,
    setVariables: (id: string, variables: Record<string, unknown>, source: EventSource) =>
      runWorkflowCommand(id, { type: "SetVariables", variables }, source),
    // definitions
    getWorkflowDef,
    listWorkflowDefs: () => [...models.workflowDefs.values()].flatMap((v) => [...v.versions.values()]),
    registerWorkflowDef: registerWorkflowDefinition,
    async removeWorkflowDef(name: string, version: number, source: EventSource) {
      await withLock(`workflowdef:${name}`, async () => {
        const r = await handle(workflowDefStream(name), workflowDefAggregate, undefined, (s) => removeWorkflowDef(s, name, version, clock()), { source });
        await caughtUpTo(r.position);
      });
    },
    getTaskDef(name: string): TaskDef {
      const def = models.taskDefs.get(name)?.definition;
      if (!def) throw new NotFoundError(`No such taskType found by name: ${name}`);
      return def;
    },
    listTaskDefs: () => [...models.taskDefs.values()].flatMap((s) => (s.definition ? [s.definition] : [])),
    registerTaskDef: registerTaskDefinition,
    async removeTaskDef(name: string, source: EventSource) {
      await withLock(`taskdef:${name}`, async () => {
        const r = await handle(taskDefStream(name), taskDefAggregate, undefined, (s) => removeTaskDef(s, name, clock()), { source });
        await caughtUpTo(r.position);
      });
    },
    // workflows
    startWorkflow,
    getWorkflow: requireWorkflow,
    waitForWorkflow,
    terminate: (id: string, reason: string | undefined, source: EventSource) =>
      runWorkflowCommand(id, { type: "TerminateWorkflow", reason }, source),
    pause: (id: string, source: EventSource) => runWorkflowCommand(id, { type: "PauseWorkflow" }, source),
    resume: (id: string, source: EventSource) => runWorkflowCommand(id, { type: "ResumeWorkflow" }, source),
    restart: (id: string, useLatestDefinitions: boolean, source: EventSource) => {
      const current = requireWorkflow(id);
      const latestDefinition = useLatestDefinitions ? snapshotDefinition(getWorkflowDef(current.definition.name)) : undefined;
      return runWorkflowCommand(id, { type: "RestartWorkflow", latestDefinition }, source);
    },
    retry: (id: string, source: EventSource) => runWorkflowCommand(id, { type: "RetryWorkflow" }, source),
    rerun: (id: string, request: RerunWorkflowRequest, source: EventSource) =>
      runWorkflowCommand(id, { type: "RerunWorkflow", request }, source),
    skipTask: (id: string, ref: string, request: SkipTaskRequest, source: EventSource) =>
      runWorkflowCommand(id, { type: "SkipTask", taskReferenceName: ref, request }, source),
    resetCallbacks: (id: string, source: EventSource) => runWorkflowCommand(id, { type: "ResetCallbacks" }, source),
    search: (request: SearchRequest) => searchWorkflows(models.workflows.values(), request),
    workflows: () => models.workflows.values(),
    /** A workflow's stream as stored (empty for an unknown id), for the audit timeline and time travel. */
    readWorkflowEvents: (workflowId: string) => store.readStream(workflowStream(workflowId)),
    /**
     * Calls `listener` with each workflow state the read models take (after the
     * engine's own reactions); e.g. the event router re-checks its held completions.
     * Returns the unsubscribe function.
     */
    onWorkflowChange(listener: (workflow: WorkflowState) => void): () => void {
      workflowListeners.add(listener);
      return () => workflowListeners.delete(listener);
    },
    // tasks
    poll,
    updateTask,
    updateTaskAndPollNext,
    getTask: findTaskById,
    addTaskLog: (taskId: string, log: string, source: EventSource) => {
      const { workflow } = findTaskById(taskId);
      return runWorkflowCommand(workflow.workflowId, { type: "AddTaskLog", taskId, log }, source);
    },
    queueSize: (taskType: string, domain?: string) => models.queues.get(queueName(taskType, domain))?.size ?? 0,
    pollData: (taskType: string): PollData[] =>
      [...pollData.entries()]
        .filter(([queue]) => queue === taskType || queue.endsWith(`:${taskType}`))
        .flatMap(([, byWorker]) => [...byWorker.values()]),
    allPollData: (): PollData[] => [...pollData.values()].flatMap((byWorker) => [...byWorker.values()]),
    /** Stops sweeping and subscriptions; pending long polls return empty. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(sweeper);
      queueWaiters.notifyAll();
      workflowWaiters.notifyAll();
      await eventHandlers?.close();
      await subscription.close();
    },
  };
}

export type Engine = Awaited<ReturnType<typeof createEngine>>;
