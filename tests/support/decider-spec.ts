/**
 * Given/when/then for the workflow decider, without mocks or I/O (STYLE.md
 * practice 8): `given` events are folded with `foldWorkflow`, `when` runs
 * `decide` with a deterministic context, `then` compares the emitted events.
 *
 * Ids the decider creates come from a counter: "id-1", "id-2", … So that they
 * never collide with ids in `given`, write those as "t1", "t2", ….
 */
import * as v from "valibot";
import { expect } from "vitest";
import {
  type RerunWorkflowRequest,
  type TaskResult,
  TaskResultSchema,
} from "../../src/domain/definitions/requests.ts";
import { TaskDefSchema } from "../../src/domain/definitions/task-def.ts";
import {
  type WorkflowDef,
  WorkflowDefSchema,
  type WorkflowTask,
  WorkflowTaskSchema,
} from "../../src/domain/definitions/workflow-def.ts";
import type { StartWorkflow, WorkflowCommand } from "../../src/domain/workflow/commands.ts";
import type { DecisionContext } from "../../src/domain/workflow/context.ts";
import { decide } from "../../src/domain/workflow/decide.ts";
import type { TaskScheduledData, WorkflowEvent } from "../../src/domain/workflow/events.ts";
import { foldWorkflow } from "../../src/domain/workflow/evolve.ts";
import type { TaskState, WorkflowState } from "../../src/domain/workflow/state.ts";

/** A fixed "now" for every spec: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);

/** Epoch ms `seconds` after T0. */
export const at = (seconds: number): number => T0 + seconds * 1000;

/** The workflow id every spec uses. */
export const WORKFLOW_ID = "wf-1";

