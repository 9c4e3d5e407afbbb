import type { StartWorkflowRequest, TaskResult } from "../domain/definitions/requests.ts";
import type { EventExecution, HeldTaskAction, ResolvedTaskDetails } from "../domain/event-handlers/events.ts";
import { locateTask, type TaskTarget } from "../domain/event-handlers/target.ts";
import type { EventSource } from "../domain/ports.ts";
import type { TaskState } from "../domain/workflow/state.ts";
import type { ReadModels } from "../projections/read-models.ts";
import { createHeldEvents, type HeldAction, type HoldOutcome } from "./held-events.ts";

/** The workflow operations event actions run, from the engine. */
export interface WorkflowOperations {
  startWorkflow(request: StartWorkflowRequest, source: EventSource): Promise<string>;
  updateTask(result: TaskResult, source: EventSource): Promise<{ task: TaskState }>;
  terminate(workflowId: string, reason: string | undefined, source: EventSource): Promise<unknown>;
  setVariables(workflowId: string, variables: Record<string, unknown>, source: EventSource): Promise<unknown>;
}

/** An execution before its outcome is known. */
export type ExecutionBase = Omit<EventExecution, "status" | "output">;

export interface TaskActionsDeps {
  models: ReadModels;
  workflows: WorkflowOperations;
  clock: () => number;
  holdMs: number;
  /** Records an execution (never rejects); records are appended in call order. */
  record: (execution: EventExecution, held?: HeldTaskAction) => Promise<void>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * complete_task and fail_task: applied at once when the task waits, held
 * (recorded IN_PROGRESS) while it does not yet, failed when it never will.
 */
export function createTaskActions(deps: TaskActionsDeps) {
  const { models, clock, holdMs, record } = deps;

  function locate(task: ResolvedTaskDetails): TaskTarget {
    const holder = task.taskId ? models.taskIndex.get(task.taskId) : undefined;
    return locateTask(task, models.workflows.get(holder ?? task.workflowId ?? ""));
  }

  const held = createHeldEvents({
    clock,
    locate: (action) => locate(action.task),
    concerns: (action, workflowId) =>
      action.task.workflowId === workflowId || (action.task.taskId !== undefined && models.taskIndex.get(action.task.taskId) === workflowId),
    settle: (action, outcome) => void settleHeld(action, outcome),
  });

  async function settleHeld({ execution, held: action }: HeldAction, outcome: HoldOutcome): Promise<void> {
    const { status: _status, output: _output, ...base } = execution;
    if (outcome.kind === "ready") {
      const source: EventSource = { kind: "router", detail: `event handler ${execution.name}, held message ${execution.messageId}` };
      return apply(action.action, action.task, outcome, base, source);
    }
    const reason = outcome.kind === "expired" ? `held for ${holdMs / 1000} s, but ${outcome.reason}; giving up` : outcome.reason;
    return record({ ...base, status: "FAILED", output: { exception: reason } });
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
      const { task: updated } = await deps.workflows.updateTask(
        {
          workflowInstanceId: target.workflowId,
          taskId: target.taskId,
          status: kind === "complete_task" ? "COMPLETED" : "FAILED",
          outputData: task.output,
          reasonForIncompletion: kind === "fail_task" ? task.reasonForIncompletion : undefined,
          callbackAfterSeconds: 0,
          logs: [],
        },
        source,
      );
      // The task may have ended between the check and the update; then the update changed nothing.
      outcome =
        updated.outputData["conductor.event.messageId"] === base.messageId
          ? { ...base, status: "COMPLETED", output: { ...task.output, workflowId: target.workflowId, taskId: target.taskId } }
          : { ...base, status: "FAILED", output: { exception: `task ${target.taskId} was already ${updated.status}` } };
    } catch (error) {
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
      const action: HeldTaskAction = { action: act.action, task: act.task, until: clock() + holdMs };
      const execution: EventExecution = { ...base, status: "IN_PROGRESS", output: { held: true, reason: target.reason, heldUntil: action.until } };
      // Record before holding: the hold may settle at once, and its outcome must be recorded after it.
      const recorded = record(execution, action);
      held.hold({ execution, held: action });
      return recorded;
    },
    /** After a restart: hold again what was recorded as held (the deadline stays the recorded one). */
    recoverHeld(): void {
      for (const { execution, held: action } of [...models.heldEvents.values()]) held.hold({ execution, held: action });
    },
    workflowChanged: (workflowId: string) => held.workflowChanged(workflowId),
    heldCount: () => held.size(),
    close: () => held.close(),
  };
}
