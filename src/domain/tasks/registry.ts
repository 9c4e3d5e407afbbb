import { doWhileTask } from "./do-while.ts";
import { dynamicTask } from "./dynamic.ts";
import { eventTask } from "./event.ts";
import { exclusiveJoinTask } from "./exclusive-join.ts";
import { forkJoinDynamicTask } from "./fork-join-dynamic.ts";
import { forkJoinTask } from "./fork-join.ts";
import { httpTask } from "./http.ts";
import { humanTask } from "./human.ts";
import { inlineTask } from "./inline.ts";
import { joinTask } from "./join.ts";
import { jsonJqTransformTask } from "./json-jq-transform.ts";
import { kafkaPublishTask } from "./kafka-publish.ts";
import { noopTask } from "./noop.ts";
import { setVariableTask } from "./set-variable.ts";
import { simpleTask } from "./simple.ts";
import type { TaskRun, TaskTypeSpec } from "./spec.ts";
import { startWorkflowTask } from "./start-workflow.ts";
import { subWorkflowTask } from "./sub-workflow.ts";
import { decisionTask, switchTask } from "./switch.ts";
import { terminateTask } from "./terminate.ts";
import { waitTask } from "./wait.ts";

/**
 * Every task type Baton runs, by Conductor's type name, each with its spec
 * (how it runs, its definition checks, its retry rule). `TaskType` is derived
 * from these keys, so a type cannot exist without a spec; a new type is a spec
 * file plus one line here. The order is the one error messages list them in.
 *
 * Getters, so a spec is read when first asked for rather than when this module
 * loads: spec files import the decider, which imports this registry, and
 * whichever of them loads first would otherwise meet a spec not defined yet.
 */
export const TASK_TYPES = {
  get SIMPLE() { return simpleTask; },
  get SWITCH() { return switchTask; },
  get DECISION() { return decisionTask; },
  get FORK_JOIN() { return forkJoinTask; },
  get FORK_JOIN_DYNAMIC() { return forkJoinDynamicTask; },
  get JOIN() { return joinTask; },
  get EXCLUSIVE_JOIN() { return exclusiveJoinTask; },
  get DO_WHILE() { return doWhileTask; },
  get SET_VARIABLE() { return setVariableTask; },
  get TERMINATE() { return terminateTask; },
  get NOOP() { return noopTask; },
  get INLINE() { return inlineTask; },
  get JSON_JQ_TRANSFORM() { return jsonJqTransformTask; },
  get DYNAMIC() { return dynamicTask; },
  get WAIT() { return waitTask; },
  get HUMAN() { return humanTask; },
  get HTTP() { return httpTask; },
  get KAFKA_PUBLISH() { return kafkaPublishTask; },
  get EVENT() { return eventTask; },
  get SUB_WORKFLOW() { return subWorkflowTask; },
  get START_WORKFLOW() { return startWorkflowTask; },
} satisfies Readonly<Record<string, TaskTypeSpec>>;

/** A Conductor task type Baton runs. */
export type TaskType = keyof typeof TASK_TYPES;

/** Every task type, in registry order. */
export const TASK_TYPE_NAMES = Object.keys(TASK_TYPES) as readonly TaskType[];

/** Whether `type` names a task type Baton runs. */
export function isTaskType(type: string): type is TaskType {
  return Object.hasOwn(TASK_TYPES, type);
}

/** The spec of `type`; undefined for a name outside the registry (a dynamic fork can generate one). */
export function taskTypeSpec(type: string): TaskTypeSpec | undefined {
  return isTaskType(type) ? TASK_TYPES[type] : undefined;
}

/** The types whose run is of `kind`, in registry order. */
export function taskTypesRun(kind: TaskRun["kind"]): readonly TaskType[] {
  return TASK_TYPE_NAMES.filter((type) => TASK_TYPES[type].run.kind === kind);
}

/** Whether `type` is one of Conductor's system tasks (the decider or a reactor runs it), not a worker's. */
export function isSystemTaskType(type: string): boolean {
  const spec = taskTypeSpec(type);
  return spec !== undefined && spec.run.kind !== "worker";
}
