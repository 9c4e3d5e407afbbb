import { type FieldError, ValidationError } from "../errors.ts";
import type { DefinitionWarning } from "./event-sink-warnings.ts";
import { taskTypeSpec } from "../tasks/registry.ts";
import type { TaskTypeSpec } from "../tasks/spec.ts";
import { SUPPORTED_TASK_TYPES } from "./task-types.ts";
import { type WorkflowDef, WorkflowDefSchema, type WorkflowTask } from "./workflow-def.ts";
import { parseOrThrow } from "./validate.ts";

/** What `task` lacks for its type, as Conductor's WorkflowTaskTypeConstraint asks for it; the type's spec says what. */
function typeRules(task: WorkflowTask, spec: TaskTypeSpec, at: string): FieldError[] {
  return (spec.check?.(task) ?? []).map(({ field, message }) => ({
    path: `${at}.${field}`,
    message: `${message} for task type ${task.type} (${task.taskReferenceName})`,
  }));
}

export type { DefinitionWarning };

/**
 * Rules a workflow definition must satisfy beyond its shape: every task of a
 * type Baton knows has what its type needs, and every `taskReferenceName` is
 * unique across nested tasks too. What Conductor accepts is not refused, but
 * returned as warnings: a type Baton does not know (run as a worker task whose
 * queue is the type name, as Conductor's UserDefinedTaskMapper does), and a
 * fork without its JOIN right after it (fork-join-follower.ts says what
 * happens at run time).
 */
export function checkWorkflowDefRules(def: WorkflowDef, root = ""): DefinitionWarning[] {
  const { errors, warnings } = inspectWorkflowDef(def, root);
  if (errors.length > 0) {
    const summary = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new ValidationError(`Invalid workflow definition '${def.name}': ${summary}`, errors);
  }
  return warnings;
}

/** What checkWorkflowDefRules finds in a definition, without throwing. */
export function inspectWorkflowDef(def: WorkflowDef, root = ""): { errors: FieldError[]; warnings: DefinitionWarning[] } {
  const errors: FieldError[] = [];
  const warnings: DefinitionWarning[] = [];
  const seen = new Map<string, string>();
  const walk = (list: readonly WorkflowTask[], prefix: string, atRoot: boolean) => {
    list.forEach((task, index) => {
      const at = `${prefix}[${index}]`;
      const type = task.type;
      const spec = taskTypeSpec(type);
      if (spec === undefined) {
        warnings.push({
          path: `${at}.type`,
          message:
            `unknown task type '${type}' (${task.taskReferenceName}): run as a worker task polled from queue '${type}', as Conductor does; ` +
            `Baton's system task types are ${SUPPORTED_TASK_TYPES.join(", ")}`,
        });
      } else {
        errors.push(...typeRules(task, spec, at));
      }
      const previous = seen.get(task.taskReferenceName);
      if (previous !== undefined) {
        errors.push({
          path: `${at}.taskReferenceName`,
          message: `duplicate taskReferenceName '${task.taskReferenceName}' (also used by ${previous})`,
          invalidValue: task.taskReferenceName,
        });
      } else {
        seen.set(task.taskReferenceName, at);
      }
      const follower = spec?.followedBy;
      if (follower !== undefined && list[index + 1]?.type !== follower) {
        const endsWorkflow = atRoot && index === list.length - 1;
        warnings.push({
          path: `${at}.type`,
          message: endsWorkflow
            ? `${type} '${task.taskReferenceName}' ends the workflow without a ${follower}: Baton completes the workflow once every branch has ended (Conductor fails it)`
            : `${type} '${task.taskReferenceName}' is not followed by a ${follower} task: the workflow fails when it reaches it, as in Conductor`,
        });
      }
      for (const [key, tasks] of Object.entries(task.decisionCases ?? {})) walk(tasks ?? [], `${at}.decisionCases.${key}`, false);
      if (task.defaultCase) walk(task.defaultCase, `${at}.defaultCase`, false);
      (task.forkTasks ?? []).forEach((branch, b) => walk(branch ?? [], `${at}.forkTasks[${b}]`, false));
      if (task.loopOver) walk(task.loopOver, `${at}.loopOver`, false);
    });
  };
  walk(def.tasks, `${root}tasks`, true);
  return { errors, warnings };
}

/** Parses and checks a workflow definition from untrusted input. */
export function parseWorkflowDef(input: unknown, root = ""): WorkflowDef {
  return parseCheckedWorkflowDef(input, root).definition;
}

/** Parses and checks a workflow definition from untrusted input, with what Baton warns about in it. */
export function parseCheckedWorkflowDef(input: unknown, root = ""): { definition: WorkflowDef; warnings: DefinitionWarning[] } {
  const definition = parseOrThrow(WorkflowDefSchema, input, "workflow definition", root);
  return { definition, warnings: checkWorkflowDefRules(definition, root === "" ? "" : `${root}.`) };
}
