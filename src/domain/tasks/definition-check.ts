import type { WorkflowTask } from "../definitions/workflow-def.ts";

/** Something a definition task lacks: the field (relative to the task) and what it needs. */
export interface TaskProblem {
  readonly field: string;
  readonly message: string;
}

/** The problems of one definition task of a type; [] when it has what its type needs. */
export type DefinitionCheck = (task: WorkflowTask) => TaskProblem[];

/** One rule: it holds when `ok`; otherwise `field` gets `message`. */
export type Requirement = readonly [ok: boolean, field: string, message: string];

/** The problems of the requirements that do not hold, in order. */
export function unmet(...requirements: Requirement[]): TaskProblem[] {
  return requirements.filter(([ok]) => !ok).map(([, field, message]) => ({ field, message }));
}

/** A `${...}` expression, resolved only when the task is scheduled. */
export const isExpression = (value: unknown): boolean => typeof value === "string" && value.includes("${");
