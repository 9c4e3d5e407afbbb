import { checkWorkflowDefRules } from "../domain/definitions/check-workflow-def.ts";
import type { RerunWorkflowRequest, SkipTaskRequest, StartWorkflowRequest } from "../domain/definitions/requests.ts";
import { ConflictError, NotFoundError } from "../domain/errors.ts";
import type { EventSource } from "../domain/ports.ts";
import { idempotencyStream } from "../domain/streams.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";
import { isWorkflowTerminal } from "../domain/workflow/status.ts";
import { findWorkflows, type SearchRequest, type SearchResult, type WorkflowDigest } from "../projections/search.ts";
import { toWorkflowSummary, type WorkflowSummary } from "../projections/summary.ts";
import { idempotencyCategory } from "../projections/stream-categories.ts";
import type { Definitions } from "./definitions.ts";
import type { CommandOptions, EngineCore } from "./engine-core.ts";
import { createWaiters } from "./waiters.ts";

/** Where a start comes from when the engine itself starts a workflow (sub-workflows, failure workflows). */
export interface StartOptions {
  workflowId?: string;
  parentWorkflowId?: string;
  parentWorkflowTaskId?: string;
  /** Sub-workflow nesting of the new workflow (its parent's depth + 1). */
  depth?: number;
}

/**
 * Workflow instances: start (with idempotency keys), the lifecycle commands,
 * and reads of one instance or a search over all of them.
 */
