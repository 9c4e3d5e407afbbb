import type { WorkflowTask } from "../definitions/workflow-def.ts";
import type { DecisionContext } from "../workflow/context.ts";
import type { WorkflowEvent } from "../workflow/events.ts";
import type { Container } from "../workflow/graph.ts";
import type { TaskState, WorkflowState } from "../workflow/state.ts";
import type { DefinitionCheck } from "./definition-check.ts";
import type { TaskType } from "./registry.ts";

/**
 * One move of a system task the decider runs: the events of what happened to
 * `task` (an attempt of `workflowTask`), or [] when nothing changes yet.
 */
export type SystemTaskStep = (state: WorkflowState, task: TaskState, workflowTask: WorkflowTask, ctx: DecisionContext) => WorkflowEvent[];

/**
 * Who runs a task of a type once it is scheduled.
 * - `worker`: a worker polls it from the queue named after the task (SIMPLE).
 * - `decided`: the decider runs `step` in the same pass that scheduled it (and,
 *   for tasks that wait on others such as JOIN, each time the workflow moves).
 *   Without a step the decider does all of it while scheduling (DYNAMIC).
 * - `held`: `step` starts it and the decider holds it IN_PROGRESS until a
 *   completion from outside or a due time ends it (WAIT, HUMAN).
 * - `reactor`: the engine runs its side effect after the schedule is appended
 *   and reports the result back as a command (HTTP, EVENT, SUB_WORKFLOW, …).
 */
export type TaskRun =
  | { readonly kind: "worker" }
  | { readonly kind: "decided"; readonly step?: SystemTaskStep }
  | { readonly kind: "held"; readonly step: SystemTaskStep }
  | { readonly kind: "reactor"; readonly claim?: ReactorClaim };

/**
 * When a reactor's start of a task is stored.
 * - `before-effect` (the default): the claim (TaskStarted) is appended before the
 *   effect runs, so the task shows IN_PROGRESS while a long effect (an HTTP call,
 *   a child's start) is under way, and the effect never runs for a claim refused.
 * - `with-outcome`: a short effect (a publish) runs first, against the write
 *   side's state, and its start and outcome are appended together (one append
 *   instead of two before the workflow moves on). Until then the task stays
 *   SCHEDULED, so a crash in between runs the effect again (at least once).
 */
export type ReactorClaim = "before-effect" | "with-outcome";

/**
 * What happens to a FAILED or TIMED_OUT attempt.
 * - `taskDef`: a new attempt while its TaskDef's retryCount allows (a worker
 *   task without a TaskDef gets Conductor's defaults, a system task none).
 * - `never`: Conductor's built-in flow tasks (TaskType.BUILT_IN_TASKS) are not
 *   retried; their failure goes straight to optional/permissive or fails the workflow.
 */
export type RetryRule = "taskDef" | "never";

/** Definition tasks a successful attempt opens, scheduled unless they exist, then its successor when `andSuccessor`. */
export interface Opening {
  readonly tasks: readonly WorkflowTask[];
  readonly andSuccessor: boolean;
}

/** The task lists nested in a composite task, and what kind of container they are. */
export interface Children {
  readonly kind: Exclude<Container["kind"], "root">;
  readonly lists: WorkflowTask[][];
}

/**
 * Everything Baton knows about one Conductor task type, in one place (the role
 * of conductor-oss's TaskMapper, WorkflowSystemTask and the type's part of
 * WorkflowTaskTypeConstraint). Optional fields default to "nothing special".
 */
export interface TaskTypeSpec {
  /** Who runs it. */
  readonly run: TaskRun;
  /** Whether a failed attempt is retried. */
  readonly retry: RetryRule;
  /** What a definition task of this type must carry; checked when a definition is registered or started inline. */
  readonly check?: DefinitionCheck;
  /** The type that must come right after it in the same list (a fork needs its JOIN). */
  readonly followedBy?: TaskType;
  /**
   * How Conductor's mapper names the scheduled task: its `taskType` (for a
   * worker task also its queue) and `taskDefName`. By default, the type and the
   * workflow task's name.
   */
  readonly names?: {
    readonly taskType?: (workflowTask: WorkflowTask) => string;
    readonly taskDefName?: (workflowTask: WorkflowTask) => string;
  };
  /**
   * Schedules a definition task of this type in `iteration`, when that is not
   * simply one attempt of it (DYNAMIC schedules the task it names instead).
   */
  readonly schedule?: (state: WorkflowState, workflowTask: WorkflowTask, ctx: DecisionContext, iteration: number) => WorkflowEvent[];
  /** What a successful (not skipped) attempt opens before its successor: a case's first task, a fork's branch heads. */
  readonly opens?: (workflowTask: WorkflowTask, task: TaskState) => Opening | undefined;
  /** The task lists nested in it (cases, branches, a loop body), for walking a definition. */
  readonly children?: (workflowTask: WorkflowTask) => Children;
}

/** The step the decider takes for a task run this way; undefined when workers or reactors run it (or nothing is left to run). */
export function deciderStep(run: TaskRun): SystemTaskStep | undefined {
  switch (run.kind) {
    case "decided":
    case "held":
      return run.step;
    case "worker":
    case "reactor":
      return undefined;
    default: {
      const _exhaustive: never = run;
      return _exhaustive;
    }
  }
}
