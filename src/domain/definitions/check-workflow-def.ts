import { type FieldError, ValidationError } from "../errors.ts";
import {
  KNOWN_UNSUPPORTED_TASK_TYPES,
  SUPPORTED_TASK_TYPES,
  type WorkflowDef,
  WorkflowDefSchema,
  type WorkflowTask,
} from "./workflow-def.ts";
import { parseOrThrow } from "./validate.ts";

/**
 * Rules a workflow definition must satisfy beyond its shape: every task type is
 * one Baton runs, and every `taskReferenceName` is unique within the definition.
 */
export function checkWorkflowDefRules(def: WorkflowDef, root = ""): void {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  def.tasks.forEach((task: WorkflowTask, index: number) => {
    const at = `${root}tasks[${index}]`;
    const type = task.type;
    if (!(SUPPORTED_TASK_TYPES as readonly string[]).includes(type)) {
      const known = (KNOWN_UNSUPPORTED_TASK_TYPES as readonly string[]).includes(type);
      errors.push({
        path: `${at}.type`,
        message: known
          ? `task type ${type} is not supported by this version of Baton yet; supported: ${SUPPORTED_TASK_TYPES.join(", ")}`
          : `unknown task type '${type}'; expected one of ${SUPPORTED_TASK_TYPES.join(", ")}`,
        invalidValue: type,
      });
    }
    const previous = seen.get(task.taskReferenceName);
    if (previous !== undefined) {
      errors.push({
        path: `${at}.taskReferenceName`,
        message: `duplicate taskReferenceName '${task.taskReferenceName}' (also used by ${root}tasks[${previous}])`,
        invalidValue: task.taskReferenceName,
      });
    } else {
      seen.set(task.taskReferenceName, index);
    }
  });
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
