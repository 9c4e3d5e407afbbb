import type { TaskResult } from "../domain/definitions/requests.ts";
import { IllegalStateError, NotFoundError, ValidationError } from "../domain/errors.ts";
import type { EventSource } from "../domain/ports.ts";
import { queueName } from "../domain/streams.ts";
import type { TaskState, WorkflowState } from "../domain/workflow/state.ts";
import { isTaskTerminal } from "../domain/workflow/status.ts";
import { toTaskJson } from "../projections/conductor-json.ts";
import { nextVisibleAt, pollableEntries } from "../projections/read-models.ts";
import type { EngineCore } from "./engine-core.ts";
import { createWaiters } from "./waiters.ts";

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

/**
 * Worker task queues: polls (a claim is a PollTask command on the task's
 * workflow, so no attempt is handed out twice, also across processes),
 * long-poll waiters woken when a queue is fed, task updates and poll data.
 */
export function createTaskQueues(core: EngineCore) {
  const { models, clock } = core;
  const waiters = createWaiters();
  /** Tasks a claim of this process is in flight for, so two local polls do not race for one. */
  const claiming = new Set<string>();
  // Poll data is what this process saw; it is not stored (Conductor keeps it in its queue DAO).
  const pollData = new Map<string, Map<string, PollData>>();

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
    const candidates = pollableEntries(models, queue, clock(), count, claiming);
    for (const entry of candidates) claiming.add(entry.taskId);
    const claimed = await Promise.all(
      candidates.map(async (entry) => {
        try {
          const workflow = await core.runWorkflowCommand(
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
          claiming.delete(entry.taskId);
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
      if (polled.length > 0 || now >= deadline || core.isClosed()) return polled;
      const nextVisible = nextVisibleAt(models, queue, now);
      await waiters.wait(queue, Math.min(deadline, nextVisible ?? deadline), clock);
    }
  }

  function findTaskById(taskId: string): { workflow: WorkflowState; task: TaskState } {
    const workflowId = models.taskIndex.get(taskId);
    const workflow = workflowId ? models.workflows.get(workflowId) : undefined;
    const task = workflow?.tasks.find((t) => t.taskId === taskId);
    if (!workflow || !task) throw new NotFoundError(`No such task found by id: ${taskId}`);
    return { workflow, task };
  }

  async function updateTask(result: TaskResult, source: EventSource) {
    const indexed = models.taskIndex.get(result.taskId);
    if (indexed === undefined && result.workflowInstanceId) {
      // Not in this process's read models yet (the task was handed out by another process whose
      // write this one has not read): the workflow's stream is the truth, and its decider knows the task.
      const updated = await core.runWorkflowCommand(result.workflowInstanceId, { type: "UpdateTask", result }, source);
      const task = updated.tasks.find((t) => t.taskId === result.taskId);
      if (!task) throw new NotFoundError(`No such task found by id: ${result.taskId}`);
      return { workflow: updated, task };
    }
    const { workflow } = findTaskById(result.taskId);
    if (workflow.workflowId !== result.workflowInstanceId) {
      throw new ValidationError(
        `workflowInstanceId: task ${result.taskId} belongs to workflow ${workflow.workflowId}, not ${result.workflowInstanceId}`,
        [{ path: "workflowInstanceId", message: `task ${result.taskId} belongs to workflow ${workflow.workflowId}`, invalidValue: result.workflowInstanceId }],
      );
    }
    const updated = await core.runWorkflowCommand(workflow.workflowId, { type: "UpdateTask", result }, source);
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

  return {
    poll,
    updateTask,
    updateTaskAndPollNext,
    getTask: findTaskById,
    addTaskLog: (taskId: string, log: string, source: EventSource) => {
      const { workflow } = findTaskById(taskId);
      return core.runWorkflowCommand(workflow.workflowId, { type: "AddTaskLog", taskId, log }, source);
    },
    queueSize: (taskType: string, domain?: string) => models.queues.get(queueName(taskType, domain))?.size ?? 0,
    pollData: (taskType: string): PollData[] =>
      [...pollData.entries()]
        .filter(([queue]) => queue === taskType || queue.endsWith(`:${taskType}`))
        .flatMap(([, byWorker]) => [...byWorker.values()]),
    allPollData: (): PollData[] => [...pollData.values()].flatMap((byWorker) => [...byWorker.values()]),
    /** Wakes long polls of a queue that gained a task. */
    queueFed: (queue: string) => waiters.notify(queue),
    /** Wakes every long poll (shutdown). */
    wakeAll: () => waiters.notifyAll(),
  };
}

export type TaskQueues = ReturnType<typeof createTaskQueues>;
