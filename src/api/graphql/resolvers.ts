import {
  RerunWorkflowRequestSchema,
  SkipTaskRequestSchema,
  StartWorkflowRequestSchema,
  TaskResultSchema,
} from "../../domain/definitions/requests.ts";
import { parseWorkflowDef } from "../../domain/definitions/check-workflow-def.ts";
import { TaskDefSchema } from "../../domain/definitions/task-def.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import { IllegalStateError, NotFoundError, ValidationError } from "../../domain/errors.ts";
import type { EventSource, RecordedEvent } from "../../domain/ports.ts";
import type { Engine } from "../../engine/engine.ts";
import { restartPointFor } from "../../projections/retry-suggestion.ts";
import { MAX_SEARCH_SIZE } from "../../projections/search.ts";
import type { QueryLimits } from "../../projections/search-query.ts";
import { type PointInTime, stateAt } from "../../projections/time-travel.ts";
import { workflowTimeline } from "../../projections/timeline.ts";
import type { RouterView } from "../rest/router.ts";
import { taskDefView, taskView, unmatchedView, workflowDefView, workflowView } from "./views.ts";

import type { SubscriptionPort } from "./subscriptions.ts";
import type { DagRunPort } from "./dag-runs.ts";
/** What the GraphQL queries and mutations call on the engine, and nothing more. */
export type ResolverPort = Pick<Engine, "eventHandlers" | "getTask" | "getTaskDef" | "getWorkflowDef" | "listTaskDefs" | "listWorkflowDefs" | "loadWorkflow" | "pause" | "queueSizes" | "readWorkflowEvents" | "registerTaskDef" | "registerWorkflowDef" | "rerun" | "restart" | "resume" | "retry" | "search" | "skipTask" | "startWorkflow" | "terminate" | "updateTask" | "workflowDefWarnings">;

/** What the resolvers need: the engine, and the event router when it runs. */
export interface GraphQLDeps {
  /** Queries, mutations and subscriptions together call this much of the engine. */
  engine: ResolverPort & SubscriptionPort & DagRunPort;
  router?: RouterView;
  /** The search query limits of the edge (BATON_MAX_SEARCH_QUERY_*). */
  searchQueryLimits?: QueryLimits;
}

type Args = Record<string, any>;

/** What the HTTP route hands yoga as its server context (src/api/app.ts). */
type RequestContext = Record<string, unknown> | undefined;

/** Where a mutation's events come from; a W3C traceparent of the request goes with them. */
const source = (field: string, context?: RequestContext): EventSource => {
  const traceparent = context?.traceparent;
  return { kind: "graphql", detail: `mutation ${field}`, ...(typeof traceparent === "string" ? { traceparent } : {}) };
};

function invalid(path: string, message: string, invalidValue?: unknown): ValidationError {
  return new ValidationError(`${path}: ${message}`, [{ path, message, invalidValue }]);
}

/** A whole number in [min, max], or a validation error naming `path`. */
function boundedInt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(path, `expected a whole number from ${min} to ${max}`, value);
  }
  return value;
}

function pointInTime(revision: unknown, time: unknown): PointInTime {
  if (revision != null && time != null) throw invalid("revision", "give revision or time, not both", revision);
  if (time != null) return { time: time as string };
  if (revision == null) throw invalid("revision", "a revision or a time is required");
  return { revision: revision as number };
}

