import { isTaskType, TASK_TYPE_NAMES, type TaskType, taskTypeSpec, taskTypesRun } from "../tasks/registry.ts";

/**
 * Conductor's task types grouped by who runs them, derived from the task-type
 * registry (src/domain/tasks/registry.ts), for code that asks by name:
 * - worker: polled by a worker (SIMPLE);
 * - decided: evaluated by the pure decider as soon as they are scheduled;
 * - waiting: held IN_PROGRESS until something from outside (or a time) completes them;
 * - reactor: side effects run by the engine after the schedule is stored.
 */
export const DECIDED_TASK_TYPES = taskTypesRun("decided");
export const WAITING_TASK_TYPES = taskTypesRun("held");
export const REACTOR_TASK_TYPES = taskTypesRun("reactor");

/** Every type Baton runs as a system task (any other type runs as a worker task, as in Conductor). */
export const SUPPORTED_TASK_TYPES = TASK_TYPE_NAMES;
export type SupportedTaskType = TaskType;

const runKindOf = (type: string) => taskTypeSpec(type)?.run.kind;

export const isReactorType = (type: string): boolean => runKindOf(type) === "reactor";
/** Whether a reactor appends the start of a task of `type` together with the effect's outcome (see ReactorClaim). */
export const claimsWithOutcome = (type: string): boolean => {
  const run = taskTypeSpec(type)?.run;
  return run?.kind === "reactor" && run.claim === "with-outcome";
};
export const isDecidedType = (type: string): boolean => runKindOf(type) === "decided";
export const isWaitingType = (type: string): boolean => runKindOf(type) === "held";
export { isTaskType };
