import { isDecidedType, isReactorType, isWaitingType } from "../definitions/task-types.ts";
import type { WorkflowTask } from "../definitions/workflow-def.ts";
import { latestTaskByRef } from "../event-handlers/target.ts";
import { type EventSinkPolicy, eventWaitsForReply, isNamedConductorSink } from "../tasks/event.ts";
import { isAnswered } from "../workflow/complete-from-message.ts";
import { workflowTaskFor, workflowTaskOf } from "../workflow/definition-lookup.ts";
import { definitionNodes } from "../workflow/graph.ts";
import { findTask, type TaskState, type WorkflowState } from "../workflow/state.ts";
import { isTaskTerminal, isWorkflowTerminal, type TaskStatus } from "../workflow/status.ts";
import type { CompletionEvent } from "./completion.ts";

/** Which rule found the task: the event named it, an EVENT sink matched, or a configured mapping. */
export type MatchRule = "task" | "sink" | "mapping";

/** The task a completion is for: one attempt (by id) or the latest attempt of a reference. */
export type RouteTarget = { taskId: string } | { taskRefName: string };

/** Event type -> task reference, from the configuration (keys compared like event types). */
export type RouterMappings = Readonly<Record<string, string>>;

/** Where a target stands now. */
export type TargetState =
  /** It waits for a completion: apply it to `taskId`. */
  | { kind: "ready"; taskId: string }
  /** It already ended with a result: the completion is a repeat and changes nothing. */
  | { kind: "duplicate"; taskId: string; status: TaskStatus; reason: string }
  /** It does not wait yet (not scheduled, not started, or a new attempt may come). */
  | { kind: "hold"; reason: string }
  /** It never will wait again (workflow ended, task canceled or skipped). */
  | { kind: "gone"; reason: string };

export type RouteDecision =
  | (TargetState & { rule: MatchRule; target: RouteTarget })
  | { kind: "unknown_workflow"; reason: string }
  | { kind: "no_task"; reason: string };

/** `conductor:email_hygiene_completed` -> `email_hygiene_completed`: the part after the last ':', lower-cased. */
export function normaliseEventName(name: string): string {
  return name.slice(name.lastIndexOf(":") + 1).trim().toLowerCase();
}

/**
 * Tasks that wait for an outside completion: WAIT and HUMAN, worker tasks, and
 * system tasks with `asyncComplete` (an EVENT without it completes on publishing,
 * unless the server's EVENT sink policy makes its `conductor:<name>` sink wait).
 */
export function awaitsCompletion(wt: WorkflowTask | undefined, policy: EventSinkPolicy = {}): boolean {
  if (!wt) return false;
  if (isWaitingType(wt.type)) return true;
  if (wt.type === "EVENT") return eventWaitsForReply(wt, policy);
  if (isReactorType(wt.type)) return wt.asyncComplete === true;
  return !isDecidedType(wt.type);
}

/** Whether a non-ended task takes a completion now: started, or (a worker task) in its queue. */
function isWaiting(workflow: WorkflowState, task: TaskState): boolean {
  if (task.status === "IN_PROGRESS") return true;
  // A reactor task is SCHEDULED until the engine has run its effect (published the EVENT).
  return task.status === "SCHEDULED" && !isReactorType(workflowTaskOf(workflow, task)?.type ?? "");
}

/** Where `target` stands in `workflow` (the same rules decide a fresh completion and re-check a held one). */
export function locateTarget(workflow: WorkflowState, target: RouteTarget): TargetState {
  const byId = "taskId" in target;
  const named = byId ? `task ${target.taskId}` : `task '${target.taskRefName}'`;
  const of = `of workflow ${workflow.workflowId}`;
  const task = byId ? findTask(workflow, target.taskId) : latestTaskByRef(workflow, target.taskRefName);
  if (task && !isTaskTerminal(task.status) && isWaiting(workflow, task)) return { kind: "ready", taskId: task.taskId };
  if (task && isAnswered(task.status)) {
    return { kind: "duplicate", taskId: task.taskId, status: task.status, reason: `${named} ${of} is already ${task.status}` };
  }
  if (isWorkflowTerminal(workflow.status)) {
    return { kind: "gone", reason: `workflow ${workflow.workflowId} is ${workflow.status}, so ${named} will not wait again` };
  }
  if (!task) return { kind: "hold", reason: `${named} ${of} has not been scheduled yet` };
  if (!isTaskTerminal(task.status)) return { kind: "hold", reason: `${named} ${of} is ${task.status}, not waiting yet` };
  // One attempt (by id) never waits again; a reference gets a new attempt after a timeout (retry).
  if (byId || task.status === "SKIPPED") return { kind: "gone", reason: `${named} ${of} is ${task.status}` };
  return { kind: "hold", reason: `${named} ${of} is ${task.status}; waiting for its next attempt` };
}

/** The definition of a reference in this workflow: its snapshot, or a task generated at run time. */
function definitionOfRef(workflow: WorkflowState, ref: string): WorkflowTask | undefined {
  const task = latestTaskByRef(workflow, ref);
  return (task ? workflowTaskOf(workflow, task) : undefined) ?? workflowTaskFor(workflow, ref);
}