/** The Query and Mutation resolvers; each field of `schema.graphql` has exactly one. */
export function createResolvers({ engine, router, searchQueryLimits }: { engine: ResolverPort; router?: RouterView; searchQueryLimits?: QueryLimits }) {
  async function streamOf(workflowId: string): Promise<RecordedEvent[]> {
    const events = await engine.readWorkflowEvents(workflowId);
    if (events.length === 0) throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
    return events;
  }

  const current = async (workflowId: string) => workflowView(await engine.loadWorkflow(workflowId));

  function currentTask(taskId: string) {
    const { workflow, task } = engine.getTask(taskId);
    return taskView(workflow, task);
  }

  async function finishTask(field: string, taskId: string, result: Record<string, unknown>, context?: RequestContext) {
    const { workflow } = engine.getTask(taskId);
    const parsed = parseOrThrow(TaskResultSchema, { ...result, taskId, workflowInstanceId: workflow.workflowId }, "task result");
    await engine.updateTask(parsed, source(field, context));
    return currentTask(taskId);
  }

  const Query = {
    workflow: (_: unknown, { id }: Args) => current(id),
    workflows(_: unknown, { search }: Args) {
      const { query, freeText, sort, start = 0, size = 100 } = search ?? {};
      return engine.search({
        query: query ?? undefined,
        freeText: freeText ?? undefined,
        sort: sort ?? undefined,
        start: boundedInt(start ?? 0, "search.start", 0, Number.MAX_SAFE_INTEGER),
        size: boundedInt(size ?? 100, "search.size", 0, MAX_SEARCH_SIZE),
        queryLimits: searchQueryLimits,
      });
    },
    workflowDef: (_: unknown, { name, version }: Args) => workflowDefView(engine.getWorkflowDef(name, version ?? undefined)),
    workflowDefs: () => engine.listWorkflowDefs().map(workflowDefView),
    taskDef: (_: unknown, { name }: Args) => taskDefView(engine.getTaskDef(name)),
    taskDefs: () => engine.listTaskDefs().map(taskDefView),
    task: (_: unknown, { id }: Args) => currentTask(id),
    queues: () => Object.entries(engine.queueSizes()).map(([name, size]) => ({ name, size })),
    timeline: async (_: unknown, { workflowId }: Args) => workflowTimeline(await streamOf(workflowId)),
    async workflowAt(_: unknown, { id, revision, time }: Args) {
      const at = pointInTime(revision, time);
      return stateAt(await streamOf(id), at);
    },
    retrySuggestion: async (_: unknown, { workflowId }: Args) => restartPointFor(await engine.loadWorkflow(workflowId)) ?? null,
    eventHandlers: () => engine.eventHandlers.list(),
    async unmatchedEvents(_: unknown, { limit }: Args) {
      if (!router) return null;
      return (await router.unmatched(boundedInt(limit ?? 100, "limit", 1, 1000))).map(unmatchedView);
    },
  };

  const Mutation = {
    async registerWorkflowDef(_: unknown, { definition, overwrite }: Args, context?: RequestContext) {
      const parsed = parseWorkflowDef(definition, "definition");
      await engine.registerWorkflowDef(parsed, overwrite ?? false, source("registerWorkflowDef", context));
      return workflowDefView(engine.getWorkflowDef(parsed.name, parsed.version));
    },
    async registerTaskDefs(_: unknown, { definitions }: Args, context?: RequestContext) {
      const list = definitions as unknown[];
      if (list.length === 0) throw invalid("definitions", "expected at least one task definition");
      const parsed = list.map((item, index) => parseOrThrow(TaskDefSchema, item, "task definition", `definitions[${index}]`));
      for (const definition of parsed) await engine.registerTaskDef(definition, false, source("registerTaskDefs", context));
      return parsed.map((definition) => taskDefView(engine.getTaskDef(definition.name)));
    },
    async startWorkflow(_: unknown, { request }: Args, context?: RequestContext) {
      const parsed = parseOrThrow(StartWorkflowRequestSchema, dropNulls(request), "start workflow request", "request");
      return current(await engine.startWorkflow(parsed, source("startWorkflow", context)));
    },
    async terminateWorkflow(_: unknown, { id, reason }: Args, context?: RequestContext) {
      await engine.terminate(id, reason ?? undefined, source("terminateWorkflow", context));
      return current(id);
    },
    async pauseWorkflow(_: unknown, { id }: Args, context?: RequestContext) {
      await engine.pause(id, source("pauseWorkflow", context));
      return current(id);
    },
    async resumeWorkflow(_: unknown, { id }: Args, context?: RequestContext) {
      await engine.resume(id, source("resumeWorkflow", context));
      return current(id);
    },
    async restartWorkflow(_: unknown, { id, useLatestDefinitions }: Args, context?: RequestContext) {
      await engine.restart(id, useLatestDefinitions ?? false, source("restartWorkflow", context));
      return current(id);
    },
    async retryWorkflow(_: unknown, { id }: Args, context?: RequestContext) {
      await engine.retry(id, source("retryWorkflow", context));
      return current(id);
    },
    async rerunWorkflow(_: unknown, { id, request }: Args, context?: RequestContext) {
      const parsed = parseOrThrow(RerunWorkflowRequestSchema, dropNulls(request ?? {}), "rerun request", "request");
      await engine.rerun(id, parsed, source("rerunWorkflow", context));
      return current(id);
    },
    async skipTask(_: unknown, { workflowId, taskReferenceName, taskInput, taskOutput }: Args, context?: RequestContext) {
      const request = parseOrThrow(SkipTaskRequestSchema, dropNulls({ taskInput, taskOutput }), "skip task request");
      await engine.skipTask(workflowId, taskReferenceName, request, source("skipTask", context));
      return current(workflowId);
    },
    completeTask: (_: unknown, { taskId, output, workerId }: Args, context?: RequestContext) =>
      finishTask("completeTask", taskId, dropNulls({ status: "COMPLETED", outputData: output, workerId }), context),
    failTask: (_: unknown, { taskId, reason, output, terminal, workerId }: Args, context?: RequestContext) =>
      finishTask(
        "failTask",
        taskId,
        dropNulls({
          status: terminal ? "FAILED_WITH_TERMINAL_ERROR" : "FAILED",
          reasonForIncompletion: reason,
          outputData: output,
          workerId,
        }),
        context,
      ),
    async retryFromSuggestion(_: unknown, { workflowId }: Args, context?: RequestContext) {
      const workflow = await engine.loadWorkflow(workflowId);
      const suggestion = restartPointFor(workflow);
      if (!suggestion) {
        throw new IllegalStateError(
          `Workflow ${workflowId} is ${workflow.status}; a retry suggestion needs a FAILED workflow with a failed task`,
        );
      }
      await engine.rerun(workflowId, { reRunFromTaskId: suggestion.reRunFromTaskId }, source("retryFromSuggestion", context));
      return current(workflowId);
    },
  };

  // Computed when asked for: what Baton warns about in the definition (under this server's EVENT sink policy).
  const WorkflowDef = {
    warnings: (view: { definition: Parameters<ResolverPort["workflowDefWarnings"]>[0] }) => engine.workflowDefWarnings(view.definition),
  };

  return { Query, Mutation, WorkflowDef };
}

/** GraphQL passes omitted nullable arguments as absent but explicit ones as null; the schemas want absent. */
function dropNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}
