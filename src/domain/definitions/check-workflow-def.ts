import { type FieldError, ValidationError } from "../errors.ts";
import { taskTypeSpec } from "../tasks/registry.ts";
import type { TaskTypeSpec } from "../tasks/spec.ts";
import { KNOWN_UNSUPPORTED_TASK_TYPES, SUPPORTED_TASK_TYPES } from "./task-types.ts";
import { type WorkflowDef, WorkflowDefSchema, type WorkflowTask } from "./workflow-def.ts";
import { parseOrThrow } from "./validate.ts";

/** What `task` lacks for its type, as Conductor's WorkflowTaskTypeConstraint asks for it; the type's spec says what. */
function typeRules(task: WorkflowTask, spec: TaskTypeSpec, at: string): FieldError[] {
  return (spec.check?.(task) ?? []).map(({ field, message }) => ({
    path: `${at}.${field}`,
    message: `${message} for task type ${task.type} (${task.taskReferenceName})`,
  }));
}

/**
 * Rules a workflow definition must satisfy beyond its shape: every task type is
 * one Baton runs and has what its type needs, every `taskReferenceName` is unique
 * across nested tasks too, and a task whose type needs a follower (a fork, its
 * JOIN) has it right after it.
 */
export function checkWorkflowDefRules(def: WorkflowDef, root = ""): void {
  const errors: FieldError[] = [];
  const seen = new Map<string, string>();
  const walk = (list: readonly WorkflowTask[], prefix: string) => {
    list.forEach((task, index) => {
      const at = `${prefix}[${index}]`;
      const type = task.type;
      const spec = taskTypeSpec(type);
      if (spec === undefined) {
        const known = (KNOWN_UNSUPPORTED_TASK_TYPES as readonly string[]).includes(type);
        errors.push({
          path: `${at}.type`,
          message: known
            ? `task type ${type} is not supported by Baton`
            : `unknown task type '${type}'; expected one of ${SUPPORTED_TASK_TYPES.join(", ")}`,
          invalidValue: type,
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
        errors.push({ path: `${at}.type`, message: `${type} '${task.taskReferenceName}' must be followed by a ${follower} task` });
      }
      for (const [key, tasks] of Object.entries(task.decisionCases ?? {})) walk(tasks ?? [], `${at}.decisionCases.${key}`);
      if (task.defaultCase) walk(task.defaultCase, `${at}.defaultCase`);
      (task.forkTasks ?? []).forEach((branch, b) => walk(branch ?? [], `${at}.forkTasks[${b}]`));
      if (task.loopOver) walk(task.loopOver, `${at}.loopOver`);
    });
  };
  walk(def.tasks, `${root}tasks`);
  if (errors.length > 0) {
    const summary = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new ValidationError(`Invalid workflow definition '${def.name}': ${summary}`, errors);
  }
}

/** Parses and checks a workflow definition from untrusted input. */
export function parseWorkflowDef(input: unknown, root = ""): WorkflowDef {
  const def = parseOrThrow(WorkflowDefSchema, input, "workflow definition", root);
  checkWorkflowDefRules(def, root === "" ? "" : `${root}.`);
  return def;
}
