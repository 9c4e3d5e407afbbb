import { normaliseEventName } from "../router/match.ts";
import { type EventSinkPolicy, eventWaitsForReply, isNamedConductorSink } from "../tasks/event.ts";
import { isWaitingType } from "./task-types.ts";
import type { WorkflowDef, WorkflowTask } from "./workflow-def.ts";

/** Something a definition does that Baton runs, but that is probably not what its author meant. */
export interface DefinitionWarning {
  /** Where, as validation errors name fields: `tasks[1]`, `tasks[2].forkTasks[0][1]`. */
  path: string;
  message: string;
}

/** Every task list of a definition (nested ones included) with the path that reaches it. */
function* taskLists(tasks: readonly WorkflowTask[], path: string): Generator<{ list: readonly WorkflowTask[]; path: string }> {
  yield { list: tasks, path };
  for (const [index, task] of tasks.entries()) {
    const here = `${path}[${index}]`;
    for (const [name, branch] of Object.entries(task.decisionCases ?? {})) yield* taskLists(branch, `${here}.decisionCases.${name}`);
    if (task.defaultCase) yield* taskLists(task.defaultCase, `${here}.defaultCase`);
    for (const [b, branch] of (task.forkTasks ?? []).entries()) yield* taskLists(branch, `${here}.forkTasks[${b}]`);
    if (task.loopOver) yield* taskLists(task.loopOver, `${here}.loopOver`);
  }
}

/**
 * The sink pattern's trap: an EVENT task that completes as soon as it has
 * published (no `asyncComplete`, and the server's EVENT sink policy does not
 * make its sink wait) with no WAIT or HUMAN after it in its task list, so a
 * reply to it finds no task waiting and the event router records it as
 * unmatched. Conductor runs such a definition (a fire-and-forget notification
 * is one), so this is a warning, not an error. Pure; the registration log and
 * the validate endpoint's `warnings` both call it.
 */
export function eventSinkWarnings(definition: WorkflowDef, policy: EventSinkPolicy = {}): DefinitionWarning[] {
  const warnings: DefinitionWarning[] = [];
  for (const { list, path } of taskLists(definition.tasks, "tasks")) {
    list.forEach((task, index) => {
      if (task.type !== "EVENT" || typeof task.sink !== "string" || task.sink === "") return;
      if (eventWaitsForReply(task, policy)) return;
      if (list.slice(index + 1).some((next) => isWaitingType(next.type))) return;
      const option = isNamedConductorSink(task.sink) ? " (or start the server with BATON_EVENT_SINK_WAITS=true)" : "";
      warnings.push({
        path: `${path}[${index}]`,
        message:
          `EVENT task '${task.taskReferenceName}' publishes to '${task.sink}' and completes at once (no asyncComplete), ` +
          `and no WAIT or HUMAN task follows it: a reply with eventType '${normaliseEventName(task.sink)}' would find nothing waiting. ` +
          `If it expects a reply, set asyncComplete: true${option}`,
      });
    });
  }
  return warnings;
}
