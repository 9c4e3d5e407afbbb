import { plainJsonCopy } from "../domain/json-depth.ts";
import { toWorkflowJson } from "./conductor-json.ts";
import type { QueueEntry, ReadModels } from "./read-models.ts";

/**
 * Every read model as plain, key-sorted JSON, so two rebuilds (or a rebuild and
 * a live instance) can be compared field by field. Internal bookkeeping that
 * only mirrors other models (`queuedByWorkflow`) is left out.
 */
export interface ReadModelSnapshot {
  position: number;
  /** workflowId -> Conductor Workflow JSON. */
  workflows: Record<string, unknown>;
  /** queue -> its entries, by taskId. */
  queues: Record<string, QueueEntry[]>;
  /** workflowId -> epoch ms of its next timeout. */
  timers: Record<string, number>;
  /** taskId -> workflowId. */
  taskIndex: Record<string, string>;
  /** name -> registered versions, ascending. */
  workflowDefs: Record<string, unknown[]>;
  taskDefs: Record<string, unknown>;
  /** dagRunId -> the run's current state. */
  dagRuns: Record<string, unknown>;
}

const byKey = <T>(entries: Iterable<[string, T]>): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * JSON round trip: drops undefined fields, as a REST answer would. A stored
 * value too deep for the runtime's stringify (from before the input limits)
 * is copied the same way without recursion, so replay still compares it.
 */
function plain<T>(value: T): T {
  try {
    return JSON.parse(JSON.stringify(value)) as T;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return plainJsonCopy(value) as T;
  }
}

export function snapshotReadModels(models: ReadModels): ReadModelSnapshot {
  return plain({
    position: models.position,
    workflows: byKey([...models.workflows].map(([id, workflow]) => [id, toWorkflowJson(workflow, true)])),
    queues: byKey(
      [...models.queues]
        .filter(([, entries]) => entries.size > 0)
        .map(([queue, entries]) => [queue, [...entries.values()].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))]),
    ),
    timers: byKey(models.timers),
    taskIndex: byKey(models.taskIndex),
    workflowDefs: byKey(
      [...models.workflowDefs]
        .filter(([, defs]) => defs.versions.size > 0)
        .map(([name, defs]) => [name, [...defs.versions].sort(([a], [b]) => a - b).map(([, def]) => def)]),
    ),
    taskDefs: byKey([...models.taskDefs].flatMap(([name, state]) => (state.definition ? [[name, state.definition]] : []))),
    dagRuns: byKey(models.dagRuns),
  });
}