/** Rule 1: the task the event names, by id, or by reference (`taskRefName`, or `taskId` used as one). */
function namedTargets(completion: CompletionEvent, workflow: WorkflowState, policy: EventSinkPolicy): RouteTarget[] {
  const { taskId, taskRefName } = completion;
  if (taskId !== undefined) {
    const task = findTask(workflow, taskId);
    // A service may echo the id of the KAFKA_PUBLISH that asked it; that task waits for nothing.
    if (task && awaitsCompletion(workflowTaskOf(workflow, task), policy)) return [{ taskId }];
  }
  const refs = [taskRefName, taskId].filter((ref): ref is string => ref !== undefined);
  return refs.filter((ref) => awaitsCompletion(definitionOfRef(workflow, ref), policy)).map((ref) => ({ taskRefName: ref }));
}

/**
 * Rule 2: tasks whose `sink`, normalised, is the event type: an EVENT with
 * `asyncComplete` (or a WAIT/HUMAN carrying a sink) waits itself; after an EVENT
 * without it, the first WAIT/HUMAN that follows it in the same list waits.
 */
function sinkTargets(completion: CompletionEvent, workflow: WorkflowState, policy: EventSinkPolicy): RouteTarget[] {
  const wanted = normaliseEventName(completion.eventType);
  const matches = (wt: WorkflowTask) => typeof wt.sink === "string" && wt.sink !== "" && normaliseEventName(wt.sink) === wanted;
  const refs: string[] = [];
  for (const node of definitionNodes(workflow.definition).values()) {
    if (!matches(node.task)) continue;
    if (awaitsCompletion(node.task, policy)) refs.push(node.task.taskReferenceName);
    else if (node.task.type === "EVENT") {
      const waiter = node.list.slice(node.index + 1).find((next) => isWaitingType(next.type));
      if (waiter) refs.push(waiter.taskReferenceName);
    }
  }
  // Tasks generated at run time (DYNAMIC, FORK_JOIN_DYNAMIC) are not in the definition.
  for (const task of workflow.tasks) {
    if (task.workflowTask && matches(task.workflowTask) && awaitsCompletion(task.workflowTask, policy)) refs.push(task.referenceTaskName);
  }
  return [...new Set(refs)].map((ref) => ({ taskRefName: ref }));
}

/** Rule 3: the configured reference for the event type, when this workflow has it. */
function mappedTargets(completion: CompletionEvent, workflow: WorkflowState, mappings: RouterMappings): RouteTarget[] {
  const wanted = normaliseEventName(completion.eventType);
  const ref = Object.entries(mappings).find(([eventType]) => normaliseEventName(eventType) === wanted)?.[1];
  return ref !== undefined && definitionOfRef(workflow, ref) !== undefined ? [{ taskRefName: ref }] : [];
}

/** Among several candidates of one rule: a waiting task first, then one that will wait, then a repeat. */
const PREFERENCE: Record<TargetState["kind"], number> = { ready: 0, hold: 1, duplicate: 2, gone: 3 };

/**
 * Finds the task a completion event is for, trying the rules in order (the task
 * it names, an EVENT sink equal to its event type, a configured mapping), and
 * says what to do with it. Pure: `workflow` is the current state, undefined
 * when no such workflow exists; `policy` is the server's EVENT sink option.
 */
export function routeCompletion(
  completion: CompletionEvent,
  workflow: WorkflowState | undefined,
  mappings: RouterMappings,
  policy: EventSinkPolicy = {},
): RouteDecision {
  if (!workflow) return { kind: "unknown_workflow", reason: `No such workflow found by id: ${completion.workflowId}` };
  const rules: [MatchRule, RouteTarget[]][] = [
    ["task", namedTargets(completion, workflow, policy)],
    ["sink", sinkTargets(completion, workflow, policy)],
    ["mapping", mappedTargets(completion, workflow, mappings)],
  ];
  for (const [rule, targets] of rules) {
    const located = targets.map((target) => ({ rule, target, ...locateTarget(workflow, target) }));
    located.sort((a, b) => PREFERENCE[a.kind] - PREFERENCE[b.kind]);
    if (located[0]) return located[0];
  }
  const named = [completion.taskId && `taskId '${completion.taskId}'`, completion.taskRefName && `taskRefName '${completion.taskRefName}'`]
    .filter(Boolean)
    .join(", ");
  const wanted = normaliseEventName(completion.eventType);
  const publishedOnly = [...definitionNodes(workflow.definition).values()].find(
    (node) => node.task.type === "EVENT" && typeof node.task.sink === "string" && normaliseEventName(node.task.sink) === wanted,
  );
  const option = publishedOnly && isNamedConductorSink(publishedOnly.task.sink) ? ", or start the server with BATON_EVENT_SINK_WAITS=true," : "";
  const hint = publishedOnly
    ? ` (EVENT task '${publishedOnly.task.taskReferenceName}' has the sink '${publishedOnly.task.sink}' but completes on publishing: ` +
      `give it asyncComplete: true${option} to make it wait for this reply)`
    : "";
  return {
    kind: "no_task",
    reason:
      `no task of workflow ${workflow.workflowId} (${workflow.definition.name}) waits for '${completion.eventType}': ` +
      `${named ? `${named} names no task that takes a completion, ` : ""}no asyncComplete EVENT task has that sink, and no mapping names one of its tasks${hint}`,
  };
}
