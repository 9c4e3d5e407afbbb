import * as v from "valibot";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import type { TaskState, WorkflowState } from "../../domain/workflow/state.ts";
import { isTaskTerminal, isWorkflowTerminal } from "../../domain/workflow/status.ts";
import type { Engine } from "../../engine/engine.ts";
import { toTaskJson, toWorkflowJson } from "../../projections/conductor-json.ts";

/** What the synchronous execute and signal routes return (conductor-oss WorkflowSignalReturnStrategy). */
export const RETURN_STRATEGIES = ["TARGET_WORKFLOW", "BLOCKING_WORKFLOW", "BLOCKING_TASK", "BLOCKING_TASK_INPUT"] as const;
export type ReturnStrategy = (typeof RETURN_STRATEGIES)[number];

/** Reads `returnStrategy` (TARGET_WORKFLOW when absent), naming the field when it is not one of them. */
export function parseReturnStrategy(raw: string | undefined): ReturnStrategy {
  if (raw === undefined || raw.trim() === "") return "TARGET_WORKFLOW";
  return parseOrThrow(v.picklist(RETURN_STRATEGIES, `returnStrategy must be one of ${RETURN_STRATEGIES.join(", ")}`), raw.trim(), "return strategy", "returnStrategy");
}

export type SignalPort = Pick<Engine, "clock" | "loadWorkflow" | "waitForWorkflow">;

interface Blocking {
  tasks: { workflow: WorkflowState; task: TaskState }[];
  workflow?: WorkflowState;
}

/**
 * Conductor's blocking tasks, in the workflow and its running sub-workflows: a
 * WAIT that waits for a signal (no duration or `until`), and any task named in
 * `refs` once it has ended.
 */
async function findBlocking(engine: SignalPort, workflow: WorkflowState, refs: readonly string[]): Promise<Blocking> {
  const found: Blocking = { tasks: [] };
  const add = (owner: WorkflowState, task: TaskState) => {
    found.tasks.push({ workflow: owner, task });
    found.workflow ??= owner;
  };
  for (const task of workflow.tasks) {
    if (task.taskType === "WAIT" && !isTaskTerminal(task.status) && task.waitUntil === undefined) add(workflow, task);
    if (refs.includes(task.referenceTaskName) && isTaskTerminal(task.status)) add(workflow, task);
    const childId = task.outputData.subWorkflowId;
    if (task.taskType === "SUB_WORKFLOW" && typeof childId === "string" && childId !== "" && !isTaskTerminal(task.status)) {
      const child = await engine.loadWorkflow(childId).catch(() => undefined);
      if (!child) continue;
      const inner = await findBlocking(engine, child, refs);
      for (const hit of inner.tasks) found.tasks.push(hit);
      found.workflow ??= inner.workflow;
    }
  }
  return found;
}

const POLL_MS = 100;

/**
 * Waits until the workflow ends or blocks (see findBlocking), at most
 * `timeoutMs`, then renders Conductor's SignalResponse for `strategy`:
 * a WorkflowRun (TARGET_WORKFLOW, BLOCKING_WORKFLOW) or a TaskRun
 * (BLOCKING_TASK, BLOCKING_TASK_INPUT); undefined when a task strategy finds
 * no blocking task (Conductor answers an empty 200 then).
 */
export async function awaitSignalResponse(
  engine: SignalPort,
  workflowId: string,
  refs: readonly string[],
  strategy: ReturnStrategy,
  requestId: string | undefined,
  timeoutMs: number,
): Promise<Record<string, unknown> | undefined> {
  const deadline = engine.clock() + timeoutMs;
  for (;;) {
    const target = await engine.loadWorkflow(workflowId);
    const blocking = await findBlocking(engine, target, refs);
    const timedOut = engine.clock() >= deadline;
    if (isWorkflowTerminal(target.status) || blocking.tasks.length > 0 || timedOut) {
      return render(target, blocking, strategy, requestId, timedOut);
    }
    // Wakes when the target changes; a running sub-workflow's changes do not change the target, so then poll too.
    const hasChild = target.tasks.some((task) => task.taskType === "SUB_WORKFLOW" && !isTaskTerminal(task.status));
    await engine.waitForWorkflow(workflowId, hasChild ? Math.min(deadline, engine.clock() + POLL_MS) : deadline, (w) => w !== target);
  }
}

function render(target: WorkflowState, blocking: Blocking, strategy: ReturnStrategy, requestId: string | undefined, timedOut: boolean) {
  const signal = {
    responseType: strategy,
    targetWorkflowId: target.workflowId,
    targetWorkflowStatus: target.status,
    requestId,
    signalTimeout: timedOut && !isWorkflowTerminal(target.status) && blocking.tasks.length === 0,
  };
  const first = blocking.tasks[0];
  switch (strategy) {
    case "TARGET_WORKFLOW":
      return { ...toWorkflowJson(target, true), ...signal };
    case "BLOCKING_WORKFLOW":
      return { ...toWorkflowJson(blocking.workflow ?? target, true), ...signal };
    case "BLOCKING_TASK":
    case "BLOCKING_TASK_INPUT": {
      if (!first) return undefined;
      const task = toTaskJson(first.workflow, first.task);
      return {
        ...signal,
        taskType: first.task.taskType,
        taskId: first.task.taskId,
        referenceTaskName: first.task.referenceTaskName,
        retryCount: first.task.retryCount,
        taskDefName: first.task.taskDefName,
        retriedTaskId: first.task.retriedTaskId,
        workflowType: first.workflow.definition.name,
        reasonForIncompletion: first.task.reasonForIncompletion,
        priority: first.workflow.priority,
        workflowId: first.workflow.workflowId,
        correlationId: first.workflow.correlationId,
        status: task.status,
        input: first.task.inputData,
        output: first.task.outputData,
        createdBy: first.task.workerId,
        createTime: first.task.startTime,
        updateTime: first.task.updateTime,
      };
    }
    default: {
      const _exhaustive: never = strategy;
      return _exhaustive;
    }
  }
}
