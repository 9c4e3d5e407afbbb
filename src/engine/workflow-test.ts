import type { TaskMock, WorkflowTestRequest } from "../domain/definitions/workflow-test-request.ts";
import type { EventSource } from "../domain/ports.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";
import { isTaskTerminal, isWorkflowTerminal } from "../domain/workflow/status.ts";
import type { Engine } from "./engine.ts";

/** Task types the test runs itself (conductor-oss WorkflowTestService's operators); every other task needs a mock. */
const OPERATORS = new Set(["JOIN", "DO_WHILE", "SET_VARIABLE", "FORK", "INLINE", "TERMINATE", "DECISION", "DYNAMIC", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "SWITCH", "SUB_WORKFLOW"]);

/** Conductor's loop bound, and how long Baton waits for one step (a reactor starting a sub-workflow) before it gives up. */
const MAX_LOOPS = 20_000;
const STEP_WAIT_MS = 2_000;

export type WorkflowTestPort = Pick<Engine, "clock" | "loadWorkflow" | "startWorkflow" | "updateTask" | "waitForWorkflow">;

/**
 * Conductor's `POST /api/workflow/test`: starts the workflow with every task
 * in `domain`, one of its own (so no worker polls them), then completes each
 * waiting task with the next mock for its reference, until the workflow ends,
 * a task without a mock waits, or the mocks run out. Returns the workflow as
 * it is then. Mocks' `executionTime` and `queueWaitTime` are not applied:
 * Baton's task times are those of its events.
 */
export async function testWorkflow(engine: WorkflowTestPort, request: WorkflowTestRequest, domain: string, source: EventSource): Promise<WorkflowState> {
  const workflowId = await engine.startWorkflow({ ...request, taskToDomain: { ...(request.taskToDomain ?? {}), "*": domain } }, source);
  return runMocks(engine, request, workflowId, source);
}

async function runMocks(engine: WorkflowTestPort, request: WorkflowTestRequest, workflowId: string, source: EventSource): Promise<WorkflowState> {
  const mocks = new Map<string, TaskMock[]>(Object.entries(request.taskRefToMockOutput ?? {}).map(([ref, list]) => [ref, [...list]]));
  const subRequests = request.subWorkflowTestRequest ?? {};
  const tested = new Set<string>();
  let workflow = await engine.loadWorkflow(workflowId);
  for (let loop = 0; loop < MAX_LOOPS; loop++) {
    workflow = await engine.loadWorkflow(workflowId);
    if (isWorkflowTerminal(workflow.status) || mocks.size === 0) break;
    const running = workflow.tasks.filter((task) => !isTaskTerminal(task.status));
    if (running.some((task) => !OPERATORS.has(task.taskType) && !mocks.has(task.referenceTaskName))) break;
    let moved = false;
    for (const task of running) {
      const childId = task.outputData.subWorkflowId;
      const subRequest = subRequests[task.referenceTaskName];
      if (task.taskType === "SUB_WORKFLOW" && typeof childId === "string" && subRequest && !tested.has(childId)) {
        tested.add(childId);
        await runMocks(engine, subRequest, childId, source);
        moved = true;
      }
      const queue = mocks.get(task.referenceTaskName);
      if (OPERATORS.has(task.taskType) || queue === undefined || queue.length === 0) {
        if (!OPERATORS.has(task.taskType)) mocks.delete(task.referenceTaskName);
        continue;
      }
      const mock = queue.shift()!;
      await engine.updateTask(
        { workflowInstanceId: workflowId, taskId: task.taskId, status: mock.status, outputData: mock.output ?? {}, callbackAfterSeconds: 0, logs: [] },
        source,
      );
      moved = true;
    }
    // Nothing to mock yet (a reactor is still starting a sub-workflow, say): wait for the workflow to change.
    if (!moved) {
      const before = workflow;
      const after = await engine.waitForWorkflow(workflowId, engine.clock() + STEP_WAIT_MS, (w) => w !== before);
      if (after === before) break;
    }
  }
  return engine.loadWorkflow(workflowId);
}
