import { compactString } from "../domain/compact-string.ts";
import { ValidationError } from "../domain/errors.ts";
import { servableJson } from "../domain/json-depth.ts";
import type { WorkflowState } from "../domain/workflow/state.ts";
import { matches, parseQuery, type QueryLimits } from "./search-query.ts";
import { toWorkflowSummary, type WorkflowSummary } from "./summary.ts";

export interface SearchRequest {
  start?: number;
  size?: number;
  /** `field:ASC|DESC`, several joined by `|` or `,`. */
  sort?: string;
  freeText?: string;
  query?: string;
  /** The edge's query size limits (BATON_MAX_SEARCH_QUERY_*); the defaults otherwise. */
  queryLimits?: QueryLimits;
}

export interface SearchResult<T> {
  totalHits: number;
  results: T[];
}

export const MAX_SEARCH_SIZE = 5000;

/** The fields a query can name, with times as epoch ms. */
export type SearchFields = Record<string, string | number | undefined>;

/** How many characters of a finished workflow's text a digest keeps for `freeText`. */
export const DIGEST_TEXT_CHARS = 256;

/**
 * What search keeps of a finished workflow that is no longer held in memory:
 * the fields a query names, and the start of the text `freeText` looks in
 * (id, correlation id, name, reason, input, output), lower-cased.
 */
export interface WorkflowDigest {
  workflowId: string;
  fields: SearchFields;
  text: string;
}

export function digestOf(workflow: WorkflowState): WorkflowDigest {
  // A digest outlives the state it is made from: its strings are copies of
  // their own, not views into the state's (a slice of the joined text would
  // keep all of it, input and output included).
  const fields: SearchFields = { ...searchFields(workflow) };
  for (const name in fields) if (typeof fields[name] === "string") fields[name] = compactString(fields[name]);
  return {
    workflowId: fields.workflowId as string,
    fields,
    text: compactString(freeTextOf(workflow).join("\u0000").slice(0, DIGEST_TEXT_CHARS).toLowerCase()),
  };
}

// States never change (each event makes a new one), so a state's fields are computed once.
const fieldsOfState = new WeakMap<WorkflowState, SearchFields>();

function searchFields(workflow: WorkflowState): SearchFields {
  let fields = fieldsOfState.get(workflow);
  if (!fields) fieldsOfState.set(workflow, (fields = computeSearchFields(workflow)));
  return fields;
}

function computeSearchFields(workflow: WorkflowState): SearchFields {
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

function freeTextOf(workflow: WorkflowState): string[] {
  return [
    workflow.workflowId,
    workflow.correlationId ?? "",
    workflow.definition.name,
    workflow.reasonForIncompletion ?? "",
    // A stored value too deep to stringify is searched in its shortened text, never fails the search.
    servableJson(workflow.input),
    servableJson(workflow.output),
  ];
}

/** A workflow held in memory, or the digest of one that is not. */
export type Searchable = WorkflowState | WorkflowDigest;

const isDigest = (item: Searchable): item is WorkflowDigest => "fields" in item;
const fieldsOf = (item: Searchable) => (isDigest(item) ? item.fields : searchFields(item));

function matchesFreeText(item: Searchable, freeText: string | undefined): boolean {
  if (freeText === undefined || freeText.trim() === "" || freeText.trim() === "*") return true;
  const needle = freeText.trim().toLowerCase();
  if (isDigest(item)) return item.text.includes(needle);
  return freeTextOf(item).some((text) => text.toLowerCase().includes(needle));
}

/**
 * Orders items by Conductor's `sort` (`field:ASC|DESC`, several joined by `|`
 * or `,`; `fallback` descending when none), absent values last, then by id.
 */
export function sortComparator<T>(
  sort: string | undefined,
  fallback: string,
  fieldsOfItem: (item: T) => SearchFields,
  idOf: (item: T) => string,
): (a: T, b: T) => number {
  const keys = (sort ?? "")
    .split(/[|,]/)
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [field = "", order = "ASC"] = part.split(":");
      return { field, descending: order.toUpperCase() === "DESC" };
    });
  if (keys.length === 0) keys.push({ field: fallback, descending: true });
  return (a, b) => {
    const fa = fieldsOfItem(a);
    const fb = fieldsOfItem(b);
    for (const key of keys) {
      const x = fa[key.field];
      const y = fb[key.field];
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const order = x < y ? -1 : 1;
      return key.descending ? -order : order;
    }
    return idOf(a) < idOf(b) ? -1 : 1;
  };
}

const comparator = (sort: string | undefined) => sortComparator<Searchable>(sort, "startTime", fieldsOf, (item) => item.workflowId);

/** Searches workflows without an external index: filter, sort, page. */
export function searchWorkflows(workflows: Iterable<WorkflowState>, request: SearchRequest): SearchResult<WorkflowSummary> {
  const { totalHits, results } = findWorkflows([workflows], request);
  // Only states went in, so only states come out.
  return { totalHits, results: results.map((workflow) => toWorkflowSummary(workflow as WorkflowState)) };
}

/**
 * Filters, sorts and pages workflows held in memory and digests of those that
 * are not; the caller turns the page's digests into summaries (by loading them).
 */
export function findWorkflows(sources: Iterable<Iterable<Searchable>>, request: SearchRequest): SearchResult<Searchable> {
  const size = request.size ?? 100;
  const start = request.start ?? 0;
  if (size > MAX_SEARCH_SIZE) {
    throw new ValidationError(`size: cannot return more than ${MAX_SEARCH_SIZE} workflows; use start to page`, [
      { path: "size", message: `must be <= ${MAX_SEARCH_SIZE}`, invalidValue: size },
    ]);
  }
  const condition = parseQuery(request.query, request.queryLimits);
  const hits: Searchable[] = [];
  for (const source of sources) {
    for (const item of source) {
      if (matches(condition, fieldsOf(item)) && matchesFreeText(item, request.freeText)) hits.push(item);
    }
  }
  hits.sort(comparator(request.sort));
  return { totalHits: hits.length, results: hits.slice(start, start + size) };
}
