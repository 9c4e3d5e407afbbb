import { type FieldError, ValidationError } from "../errors.ts";
import { KNOWN_UNSUPPORTED_TASK_TYPES, SUPPORTED_TASK_TYPES } from "./task-types.ts";
import { type WorkflowDef, WorkflowDefSchema, type WorkflowTask } from "./workflow-def.ts";
import { parseOrThrow } from "./validate.ts";

const TERMINATION_STATUSES = ["COMPLETED", "FAILED", "TERMINATED"];
const isExpression = (value: unknown) => typeof value === "string" && value.includes("${");

/** Fields each task type needs, as Conductor's WorkflowTaskTypeConstraint asks for them. */
function typeRules(task: WorkflowTask, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const need = (ok: boolean, field: string, message: string) => {
    if (!ok) errors.push({ path: `${at}.${field}`, message: `${message} for task type ${task.type} (${task.taskReferenceName})` });
  };
  const input = task.inputParameters ?? {};
  switch (task.type) {
    case "SWITCH":
      need(!!task.evaluatorType, "evaluatorType", "evaluatorType (value-param or javascript) is required");
      need(!task.evaluatorType || ["value-param", "javascript", "graaljs"].includes(task.evaluatorType), "evaluatorType",
        `evaluatorType must be value-param or javascript, got '${task.evaluatorType}'`);
      need(!!task.expression, "expression", "expression is required");
      need(!!task.decisionCases, "decisionCases", "decisionCases is required");
      break;
    case "DECISION":
      need(!!task.caseValueParam || !!task.caseExpression, "caseValueParam", "caseValueParam or caseExpression is required");
      need(!!task.decisionCases, "decisionCases", "decisionCases is required");
      break;
    case "DO_WHILE":
      need(
        !!task.loopCondition || input.items !== undefined || input._items !== undefined || (typeof task.items === "string" && task.items.trim() !== ""),
        "loopCondition",
        "loopCondition (or items) is required",
      );
      need((task.loopOver ?? []).length > 0, "loopOver", "loopOver must contain at least one task");
      break;
    case "FORK_JOIN":
      need((task.forkTasks ?? []).length > 0, "forkTasks", "forkTasks must contain at least one branch");
      break;
    case "FORK_JOIN_DYNAMIC":
      need(
        (!!task.dynamicForkTasksParam && !!task.dynamicForkTasksInputParamName) ||
          input.forkTaskInputs !== undefined || input.forkTaskName !== undefined || input.forkTaskType !== undefined,
        "dynamicForkTasksParam",
        "dynamicForkTasksParam and dynamicForkTasksInputParamName (or a forkTaskInputs input) are required",
      );
      break;
    case "DYNAMIC":
      need(!!task.dynamicTaskNameParam, "dynamicTaskNameParam", "dynamicTaskNameParam is required");
      break;
    case "SUB_WORKFLOW":
      need(!!task.subWorkflowParam && (typeof task.subWorkflowParam.name === "string" || !!task.subWorkflowParam.workflowDefinition),
        "subWorkflowParam", "subWorkflowParam with a name (or workflowDefinition) is required");
      break;
    case "EVENT":
      need(!!task.sink, "sink", "sink is required");
      break;
    case "HTTP":
      need(input.http_request !== undefined || input.uri !== undefined, "inputParameters.http_request", "http_request (or uri) is required");
      break;
    case "KAFKA_PUBLISH":
      need(input.kafka_request !== undefined, "inputParameters.kafka_request", "kafka_request is required");
      break;
    case "JSON_JQ_TRANSFORM":
      need(typeof input.queryExpression === "string", "inputParameters.queryExpression", "queryExpression is required");
      break;
    case "INLINE":
      need(typeof input.expression === "string", "inputParameters.expression", "expression is required");
      break;
    case "TERMINATE": {
      const status = input.terminationStatus;
      need(
        typeof status === "string" && (isExpression(status) || TERMINATION_STATUSES.includes(status)),
        "inputParameters.terminationStatus",
        `terminationStatus must be one of ${TERMINATION_STATUSES.join(", ")}, got '${String(status)}'`,
      );
      break;
    }
  }
  return errors;
}

/**
 * Rules a workflow definition must satisfy beyond its shape: every task type is
 * one Baton runs and has what its type needs, every `taskReferenceName` is unique
 * across nested tasks too, and every FORK_JOIN is followed by a JOIN.
 */
export function checkWorkflowDefRules(def: WorkflowDef, root = ""): void {
  const errors: FieldError[] = [];
  const seen = new Map<string, string>();
  const walk = (list: readonly WorkflowTask[], prefix: string) => {
    list.forEach((task, index) => {
      const at = `${prefix}[${index}]`;
      const type = task.type;
      if (!(SUPPORTED_TASK_TYPES as readonly string[]).includes(type)) {
        const known = (KNOWN_UNSUPPORTED_TASK_TYPES as readonly string[]).includes(type);
        errors.push({
          path: `${at}.type`,
          message: known
            ? `task type ${type} is not supported by Baton`
            : `unknown task type '${type}'; expected one of ${SUPPORTED_TASK_TYPES.join(", ")}`,
          invalidValue: type,
        });
      } else {
        errors.push(...typeRules(task, at));
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
      if ((type === "FORK_JOIN" || type === "FORK_JOIN_DYNAMIC") && list[index + 1]?.type !== "JOIN") {
        errors.push({ path: `${at}.type`, message: `${type} '${task.taskReferenceName}' must be followed by a JOIN task` });
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
