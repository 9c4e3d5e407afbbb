import type { StartWorkflowRequest } from "../domain/definitions/requests.ts";
import type { WorkflowTask } from "../domain/definitions/workflow-def.ts";
import { type EventSinkPolicy, eventWaitsForReply } from "../domain/tasks/event.ts";
import { claimsWithOutcome, isReactorType, REACTOR_TASK_TYPES } from "../domain/definitions/task-types.ts";
import { ConflictError, IllegalStateError, NotFoundError } from "../domain/errors.ts";
import type { EventSource } from "../domain/ports.ts";
import { systemQueueName } from "../domain/streams.ts";
import { workflowTaskOf } from "../domain/workflow/definition-lookup.ts";
import { failureWorkflowInput } from "../domain/workflow/failure-workflow.ts";
import type { WorkflowReaction } from "../domain/workflow/reactions.ts";
import type { SystemTaskReport } from "../domain/workflow/commands.ts";
import { isDecisionDeferred, isPollable, type WorkflowState } from "../domain/workflow/state.ts";
import { isTaskTerminal, isWorkflowTerminal } from "../domain/workflow/status.ts";
import { toWorkflowJson } from "../projections/conductor-json.ts";
import { nextVisibleAt, pollableEntries } from "../projections/read-models.ts";
import type { EngineCore } from "./engine-core.ts";
import type { EgressPolicy } from "./system/egress-policy.ts";
import { createHttpExecutor } from "./system/http.ts";
import type { SystemTaskExecutor, SystemTaskOutcome } from "./system/outcome.ts";
import { createEventExecutor, createKafkaPublishExecutor } from "./system/publish.ts";
import { createStartWorkflowExecutor, createSubWorkflowExecutor } from "./system/workflows.ts";
import type { StartOptions } from "./workflow-commands.ts";

/** The worker id reactors claim system tasks with. */
export const SYSTEM_WORKER = "baton:system";

/** Sub-workflows terminated at once when their parent ends. */
const TERMINATE_BATCH = 16;

const CHILD_TO_TASK_STATUS = { COMPLETED: "COMPLETED", FAILED: "FAILED", TIMED_OUT: "TIMED_OUT", TERMINATED: "CANCELED" } as const;

export interface ReactorDeps {
  startWorkflow(request: StartWorkflowRequest, source: EventSource, options: StartOptions): Promise<string>;
  /** The fetch HTTP tasks use (the runtime's by default). */
  fetch?: typeof fetch;
  /** Where HTTP tasks may connect. */
  egress?: EgressPolicy;
  /** Which EVENT tasks wait for a reply besides those with `asyncComplete`. */
  eventSinks?: EventSinkPolicy;
  /** How deep sub-workflows may nest (limits.ts); a SUB_WORKFLOW that would go deeper fails. */
  maxSubWorkflowDepth: number;
}

/**
 * Side effects, run after the events that ask for them are stored, at least
 * once, each reporting back as a workflow command: system tasks on the
 * internal `_system:<type>` queues (HTTP, KAFKA_PUBLISH, EVENT, SUB_WORKFLOW,
 * START_WORKFLOW), a finished child reported to its parent, children of a
 * failed parent terminated, and failure workflows started.
 */
