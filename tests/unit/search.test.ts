/**
 * Workflow search without an index: Conductor's query language (field OP value,
 * AND / OR, parentheses), freeText, sort, paging and the 5000 size limit.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/domain/errors.ts";
import type { WorkflowEvent } from "../../src/domain/workflow/events.ts";
import { foldWorkflow } from "../../src/domain/workflow/evolve.ts";
import type { WorkflowState } from "../../src/domain/workflow/state.ts";
import { MAX_SEARCH_SIZE, type SearchRequest, searchWorkflows } from "../../src/projections/search.ts";
import { matches, parseQuery } from "../../src/projections/search-query.ts";
import { at, simpleTask, started, workflowDef } from "../support/decider-spec.ts";
import { validationErrorOf } from "../support/errors.ts";

type Ending = "RUNNING" | "COMPLETED" | "FAILED" | "TERMINATED";

/** A workflow folded from its events: started at `startSeconds`, ended 10 s later unless RUNNING. */
function workflow(
  workflowId: string,
  name: string,
  status: Ending,
  startSeconds: number,
  fields: { correlationId?: string; input?: Record<string, unknown>; reason?: string } = {},
): WorkflowState {
  const def = workflowDef([simpleTask("step")], { name });
  const events: WorkflowEvent[] = [
    started(def, fields.input ?? {}, at(startSeconds), { workflowId, correlationId: fields.correlationId }),
  ];
  const time = at(startSeconds + 10);
  if (status === "COMPLETED") events.push({ type: "WorkflowCompleted", data: { output: { ok: true }, time } });
  if (status === "FAILED") events.push({ type: "WorkflowFailed", data: { reason: fields.reason ?? "failed", output: {}, time } });
  if (status === "TERMINATED") events.push({ type: "WorkflowTerminated", data: { reason: fields.reason, output: {}, time } });
  return foldWorkflow(events);
}

const workflows = [
  workflow("w1", "orders", "RUNNING", 10, { correlationId: "c-1", input: { customer: "ann" } }),
  workflow("w2", "orders", "FAILED", 20, { reason: "card declined" }),
  workflow("w3", "payments", "COMPLETED", 30),
  workflow("w4", "orders", "TERMINATED", 40, { reason: "stopped by ops" }),
  workflow("w5", "orders_archive", "RUNNING", 50),
];

const ids = (request: SearchRequest) => searchWorkflows(workflows, request).results.map((r) => r.workflowId);


describe("query parsing", () => {
  it("parses `workflowType = 'x' AND status IN (RUNNING,FAILED)`", () => {
    expect(parseQuery("workflowType = 'orders' AND status IN (RUNNING,FAILED)")).toEqual({
      kind: "and",
      left: { kind: "compare", field: "workflowType", op: "=", values: ["orders"] },
      right: { kind: "compare", field: "status", op: "IN", values: ["RUNNING", "FAILED"] },
    });
  });

  it("binds AND tighter than OR, and lets parentheses group", () => {
    expect(parseQuery("a = 1 OR b = 2 AND c = 3")).toMatchObject({ kind: "or", right: { kind: "and" } });
    expect(parseQuery("(a = 1 OR b = 2) AND c = 3")).toMatchObject({ kind: "and", left: { kind: "or" } });
  });

  it("matches everything for an empty query or *", () => {
    expect(parseQuery(undefined)).toBeUndefined();
    expect(parseQuery("  ")).toBeUndefined();
    expect(parseQuery("*")).toBeUndefined();
  });

  it.each([
    ["an unknown operator", "status ~ RUNNING"],
    ["IN without a list", "status IN RUNNING"],
    ["an unclosed parenthesis", "(status = RUNNING"],
    ["a missing value", "status ="],
    ["trailing tokens", "status = RUNNING RUNNING"],
    ["an unterminated list", "status IN (RUNNING,"],
  ])("rejects %s with a ValidationError naming `query`", (_what, query) => {
    const error = validationErrorOf(() => parseQuery(query));
    expect(error.message).toMatch(/^query: /);
    expect(error.fieldErrors).toEqual([expect.objectContaining({ path: "query", invalidValue: query })]);
  });
});

