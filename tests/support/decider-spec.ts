/**
 * Given/when/then for the workflow decider, without mocks or I/O (STYLE.md
 * practice 8): it is `specFor(workflowDecider)` (spec-for.ts): `when` runs
 * `decide` with a deterministic context, `then` compares the emitted events.
 *
 * Ids the decider creates come from a counter: "id-1", "id-2", … So that they
 * never collide with ids in `given`, write those as "t1", "t2", ….
 */
import * as v from "valibot";
import { expect } from "vitest";
import { type DecisionOf, specFor } from "./spec-for.ts";
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
import { workflowDecider } from "../../src/domain/workflow/decider.ts";
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

/** The outcome of one `when`: assert on the events, the error, or the state after. */
export type Decision = DecisionOf<WorkflowState, WorkflowEvent>;

/**
 * What a spec may add to the deterministic context: a time, the sandboxed
 * `evaluators`, a `taskDef` registry, or its own `newId` (for specs that chain
 * several decisions and need ids that stay unique).
 */
export type SpecContext = Partial<DecisionContext>;

const workflowSpec = specFor(workflowDecider, () => deterministicContext());

/** The workflow decider's given/when/then (`specFor`), with a time or context per `when`. */
export function given(history: WorkflowEvent[], defaults: SpecContext = {}) {
  const spec = workflowSpec.given(history);
  return {
    /** The state `given` folds to, for specs that ask a pure query of it. */
    state: spec.state,
    /** Decides `command` at `now` (T0 by default), or with a context: `given`'s defaults, then these fields. */
    when(command: WorkflowCommand, nowOrContext: number | SpecContext = T0): Decision {
      const extra = typeof nowOrContext === "number" ? { now: nowOrContext } : nowOrContext;
      const merged = { ...defaults, ...extra };
      const now = merged.now ?? T0;
      return spec.when(command, { ...deterministicContext(now), ...merged, now });
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

// ---- System tasks ------------------------------------------------------------

/**
 * A workflow task of a system `type` (SWITCH, FORK_JOIN, DO_WHILE, INLINE, …)
 * whose name and reference are both `ref` unless `fields` says otherwise,
 * parsed with Conductor's defaults and without a TaskDef (as system tasks have).
 */
export function systemTask(type: string, ref: string, fields: WorkflowTaskFields = {}): WorkflowTask {
  return v.parse(WorkflowTaskSchema, { name: ref, taskReferenceName: ref, type, ...fields });
}

/** TaskStarted without a worker: a system task the decider (or a timer) moved to IN_PROGRESS. */
export const began = (taskId: string, time = T0, waitUntil?: number): WorkflowEvent => ({
  type: "TaskStarted",
  data: { taskId, time, waitUntil },
});

export const canceled = (taskId: string, reason: string, time = T0): WorkflowEvent => ({
  type: "TaskCanceled",
  data: { taskId, reason, time },
});

export const checkTimeouts: WorkflowCommand = { type: "CheckTimeouts" };

/** A reactor ending a system task (HTTP, SUB_WORKFLOW, …) with `status`. */
export const conclude = (
  taskId: string,
  status: Extract<WorkflowCommand, { type: "ConcludeTask" }>["status"],
  outputData: Record<string, unknown> = {},
  reason?: string,
): WorkflowCommand => ({ type: "ConcludeTask", taskId, status, outputData, reason });

/** A reactor recording what it started, without ending the task. */
export const recordOutput = (taskId: string, outputData: Record<string, unknown>): WorkflowCommand => ({
  type: "RecordTaskOutput",
  taskId,
  outputData,
});

/**
 * A running workflow driven one command at a time, for specs about what several
 * decisions do together (a loop over three iterations, a fork with two
 * branches). Every decision sees the whole history so far; ids come from one
 * counter ("id-1", "id-2", …) across all of them, so they never collide.
 */
export interface Scenario {
  /** Every event so far, in order. */
  readonly history: WorkflowEvent[];
  /** The state the history folds to. */
  readonly state: WorkflowState;
  /** Decides `command` at the scenario's clock; appends and returns the events. */
  run(command: WorkflowCommand): WorkflowEvent[];
  /** Moves the clock to `seconds` after T0. */
  at(seconds: number): Scenario;
  /** The latest attempt of `ref` (fails the spec if there is none). */
  task(ref: string): TaskState;
  /** The latest attempt of `ref`, or undefined. */
  find(ref: string): TaskState | undefined;
  /** A worker (or reactor) completes the latest attempt of `ref`. */
  complete(ref: string, outputData?: Record<string, unknown>): WorkflowEvent[];
  /** A worker (or reactor) fails the latest attempt of `ref`. */
  fail(ref: string, reason: string, status?: "FAILED" | "FAILED_WITH_TERMINAL_ERROR"): WorkflowEvent[];
}

/** Starts `definition` with `input` and returns a scenario to drive it. */
export function scenario(definition: WorkflowDef, input: Record<string, unknown> = {}, context: SpecContext = {}): Scenario {
  const history: WorkflowEvent[] = [];
  let counter = 0;
  let now = context.now ?? T0;
  const newId = () => `id-${++counter}`;
  const latest = (ref: string) => {
    const state = foldWorkflow(history);
    for (let i = state.tasks.length - 1; i >= 0; i--) if (state.tasks[i]!.referenceTaskName === ref) return state.tasks[i];
    return undefined;
  };
  const self: Scenario = {
    history,
    get state() {
      return foldWorkflow(history);
    },
    run(command) {
      const events = given(history).when(command, { ...context, now, newId }).events();
      history.push(...events);
      return events;
    },
    at(seconds) {
      now = at(seconds);
      return self;
    },
    find: latest,
    task(ref) {
      const task = latest(ref);
      expect(task, `task ${ref} should have been scheduled`).toBeDefined();
      return task!;
    },
    complete(ref, outputData = {}) {
      return self.run(taskResult(self.task(ref).taskId, "COMPLETED", { outputData }));
    },
    fail(ref, reason, status = "FAILED") {
      return self.run(taskResult(self.task(ref).taskId, status, { reasonForIncompletion: reason }));
    },
  };
  self.run(startWorkflow(definition, input));
  return self;
}