export function createReactors(core: EngineCore, deps: ReactorDeps) {
  const { models, logger } = core;
  const starter = {
    startWorkflow: deps.startWorkflow,
    exists: async (workflowId: string) => (await core.loadWorkflow(workflowId)) !== undefined,
  };
  const executors: Record<string, SystemTaskExecutor> = {
    HTTP: createHttpExecutor(deps.fetch, deps.egress),
    KAFKA_PUBLISH: createKafkaPublishExecutor(core.bus),
    EVENT: createEventExecutor(core.bus, deps.eventSinks),
    SUB_WORKFLOW: createSubWorkflowExecutor(starter, deps.maxSubWorkflowDepth),
    START_WORKFLOW: createStartWorkflowExecutor(starter),
  };
  /** The drain claims system tasks of owned workflows only; others are their owner's. */
  const owned = (entry: { workflowId: string }) => core.owns(entry.workflowId);
  const waitsAfterEffect = (wt: WorkflowTask) => (wt.type === "EVENT" ? eventWaitsForReply(wt, deps.eventSinks) : wt.asyncComplete);
  const draining = new Set<string>();
  /** System tasks this process is claiming or running, so the drain and a reaction do not both try. */
  const running = new Set<string>();
  /** Reactions and drains under way, and who waits for them to end (`idle`, for hosts that must keep the work alive). */
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  function track(work: Promise<unknown>): void {
    inFlight += 1;
    void work.finally(() => {
      inFlight -= 1;
      if (inFlight > 0) return;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    });
  }

  /**
   * Claims a ready system task for the reactor and runs it; a task someone else
   * claimed is left alone. A type whose claim comes with its outcome
   * (ReactorClaim `with-outcome`: the publishes) is run when the write side
   * still has it ready, and its start is appended with the outcome.
   */
  async function claimAndRun(workflowId: string, taskId: string): Promise<void> {
    if (running.has(taskId) || core.isClosed()) return;
    running.add(taskId);
    try {
      // `running` keeps this process's drain away until the report is appended; the
      // write side (not the read models, which may lag) says whether it is still ready.
      const current = await core.writeSideWorkflow(workflowId);
      const task = current?.tasks.find((t) => t.taskId === taskId);
      const type = current && task ? workflowTaskOf(current, task)?.type : undefined;
      if (current && task && type !== undefined && claimsWithOutcome(type)) {
        const startedAt = core.clock();
        if (!isWorkflowTerminal(current.status) && isPollable(task, startedAt)) await runSystemTask(current, taskId, startedAt);
        return;
      }
      let claimed: WorkflowState;
      try {
        claimed = await core.runWorkflowCommand(workflowId, { type: "PollTask", taskId, workerId: SYSTEM_WORKER }, { kind: "worker", detail: SYSTEM_WORKER }, { awaitRead: false });
      } catch (error) {
        // Claimed elsewhere, or the workflow moved on (paused, ended): not ours to run.
        if (error instanceof IllegalStateError || error instanceof NotFoundError) return;
        throw error;
      }
      await runSystemTask(claimed, taskId);
    } catch (error) {
      logger.error("running a system task failed", { workflowId, taskId, error: String(error) });
    } finally {
      running.delete(taskId);
    }
  }

  /** Claims and runs whatever a system queue holds that is ready; one drain per queue at a time. */
  function scheduleSystemDrain(queue: string): void {
    if (core.isClosed() || draining.has(queue) || pollableEntries(models, queue, core.clock(), 1, running, owned).length === 0) return;
    draining.add(queue);
    // Each task once per drain: a claim refused without I/O (the read models still list a task the
    // write side knows is taken) would otherwise be retried in a microtask loop that starves the
    // very subscription that would remove it. The next drain tries it again.
    const tried = new Set<string>();
    const untried = (entry: { workflowId: string; taskId: string }) => owned(entry) && !tried.has(entry.taskId);
    track((async () => {
      try {
        for (;;) {
          const ready = pollableEntries(models, queue, core.clock(), 32, running, untried);
          if (ready.length === 0 || core.isClosed()) break;
          for (const entry of ready) tried.add(entry.taskId);
          await Promise.all(ready.map((entry) => claimAndRun(entry.workflowId, entry.taskId)));
        }
      } finally {
        draining.delete(queue);
      }
    })());
  }

  /**
   * Runs one system task of `workflow` and records its outcome: a claimed
   * (IN_PROGRESS) one, or, with `startedAt`, one still ready whose start is
   * recorded with the outcome.
   */
  async function runSystemTask(workflow: WorkflowState, taskId: string, startedAt?: number): Promise<void> {
    const workflowId = workflow.workflowId;
    const task = workflow.tasks.find((t) => t.taskId === taskId);
    const wt = task ? workflowTaskOf(workflow, task) : undefined;
    if (!task || !wt) return;
    const executor = executors[wt.type];
    let outcome: SystemTaskOutcome;
    try {
      outcome = executor
        ? await executor(task, workflow, wt)
        : { kind: "fail", reason: `no executor for task type ${wt.type}`, outputData: {}, terminal: true };
      // asyncComplete: the effect happened; an external update completes the task.
      if (outcome.kind === "complete" && waitsAfterEffect(wt)) outcome = { kind: "wait", outputData: outcome.outputData };
    } catch (error) {
      outcome = { kind: "fail", reason: error instanceof Error ? error.message : String(error), outputData: {} };
    }
    const source: EventSource = { kind: "system", detail: `${wt.type} executor` };
    const quiet = { awaitRead: false };
    const report = (command: SystemTaskReport) =>
      core.runWorkflowCommand(
        workflowId,
        startedAt === undefined ? command : { type: "ReportSystemTask", taskId, workerId: SYSTEM_WORKER, startedAt, report: command },
        source,
        quiet,
      );
    try {
      if (outcome.kind === "wait") {
        const recorded = await report({ type: "RecordTaskOutput", taskId, outputData: outcome.outputData });
        const child = typeof outcome.outputData.subWorkflowId === "string" ? await core.loadWorkflow(outcome.outputData.subWorkflowId) : undefined;
        if (!child) return;
        const taskNow = recorded.tasks.find((t) => t.taskId === taskId);
        if (isWorkflowTerminal(recorded.status) || !taskNow || isTaskTerminal(taskNow.status)) {
          // The parent ended while its child was starting, so its terminate could not see the child: end it here.
          await terminateWorkflows([child.workflowId], `Parent workflow ${workflowId} ended ${recorded.status}`, workflowId);
        } else if (isWorkflowTerminal(child.status)) {
          await reportToParent(child);
        }
        return;
      }
      await report({
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
      });
    } catch (error) {
      if (!(error instanceof NotFoundError)) logger.error("recording a system task outcome failed", { workflowId, taskId, error: String(error) });
    }
  }

  async function startFailureWorkflow(failed: WorkflowState): Promise<void> {
    const name = failed.definition.failureWorkflow;
    const id = failed.failureWorkflowId;
    if (!name || !id || (await core.loadWorkflow(id))) return;
    try {
      await deps.startWorkflow(
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
      await core.runWorkflowCommand(
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

  /**
   * Ending a parent (other than by completing) terminates the sub-workflows it
   * still runs. Each child's own end terminates its children in turn (a
   * reaction of that decision), so a whole tree goes down level by level, a
   * few children at a time, however wide or deep it is.
   */
  async function terminateChildren(parent: WorkflowState): Promise<void> {
    if (parent.status === "COMPLETED") return;
    const childIds = parent.tasks.flatMap((task) => {
      const childId = task.outputData.subWorkflowId;
      return task.status === "CANCELED" && typeof childId === "string" ? [childId] : [];
    });
    await terminateWorkflows(childIds, `Parent workflow ${parent.workflowId} ended ${parent.status}`, parent.workflowId);
  }

  /** Terminates the workflows that still run, TERMINATE_BATCH at a time. */
  async function terminateWorkflows(workflowIds: readonly string[], reason: string, parentId: string): Promise<void> {
    for (let from = 0; from < workflowIds.length && !core.isClosed(); from += TERMINATE_BATCH) {
      await Promise.all(
        workflowIds.slice(from, from + TERMINATE_BATCH).map(async (childId) => {
          const child = await core.loadWorkflow(childId);
          if (!child || isWorkflowTerminal(child.status)) return;
          try {
            await core.runWorkflowCommand(childId, { type: "TerminateWorkflow", reason }, { kind: "system", detail: `parent ${parentId} ended` }, { awaitRead: false });
          } catch (error) {
            // COMPLETED meanwhile: nothing left to terminate.
            if (!(error instanceof ConflictError)) logger.error("terminating a sub-workflow failed", { childId, error: String(error) });
          }
        }),
      );
    }
  }

  /**
   * Goes on with a decision that stopped at its work budget. It waits for the next
   * turn of the event loop first, so requests and other workflows get their turn
   * between two parts of a long decision.
   */
  async function continueDecision(workflowId: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (core.isClosed()) return;
    await core.runWorkflowCommand(workflowId, { type: "ContinueWorkflow" }, { kind: "system", detail: "decision continued" }, { awaitRead: false });
  }

  /** Runs one reaction of a decision on `workflow` (its state right after the decision). */
  async function react(workflow: WorkflowState, reaction: WorkflowReaction): Promise<void> {
    switch (reaction.kind) {
      case "RunSystemTask":
        // Not visible yet (a retry delay): the periodic drain runs it when its time comes.
        if (reaction.visibleAt <= core.clock()) await claimAndRun(workflow.workflowId, reaction.taskId);
        return;
      case "StartFailureWorkflow":
        return startFailureWorkflow(workflow);
      case "ReportToParent":
        return reportToParent(workflow);
      case "TerminateChildren":
        return terminateChildren(workflow);
      case "ContinueDecision":
        return continueDecision(workflow.workflowId);
      default: {
        const _exhaustive: never = reaction;
        return _exhaustive;
      }
    }
  }

  return {
    /** Runs the reactions of a stored decision; failures are logged, and recovery or the drain tries again. */
    react(workflowId: string, reactions: readonly WorkflowReaction[], workflow: WorkflowState): void {
      if (core.isClosed()) return;
      for (const reaction of reactions) {
        track(
          react(workflow, reaction).catch((error) =>
            logger.error("a workflow reaction failed", { workflowId, reaction: reaction.kind, error: String(error) }),
          ),
        );
      }
    },
    /** Drains every system queue (the periodic sweep: delayed retries become visible). */
    drainAll(): void {
      for (const type of REACTOR_TASK_TYPES) scheduleSystemDrain(systemQueueName(type));
    },
    isIdle: () => inFlight === 0,
    /** Resolves once no reaction or drain is under way (at once when none is). */
    idle(): Promise<void> {
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    /** The earliest time a delayed system task of an owned workflow becomes ready (a retry delay), if any. */
    nextReadyAt(): number | undefined {
      const now = core.clock();
      let next: number | undefined;
      for (const type of REACTOR_TASK_TYPES) {
        const at = nextVisibleAt(models, systemQueueName(type), now);
        if (at !== undefined && (next === undefined || at < next)) next = at;
      }
      return next;
    },
    /**
     * After a restart or a takeover: finish what reactors had started but not
     * recorded, for the workflows `include` names (all by default).
     */
    async recover(include: (workflowId: string) => boolean = () => true): Promise<void> {
      for (const workflow of [...models.workflows.values()]) {
        if (!include(workflow.workflowId) || core.isClosed()) continue;
        if (workflow.failureWorkflowId && isWorkflowTerminal(workflow.status)) await startFailureWorkflow(workflow);
        if (isWorkflowTerminal(workflow.status)) {
          await reportToParent(workflow);
          await terminateChildren(workflow);
          continue;
        }
        if (isDecisionDeferred(workflow)) await continueDecision(workflow.workflowId);
        for (const task of workflow.tasks) {
          const wt = workflowTaskOf(workflow, task);
          if (task.status !== "IN_PROGRESS" || !wt || !isReactorType(wt.type) || task.workerId !== SYSTEM_WORKER) continue;
          const childId = task.outputData.subWorkflowId;
          if (typeof childId === "string") {
            const child = await core.loadWorkflow(childId);
            if (child) await reportToParent(child);
            else await runSystemTask(workflow, task.taskId);
          } else if (Object.keys(task.outputData).length === 0) {
            await runSystemTask(workflow, task.taskId); // at-least-once: it may run twice
          }
        }
      }
    },
  };
}