/** A pure context: a fixed clock and ids "id-1", "id-2", … from a fresh counter. */
export function deterministicContext(now: number = T0): DecisionContext {
  let counter = 0;
  return { now, newId: () => `id-${++counter}` };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The outcome of one `when`: assert on the events, the error, or the state after. */
export interface Decision {
  /** Asserts the decider emitted exactly `expected`, in order; returns the state after them. */
  then(expected: WorkflowEvent[]): WorkflowState;
  /** Asserts the decider refused the command with `errorClass` (and a message matching `message`). */
  thenThrows(errorClass: ErrorClass, message?: RegExp): void;
  /** The emitted events, for specs that check only part of them. */
  events(): WorkflowEvent[];
  /** The state after the emitted events. */
  state(): WorkflowState;
}

export function given(history: WorkflowEvent[]) {
  const before = foldWorkflow(history);
  return {
    /** The state `given` folds to, for specs that ask a pure query of it. */
    state: before,
    when(command: WorkflowCommand, now: number = T0): Decision {
      let emitted: WorkflowEvent[] | undefined;
      const run = () => (emitted ??= decide(command, before, deterministicContext(now)));
      return {
        then(expected) {
          const events = run();
          expect(events).toEqual(expected);
          return foldWorkflow(events, before);
        },
        thenThrows(errorClass, message) {
          let caught: unknown;
          try {
            run();
          } catch (error) {
            caught = error;
          }
          expect(caught, "the decider should have refused the command").toBeInstanceOf(errorClass);
          if (message) expect((caught as Error).message).toMatch(message);
        },
        events: run,
        state: () => foldWorkflow(run(), before),
      };
    },
  };
}

// ---- Definitions -------------------------------------------------------------

type TaskDefFields = Partial<v.InferInput<typeof TaskDefSchema>>;
type WorkflowTaskFields = Partial<Omit<v.InferInput<typeof WorkflowTaskSchema>, "taskDefinition">>;

/**
 * A SIMPLE workflow task named `name` (its reference is `name` too unless
 * given), with its TaskDef filled in the way the engine snapshots it at start:
 * Conductor's defaults, then `taskDef`.
 */
export function simpleTask(name: string, fields: WorkflowTaskFields = {}, taskDef: TaskDefFields = {}): WorkflowTask {
  return v.parse(WorkflowTaskSchema, {
    name,
    taskReferenceName: name,
    ...fields,
    taskDefinition: v.parse(TaskDefSchema, { name, ...taskDef }),
  });
}

/** A workflow definition with Conductor's defaults applied. */
export function workflowDef(tasks: WorkflowTask[], fields: Partial<v.InferInput<typeof WorkflowDefSchema>> = {}): WorkflowDef {
  return v.parse(WorkflowDefSchema, { name: "orders", tasks, ...fields });
}

/** The StartWorkflow command the engine builds from a start request. */
export function startWorkflow(
  definition: WorkflowDef,
  input: Record<string, unknown> = {},
  fields: Partial<Omit<StartWorkflow, "type" | "definition" | "input">> = {},
): StartWorkflow {
  return { type: "StartWorkflow", workflowId: WORKFLOW_ID, definition, input, priority: 0, taskToDomain: {}, ...fields };
}

// ---- Commands ----------------------------------------------------------------

/** A worker's TaskResult, with the defaults the REST edge applies. */
export function taskResult(
  taskId: string,
  status: TaskResult["status"],
  fields: Partial<Omit<v.InferInput<typeof TaskResultSchema>, "taskId" | "status">> = {},
): WorkflowCommand {
  const result = v.parse(TaskResultSchema, { workflowInstanceId: WORKFLOW_ID, taskId, status, ...fields });
  return { type: "UpdateTask", result };
}

export const poll = (taskId: string, workerId = "worker-1"): WorkflowCommand => ({ type: "PollTask", taskId, workerId });

export const rerun = (request: RerunWorkflowRequest): WorkflowCommand => ({ type: "RerunWorkflow", request });

// ---- Events --------------------------------------------------------------------

export function started(
  definition: WorkflowDef,
  input: Record<string, unknown> = {},
  time = T0,
  fields: Partial<Extract<WorkflowEvent, { type: "WorkflowStarted" }>["data"]> = {},
): WorkflowEvent {
  return {
    type: "WorkflowStarted",
    data: { workflowId: WORKFLOW_ID, definition, input, priority: 0, taskToDomain: {}, time, ...fields },
  };
}

/** TaskScheduled for `task` (a node of the definition): type and def name follow from it. */
export function scheduled(
  task: WorkflowTask,
  data: Pick<TaskScheduledData, "taskId" | "seq"> & Partial<TaskScheduledData>,
): WorkflowEvent {
  return {
    type: "TaskScheduled",
    data: {
      referenceTaskName: task.taskReferenceName,
      taskType: task.type === "SIMPLE" ? task.name : task.type,
      taskDefName: task.name,
      inputData: {},
      retryCount: 0,
      startDelayInSeconds: 0,
      time: T0,
      ...data,
    },
  };
}

export const polled = (taskId: string, time = T0, workerId = "worker-1"): WorkflowEvent => ({
  type: "TaskStarted",
  data: { taskId, workerId, time },
});

export const completed = (taskId: string, outputData: Record<string, unknown> = {}, time = T0, workerId = "worker-1"): WorkflowEvent => ({
  type: "TaskCompleted",
  data: { taskId, workerId, outputData, time },
});

export const failed = (
  taskId: string,
  reason: string,
  time = T0,
  fields: { terminal?: boolean; outputData?: Record<string, unknown>; workerId?: string } = {},
): WorkflowEvent => ({
  type: "TaskFailed",
  data: { taskId, workerId: fields.workerId ?? "worker-1", outputData: fields.outputData ?? {}, reason, terminal: fields.terminal ?? false, time },
});

// ---- State -------------------------------------------------------------------

/** The task with `taskId`; fails the spec if there is none. */
export function taskIn(state: WorkflowState, taskId: string): TaskState {
  const task = state.tasks.find((t) => t.taskId === taskId);
  expect(task, `task ${taskId} should exist`).toBeDefined();
  return task!;
}
