import { ValidationError } from "../domain/errors.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";
import { matches, parseQuery } from "./search-query.ts";
import { toWorkflowSummary, type WorkflowSummary } from "./summary.ts";

export interface SearchRequest {
  start?: number;
  size?: number;
  /** `field:ASC|DESC`, several joined by `|` or `,`. */
  sort?: string;
  freeText?: string;
  query?: string;
}

export interface SearchResult<T> {
  totalHits: number;
  results: T[];
}

export const MAX_SEARCH_SIZE = 5000;

/** The fields a query can name, with times as epoch ms. */
function searchFields(workflow: WorkflowState): Record<string, string | number | undefined> {
  return {
    workflowType: workflow.definition.name,
    version: workflow.definition.version,
    workflowId: workflow.workflowId,
    correlationId: workflow.correlationId,
    status: workflow.status,
    startTime: workflow.createTime,
    updateTime: workflow.updateTime,
    endTime: workflow.endTime > 0 ? workflow.endTime : undefined,
    priority: workflow.priority,
    parentWorkflowId: workflow.parentWorkflowId,
    idempotencyKey: workflow.idempotencyKey,
    createdBy: workflow.createdBy,
    reasonForIncompletion: workflow.reasonForIncompletion,
  };
}

function matchesFreeText(workflow: WorkflowState, freeText: string | undefined): boolean {
  if (freeText === undefined || freeText.trim() === "" || freeText.trim() === "*") return true;
  const needle = freeText.trim().toLowerCase();
  const haystack = [
    workflow.workflowId,
    workflow.correlationId ?? "",
    workflow.definition.name,
    workflow.reasonForIncompletion ?? "",
    JSON.stringify(workflow.input),
    JSON.stringify(workflow.output),
  ];
  return haystack.some((text) => text.toLowerCase().includes(needle));
}

function comparator(sort: string | undefined): (a: WorkflowState, b: WorkflowState) => number {
  const keys = (sort ?? "")
    .split(/[|,]/)
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [field = "", order = "ASC"] = part.split(":");
      return { field, descending: order.toUpperCase() === "DESC" };
    });
  if (keys.length === 0) keys.push({ field: "startTime", descending: true });
  return (a, b) => {
    const fa = searchFields(a);
    const fb = searchFields(b);
    for (const key of keys) {
      const x = fa[key.field];
      const y = fb[key.field];
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const order = x < y ? -1 : 1;
      return key.descending ? -order : order;
    }
    return a.workflowId < b.workflowId ? -1 : 1;
  };
}

/** Searches workflows without an external index: filter, sort, page. */
export function searchWorkflows(workflows: Iterable<WorkflowState>, request: SearchRequest): SearchResult<WorkflowSummary> {
  const size = request.size ?? 100;
  const start = request.start ?? 0;
  if (size > MAX_SEARCH_SIZE) {
    throw new ValidationError(`size: cannot return more than ${MAX_SEARCH_SIZE} workflows; use start to page`, [
      { path: "size", message: `must be <= ${MAX_SEARCH_SIZE}`, invalidValue: size },
    ]);
  }
  const condition = parseQuery(request.query);
  const hits: WorkflowState[] = [];
  for (const workflow of workflows) {
    if (matches(condition, searchFields(workflow)) && matchesFreeText(workflow, request.freeText)) hits.push(workflow);
  }
  hits.sort(comparator(request.sort));
  return { totalHits: hits.length, results: hits.slice(start, start + size).map(toWorkflowSummary) };
}