export function createWorkflowCommands(core: EngineCore, definitions: Definitions, deps: { digests: () => Iterable<WorkflowDigest> }) {
  const { models, runWorkflowCommand } = core;
  const waiters = createWaiters();

  async function requireWorkflow(workflowId: string): Promise<WorkflowState> {
    const workflow = await core.loadWorkflow(workflowId);
    if (!workflow) throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
    return workflow;
  }

  /** One page of a search; digests on the page are read back from the store. */
  async function search(request: SearchRequest): Promise<SearchResult<WorkflowSummary>> {
    const { totalHits, results } = findWorkflows([models.workflows.values(), deps.digests()], request);
    const summaries = await Promise.all(
      results.map(async (item) => ("fields" in item ? await core.loadWorkflow(item.workflowId) : item)),
    );
    return { totalHits, results: summaries.flatMap((workflow) => (workflow ? [toWorkflowSummary(workflow)] : [])) };
  }

  async function startWorkflow(request: StartWorkflowRequest, source: EventSource, options: StartOptions = {}): Promise<string> {
    const definition = request.workflowDef ?? definitions.getWorkflowDef(request.name, request.version ?? undefined);
    if (request.workflowDef) checkWorkflowDefRules(request.workflowDef, "workflowDef.");
    const workflowId = options.workflowId ?? core.newId();
    if (options.parentWorkflowId !== undefined) {
      // A parent that ended (a terminate racing its SUB_WORKFLOW task) gets no new children.
      const parent = await core.loadWorkflow(options.parentWorkflowId);
      if (parent !== undefined && isWorkflowTerminal(parent.status)) {
        throw new ConflictError(`Parent workflow ${options.parentWorkflowId} is ${parent.status}; its sub-workflow ${definition.name} is not started`);
      }
    }
    const start = async () => {
      await runWorkflowCommand(
        workflowId,
        {
          type: "StartWorkflow",
          workflowId,
          definition: definitions.snapshotDefinition(definition),
          input: request.input ?? {},
          correlationId: request.correlationId ?? undefined,
          traceparent: source.traceparent,
          priority: request.priority ?? 0,
          taskToDomain: request.taskToDomain ?? {},
          idempotencyKey: request.idempotencyKey ?? undefined,
          createdBy: request.createdBy ?? undefined,
          parentWorkflowId: options.parentWorkflowId,
          parentWorkflowTaskId: options.parentWorkflowTaskId,
          depth: options.depth,
        },
        source,
      );
      return workflowId;
    };
    const key = request.idempotencyKey ?? undefined;
    if (key === undefined) return start();
    // The claim and the start happen under one lock, so a second start with the key
    // in this process sees the first workflow, not a claim whose workflow is not there yet.
    return core.withLock(`idempotent-start:${definition.name}:${key}`, async () => {
    // The decider asks what became of the workflow an earlier claim names. The read
    // side holds only active and recently finished workflows, so one that left memory
    // is read back from the store here; otherwise its key would look free again.
    const streamId = idempotencyStream(definition.name, key);
    const [last] = await core.store.readStream(streamId, { direction: "backwards", maxCount: 1 });
    const claimed = (last?.data as { workflowId?: unknown } | undefined)?.workflowId;
    const earlier = typeof claimed === "string" ? models.workflows.get(claimed) ?? (await core.loadWorkflow(claimed)) : undefined;
    const { state } = await core.runCommand(
      `idempotency:${definition.name}:${key}`,
      idempotencyCategory.decider,
      streamId,
      { type: "ClaimIdempotencyKey", workflowName: definition.name, key, workflowId, strategy: request.idempotencyStrategy ?? "FAIL" },
      () => ({ now: core.clock(), workflowOf: (id: string) => models.workflows.get(id) ?? (earlier?.workflowId === id ? earlier : undefined) }),
      { source },
    );
    const claimedBy = state.claim?.workflowId;
    return claimedBy !== undefined && claimedBy !== workflowId ? claimedBy : start();
    });
  }

  /** Waits until the workflow is terminal (or `predicate` holds), at most until `deadline`. */
  async function waitForWorkflow(workflowId: string, deadline: number, predicate = (w: WorkflowState) => isWorkflowTerminal(w.status)) {
    for (;;) {
      const workflow = await requireWorkflow(workflowId);
      if (predicate(workflow) || core.clock() >= deadline || core.isClosed()) return workflow;
      // Loading yields, and a change in between woke no one: look again before sleeping.
      const current = models.workflows.get(workflowId);
      if (current !== undefined && current !== workflow) continue;
      await waiters.wait(workflowId, deadline, core.clock);
    }
  }

  const run = (id: string, command: Parameters<typeof runWorkflowCommand>[1], source: EventSource, options?: CommandOptions) =>
    runWorkflowCommand(id, command, source, options);

  return {
    startWorkflow,
    /** True when a workflow with this id exists (in memory or only in the store). */
    hasWorkflow: async (workflowId: string) => (await core.loadWorkflow(workflowId)) !== undefined,
    /** Any workflow: from memory, or from the store when it left memory. */
    loadWorkflow: requireWorkflow,
    /**
     * A workflow held in memory (every active one, and the recently finished);
     * NotFound otherwise, so use `loadWorkflow` for one that may have left memory.
     */
    getWorkflow(workflowId: string): WorkflowState {
      const workflow = models.workflows.get(workflowId);
      if (!workflow) throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
      return workflow;
    },
    waitForWorkflow,
    /** Wakes `waitForWorkflow` callers of a workflow whose read model changed. */
    workflowChanged: (workflowId: string) => waiters.notify(workflowId),
    /** Wakes every waiter (shutdown). */
    wakeAll: () => waiters.notifyAll(),
    terminate: (id: string, reason: string | undefined, source: EventSource) => run(id, { type: "TerminateWorkflow", reason }, source),
    pause: (id: string, source: EventSource) => run(id, { type: "PauseWorkflow" }, source),
    resume: (id: string, source: EventSource) => run(id, { type: "ResumeWorkflow" }, source),
    restart: async (id: string, useLatestDefinitions: boolean, source: EventSource) => {
      const current = await requireWorkflow(id);
      const latestDefinition = useLatestDefinitions
        ? definitions.snapshotDefinition(definitions.getWorkflowDef(current.definition.name))
        : undefined;
      return run(id, { type: "RestartWorkflow", latestDefinition }, source);
    },
    retry: (id: string, source: EventSource) => run(id, { type: "RetryWorkflow" }, source),
    rerun: (id: string, request: RerunWorkflowRequest, source: EventSource) => run(id, { type: "RerunWorkflow", request }, source),
    skipTask: (id: string, ref: string, request: SkipTaskRequest, source: EventSource) =>
      run(id, { type: "SkipTask", taskReferenceName: ref, request }, source),
    resetCallbacks: (id: string, source: EventSource) => run(id, { type: "ResetCallbacks" }, source),
    /** Conductor's decide: time-driven moves and the next tasks, now (what the sweeper would do). */
    decide: (id: string, source: EventSource) => run(id, { type: "CheckTimeouts" }, source),
    /** Removes a finished workflow from every read model; its events stay in the log. */
    remove: (id: string, archive: boolean, source: EventSource) => run(id, { type: "RemoveWorkflow", archive }, source),
    setVariables: (id: string, variables: Record<string, unknown>, source: EventSource) => run(id, { type: "SetVariables", variables }, source),
    search,
    /** Workflows held in memory: every active one, and recently finished ones. */
    workflows: () => models.workflows.values(),
    /** Digests of finished workflows that left memory (search still finds them). */
    digests: deps.digests,
  };
}

export type WorkflowCommands = ReturnType<typeof createWorkflowCommands>;