describe("searching", () => {
  it("filters by type and a status list", () => {
    expect(ids({ query: "workflowType = 'orders' AND status IN (RUNNING,FAILED)", sort: "startTime:ASC" })).toEqual(["w1", "w2"]);
  });

  it("accepts quoted values in an IN list and double quotes", () => {
    expect(ids({ query: `status IN ('COMPLETED',"TERMINATED")`, sort: "startTime:ASC" })).toEqual(["w3", "w4"]);
  });

  it("combines OR with parentheses", () => {
    expect(ids({ query: "(workflowType = payments OR status = FAILED) AND startTime > 0", sort: "startTime:ASC" })).toEqual(["w2", "w3"]);
    expect(ids({ query: "workflowType = payments OR status = FAILED AND workflowType = nope", sort: "startTime:ASC" })).toEqual(["w3"]);
  });

  it("matches prefixes with STARTS_WITH", () => {
    expect(ids({ query: "workflowType STARTS_WITH 'orders_'" })).toEqual(["w5"]);
    expect(ids({ query: "workflowType STARTS_WITH orders", sort: "startTime:ASC" })).toEqual(["w1", "w2", "w4", "w5"]);
  });

  it("excludes with !=", () => {
    expect(ids({ query: "workflowType != orders", sort: "startTime:ASC" })).toEqual(["w3", "w5"]);
  });

  it("compares times given as epoch milliseconds", () => {
    expect(ids({ query: `startTime >= ${at(30)} AND startTime < ${at(50)}`, sort: "startTime:ASC" })).toEqual(["w3", "w4"]);
  });

  it("compares times given as ISO-8601, quoted or bare", () => {
    expect(ids({ query: "startTime > '2026-01-01T00:00:30.000Z'", sort: "startTime:ASC" })).toEqual(["w4", "w5"]);
    expect(ids({ query: "startTime <= 2026-01-01T00:00:20Z", sort: "startTime:ASC" })).toEqual(["w1", "w2"]);
  });

  it("treats a workflow that has not ended as having no endTime", () => {
    expect(ids({ query: `endTime > 0`, sort: "startTime:ASC" })).toEqual(["w2", "w3", "w4"]);
  });

  it("filters by correlationId", () => {
    expect(ids({ query: "correlationId = 'c-1'" })).toEqual(["w1"]);
  });

  it("searches freeText in ids, input and reasons, case-insensitively; * matches all", () => {
    expect(ids({ freeText: "ANN" })).toEqual(["w1"]);
    expect(ids({ freeText: "declined" })).toEqual(["w2"]);
    expect(ids({ freeText: "w3" })).toEqual(["w3"]);
    expect(ids({ freeText: "*" })).toHaveLength(5);
  });

  it("combines freeText with a query", () => {
    expect(ids({ freeText: "ops", query: "status = TERMINATED" })).toEqual(["w4"]);
    expect(ids({ freeText: "ops", query: "status = RUNNING" })).toEqual([]);
  });
});

