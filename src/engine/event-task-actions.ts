import type { StartWorkflowRequest } from "../domain/definitions/requests.ts";
import type { EventExecution, HeldTaskAction, ResolvedTaskDetails } from "../domain/event-handlers/events.ts";
import { locateTask, type TaskTarget } from "../domain/event-handlers/target.ts";
import type { EventSource } from "../domain/ports.ts";
import type { ReadModels } from "../projections/read-models.ts";
import { heldEventKey } from "../projections/event-handlers.ts";
import type { MessageCompletion, MessageCompletionVerdict } from "./message-completions.ts";
import { createTaskHolds, type HoldEnd } from "./task-holds.ts";

/** The workflow operations event actions run, from the engine. */
export interface WorkflowOperations {
  startWorkflow(request: StartWorkflowRequest, source: EventSource): Promise<string>;
  completeTaskFromMessage(workflowId: string, completion: MessageCompletion, source: EventSource): Promise<MessageCompletionVerdict>;
  terminate(workflowId: string, reason: string | undefined, source: EventSource): Promise<unknown>;
  setVariables(workflowId: string, variables: Record<string, unknown>, source: EventSource): Promise<unknown>;
}

/** An execution before its outcome is known. */
export type ExecutionBase = Omit<EventExecution, "status" | "output">;

/** A complete_task / fail_task waiting for its task, with the execution it belongs to (as recorded). */
export interface HeldAction {
  execution: EventExecution;
  held: HeldTaskAction;
}

export interface TaskActionsDeps {
  models: ReadModels;
  workflows: WorkflowOperations;
  holdMs: number;
  clock: () => number;
  /** Records an execution (never rejects); records are appended in call order. */
  record: (execution: EventExecution, held?: HeldTaskAction) => Promise<void>;
  logError: (message: string, fields?: Record<string, unknown>) => void;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * complete_task and fail_task: applied at once when the task waits, held
 * (recorded IN_PROGRESS, see task-holds.ts) while it does not yet, failed when
 * it never will. The workflow decider has the last word: a message that comes
 * after its task ended fails the execution with the reason.
 */
export function createTaskActions(deps: TaskActionsDeps) {
  const { models, record } = deps;

  function locate(task: ResolvedTaskDetails): TaskTarget {
    const holder = task.taskId ? models.taskIndex.get(task.taskId) : undefined;
    return locateTask(task, models.workflows.get(holder ?? task.workflowId ?? ""));
  }

  const holds = createTaskHolds<HeldAction, Exclude<TaskTarget, { kind: "hold" }>>({
    clock: deps.clock,
    holdMs: deps.holdMs,
    keyOf: ({ execution }) => heldEventKey(execution.name, execution.id),
    untilOf: ({ held }) => held.until,
    locate: ({ held }) => locate(held.task),
    concerns: ({ held }, workflowId) =>
      held.task.workflowId === workflowId || (held.task.taskId !== undefined && models.taskIndex.get(held.task.taskId) === workflowId),
    // The IN_PROGRESS execution is the hold's record; its outcome, recorded under the same id, ends it.
    recordHold: ({ execution, held }) => record(execution, held),
    release: releaseHeld,
    logError: deps.logError,
  });

  async function releaseHeld({ execution, held }: HeldAction, end: HoldEnd<Exclude<TaskTarget, { kind: "hold" }>>): Promise<void> {
    const { status: _status, output: _output, ...base } = execution;
    if (end.kind === "ready") {
      const source: EventSource = { kind: "router", detail: `event handler ${execution.name}, held message ${execution.messageId}` };
      return apply(held.action, held.task, end, base, source);
    }
    return record({ ...base, status: "FAILED", output: { exception: end.reason } });
  }

  async function apply(
    kind: "complete_task" | "fail_task",
    task: ResolvedTaskDetails,
    target: Extract<TaskTarget, { kind: "ready" }>,
    base: ExecutionBase,
    source: EventSource,
  ): Promise<void> {
    let outcome: EventExecution;
    try {
      // A repeat of this message (a redelivery) is no failure: the task ended with it.
      await deps.workflows.completeTaskFromMessage(
        target.workflowId,
        {
          taskId: target.taskId,
          messageId: base.messageId,
          status: kind === "complete_task" ? "COMPLETED" : "FAILED",
          outputData: task.output,
          reason: kind === "fail_task" ? task.reasonForIncompletion : undefined,
        },
        source,
      );
      outcome = { ...base, status: "COMPLETED", output: { ...task.output, workflowId: target.workflowId, taskId: target.taskId } };
    } catch (error) {
      // Too late (the task ended meanwhile), or the workflow or task is gone.
      outcome = { ...base, status: "FAILED", output: { exception: errorText(error) } };
    }
    return record(outcome);
  }

  return {
    /** Applies the action now, holds it until its task waits, or fails it when the task never will. */
    applyOrHold(act: { action: "complete_task" | "fail_task"; task: ResolvedTaskDetails }, base: ExecutionBase, source: EventSource) {
      const target = locate(act.task);
      if (target.kind === "ready") return apply(act.action, act.task, target, base, source);
      if (target.kind === "gone") return record({ ...base, status: "FAILED", output: { exception: target.reason } });
      const held: HeldTaskAction = { action: act.action, task: act.task, until: holds.deadline() };
      const execution: EventExecution = { ...base, status: "IN_PROGRESS", output: { held: true, reason: target.reason, heldUntil: held.until } };
      return holds.hold({ execution, held });
    },
    /** After a restart: hold again what was recorded as held (the deadline stays the recorded one). */
    recoverHeld: () => holds.recover([...models.heldEvents.values()]),
    workflowChanged: (workflowId: string) => holds.workflowChanged(workflowId),
    heldCount: () => holds.size(),
    close: () => holds.close(),
  };
}
