import type { WorkflowTask } from "../definitions/workflow-def.ts";
import { unmet } from "./definition-check.ts";
import type { TaskTypeSpec } from "./spec.ts";

/**
 * EVENT: the engine publishes the task's input to `sink` after the schedule is
 * stored; it completes on publishing, or with `asyncComplete` waits for a
 * completion from outside (the sink pattern).
 */
export const eventTask: TaskTypeSpec = {
  run: { kind: "reactor", claim: "with-outcome" },
  retry: "taskDef",
  check: (task) => unmet([!!task.sink, "sink", "sink is required"]),
};

/**
 * How EVENT tasks treat their sink beyond Conductor's rule, a server option
 * (`BATON_EVENT_SINK_WAITS`): with `conductorSinksWait`, an EVENT whose sink is
 * `conductor:<name>` waits for its reply as if it had `asyncComplete: true`.
 */
export interface EventSinkPolicy {
  conductorSinksWait?: boolean;
}

/** `conductor:<name>`: a named Conductor queue, the sink the seed's EVENT tasks wait on. */
export const isNamedConductorSink = (sink: string | null | undefined): boolean =>
  typeof sink === "string" && sink.startsWith("conductor:") && sink.length > "conductor:".length;

/**
 * Whether an EVENT task waits for a completion after publishing: with
 * `asyncComplete`, or, when the policy says so, for a `conductor:<name>` sink.
 */
export function eventWaitsForReply(task: Pick<WorkflowTask, "asyncComplete" | "sink">, policy: EventSinkPolicy = {}): boolean {
  return task.asyncComplete === true || (policy.conductorSinksWait === true && isNamedConductorSink(task.sink));
}