describe("sorting and paging", () => {
  it("sorts by `startTime:DESC`, and by startTime descending when no sort is given", () => {
    expect(ids({ sort: "startTime:DESC" })).toEqual(["w5", "w4", "w3", "w2", "w1"]);
    expect(ids({})).toEqual(["w5", "w4", "w3", "w2", "w1"]);
  });

  it("sorts ascending when no order is given, and by several fields joined with |", () => {
    expect(ids({ sort: "startTime" })).toEqual(["w1", "w2", "w3", "w4", "w5"]);
    expect(ids({ sort: "workflowType:DESC|startTime:ASC" })).toEqual(["w3", "w5", "w1", "w2", "w4"]);
  });

  it("pages with start and size, counting every hit in totalHits", () => {
    const page = searchWorkflows(workflows, { start: 1, size: 2, sort: "startTime:ASC" });
    expect(page.totalHits).toBe(5);
    expect(page.results.map((r) => r.workflowId)).toEqual(["w2", "w3"]);
    expect(searchWorkflows(workflows, { start: 10, size: 2 })).toEqual({ totalHits: 5, results: [] });
  });

  it("rejects a size above 5000 (Cannot return more than 5000 workflows)", () => {
    expect(MAX_SEARCH_SIZE).toBe(5000);
    const error = validationErrorOf(() => searchWorkflows(workflows, { size: 5001 }));
    expect(error.fieldErrors[0]).toMatchObject({ path: "size", invalidValue: 5001 });
    expect(searchWorkflows(workflows, { size: 5000 }).totalHits).toBe(5);
  });

  it("rejects a bad query with a ValidationError naming `query`", () => {
    const error = validationErrorOf(() => searchWorkflows(workflows, { query: "status IS" }));
    expect(error.fieldErrors[0]!.path).toBe("query");
  });
});

describe("results", () => {
  it("are WorkflowSummary objects with ISO-8601 UTC times and input/output as text", () => {
    const [summary] = searchWorkflows(workflows, { query: "workflowId = w3" }).results;
    expect(summary).toMatchObject({
      workflowType: "payments",
      version: 1,
      workflowId: "w3",
      status: "COMPLETED",
      startTime: "2026-01-01T00:00:30.000Z",
      endTime: "2026-01-01T00:00:40.000Z",
      executionTime: 10_000,
      output: '{"ok":true}',
      failedReferenceTaskNames: "",
      parentWorkflowId: "",
    });
    expect(typeof summary!.input).toBe("string");
  });
});

describe("query limits", () => {
  it("refuses a query longer than its limit, naming the setting, before reading it", () => {
    const query = `workflowId IN (${Array.from({ length: 1000 }, (_, i) => `id${i}`).join(",")})`;
    const error = validationErrorOf(() => parseQuery(query));
    expect(error.message).toMatch(/^query: \d+ characters, more than 4096 \(the limit is BATON_MAX_SEARCH_QUERY_CHARS\)$/);
    expect(error.fieldErrors[0]?.path).toBe("query");
    expect(parseQuery(query, { maxChars: 100_000, maxDepth: 16 })).toMatchObject({ kind: "compare", op: "IN" });
  });

  it("refuses parentheses nested deeper than the limit (3,500 '(' used to overflow the parser)", () => {
    const error = validationErrorOf(() => parseQuery("(".repeat(3500), { maxChars: 10_000, maxDepth: 16 }));
    expect(error.message).toBe("query: parentheses nested deeper than 16 (the limit is BATON_MAX_SEARCH_QUERY_DEPTH)");
    const nested = `${"(".repeat(16)}status = RUNNING${")".repeat(16)}`;
    expect(parseQuery(nested)).toMatchObject({ kind: "compare", field: "status" });
    expect(validationErrorOf(() => parseQuery(`(${nested})`)).message).toMatch(/nested deeper than 16/);
    // Parentheses inside quoted values are text, not nesting.
    expect(parseQuery(`correlationId = '${"(".repeat(40)}'`)).toMatchObject({ values: ["(".repeat(40)] });
  });

  it("evaluates a long AND chain without recursing once per term", () => {
    const query = Array.from({ length: 20_000 }, () => "status = RUNNING").join(" AND ");
    const condition = parseQuery(query, { maxChars: 1_000_000, maxDepth: 16 });
    expect(matches(condition, { status: "RUNNING" })).toBe(true);
    expect(matches(condition, { status: "FAILED" })).toBe(false);
    const either = parseQuery(Array.from({ length: 20_000 }, (_, i) => `workflowId = w${i}`).join(" OR "), { maxChars: 1_000_000, maxDepth: 16 });
    expect(matches(either, { workflowId: "w19999" })).toBe(true);
    expect(matches(either, { workflowId: "nope" })).toBe(false);
  });
});
