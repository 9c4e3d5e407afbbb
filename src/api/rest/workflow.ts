import { type Context, Hono } from "hono";
import * as v from "valibot";
import {
  RerunWorkflowRequestSchema,
  SkipTaskRequestSchema,
  StartWorkflowRequestSchema,
} from "../../domain/definitions/requests.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import { WorkflowTestRequestSchema } from "../../domain/definitions/workflow-test-request.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import { isWorkflowTerminal } from "../../domain/workflow/status.ts";
import type { Engine } from "../../engine/engine.ts";
import { testWorkflow } from "../../engine/workflow-test.ts";
import { toTaskJson, toWorkflowJson, toWorkflowStatusJson } from "../../projections/conductor-json.ts";
import { findWorkflows } from "../../projections/search.ts";
import { toWorkflowSummary } from "../../projections/summary.ts";
import { workflowsWithMatchingTasks } from "../../projections/task-search.ts";
import * as Q from "./queries.ts";
import { parseQuery } from "./query.ts";
import { emptyOk, jsonBody, optionalJsonBody, restSource, validBody } from "./request.ts";
import { externalStorageUnsupported, searchRequestOf } from "./search-params.ts";
import { awaitSignalResponse, parseReturnStrategy } from "./signal-response.ts";

/** What the workflow routes call on the engine, and nothing more. */
export type WorkflowRoutesPort = Pick<
  Engine,
  | "clock" | "decide" | "digests" | "loadWorkflow" | "pause" | "removeWorkflow" | "rerun" | "resetCallbacks" | "restart" | "resume" | "retry"
  | "search" | "skipTask" | "startWorkflow" | "terminate" | "updateTask" | "waitForWorkflow" | "workflows"
>;

const CorrelationIdListSchema = v.pipe(
  v.array(v.string("correlation ids must be strings"), "expected a JSON array of correlation ids"),
  v.maxLength(1000, "at most 1000 correlation ids per request"),
);

/** Workflows of `name` with one of `correlationIds`: those in memory, and (with includeClosed) finished ones read back from the store. */
async function correlated(engine: WorkflowRoutesPort, name: string, correlationIds: ReadonlySet<string>, includeClosed: boolean): Promise<WorkflowState[]> {
  const found = [...engine.workflows()].filter(
    (w) => w.definition.name === name && w.correlationId !== undefined && correlationIds.has(w.correlationId) && (includeClosed || !isWorkflowTerminal(w.status)),
  );
  if (includeClosed) {
    for (const digest of [...engine.digests()]) {
      if (digest.fields.workflowType === name && correlationIds.has(String(digest.fields.correlationId))) {
        const workflow = await engine.loadWorkflow(digest.workflowId).catch(() => undefined);
        if (workflow) found.push(workflow);
      }
    }
  }
  return found;
}

const BULK_LIMIT = 1000;
const IdListSchema = v.pipe(
  v.array(v.string("workflow ids must be strings"), "expected a JSON array of workflow ids"),
  v.maxLength(BULK_LIMIT, `at most ${BULK_LIMIT} workflow ids per request`),
);

/** Conductor's `/api/workflow`: start, inspect, search and steer workflow instances. */
export function workflowRoutes(engine: WorkflowRoutesPort) {
  const app = new Hono();

  app.post("/", async (c) => {
    const request = await validBody(c, StartWorkflowRequestSchema, "start workflow request");
    return c.text(await engine.startWorkflow(request, restSource(c)));
  });

  app.get("/search", async (c) => c.json(await engine.search(searchRequestOf(c))));

  // As /search, with whole workflows (tasks included) instead of summaries.
  app.get("/search-v2", async (c) => {
    const { totalHits, results } = await engine.search(searchRequestOf(c));
    const workflows = await Promise.all(results.map((summary) => engine.loadWorkflow(summary.workflowId).catch(() => undefined)));
    return c.json({ totalHits, results: workflows.flatMap((w) => (w ? [toWorkflowJson(w, true)] : [])) });
  });

  // Workflows with a task matching the query (task fields: taskType, status, taskDefName, ...), among those held
  // in memory (active ones and the recently finished), sorted and paged as /search does.
  const searchByTasks = (c: Parameters<typeof searchRequestOf>[0]) => {
    const { query, freeText, ...paging } = searchRequestOf(c);
    const { totalHits, results } = findWorkflows([workflowsWithMatchingTasks(engine.workflows(), { query, freeText })], paging);
    return { totalHits, results: results as WorkflowState[] }; // only states went in
  };

  app.get("/search-by-tasks", (c) => {
    const { totalHits, results } = searchByTasks(c);
    return c.json({ totalHits, results: results.map(toWorkflowSummary) });
  });

  app.get("/search-by-tasks-v2", (c) => {
    const { totalHits, results } = searchByTasks(c);
    return c.json({ totalHits, results: results.map((w) => toWorkflowJson(w, true)) });
  });

  app.get("/externalstoragelocation", externalStorageUnsupported);
  app.get("/external-storage-location", externalStorageUnsupported);

  app.get("/running/:name", (c) => {
    const name = c.req.param("name");
    const { version, startTime, endTime } = parseQuery(c, Q.RunningQuery);
    const ids: string[] = [];
    for (const w of engine.workflows()) {
      if (w.definition.name !== name || w.status !== "RUNNING") continue;
      if (version !== undefined && w.definition.version !== version) continue;
      if (startTime !== undefined && w.createTime < startTime) continue;
      if (endTime !== undefined && w.createTime > endTime) continue;
      ids.push(w.workflowId);
    }
    return c.json(ids);
  });

  // Runs a definition against mocked task results (conductor-oss WorkflowTestService); answers with the workflow.
  app.post("/test", async (c) => {
    const request = await validBody(c, WorkflowTestRequestSchema, "workflow test request");
    const workflow = await testWorkflow(engine, request, `test-${crypto.randomUUID()}`, restSource(c));
    return c.json(toWorkflowJson(workflow, true));
  });

  app.put("/decide/:workflowId", async (c) => {
    await engine.decide(c.req.param("workflowId"), restSource(c));
    return emptyOk(c);
  });

  app.get("/:name/correlated/:correlationId", async (c) => {
    const { includeClosed, includeTasks } = parseQuery(c, Q.CorrelatedQuery);
    const { name, correlationId } = c.req.param();
    const found = await correlated(engine, name, new Set([correlationId]), includeClosed);
    return c.json(found.map((w) => toWorkflowJson(w, includeTasks)));
  });

  // Batch lookup: body = correlation ids; answer = correlationId -> workflows (every id asked for is a key).
  app.post("/:name/correlated", async (c) => {
    const { includeClosed, includeTasks } = parseQuery(c, Q.CorrelatedQuery);
    const ids = parseOrThrow(CorrelationIdListSchema, await jsonBody(c), "correlation id list");
    const found = await correlated(engine, c.req.param("name"), new Set(ids), includeClosed);
    const byId: Record<string, Record<string, unknown>[]> = Object.fromEntries(ids.map((id) => [id, []]));
    for (const w of found) byId[w.correlationId!]!.push(toWorkflowJson(w, includeTasks));
    return c.json(byId);
  });

  // Synchronous execution (conductor-oss 3.32 and Orkes; the SDK's ConductorWorkflow.execute()): starts the
  // workflow and answers once it ends or blocks (a WAIT, or a waitUntilTaskRef task that ended), or at waitForSeconds.
  app.post("/execute/:name/:version?", async (c) => {
    const body = await jsonBody(c);
    const versionParam = c.req.param("version");
    const version = versionParam === undefined || versionParam === "0" ? undefined : Number(versionParam);
    const request = parseOrThrow(
      StartWorkflowRequestSchema,
      { ...(body as object), name: c.req.param("name"), version },
      "start workflow request",
    );
    const query = parseQuery(c, Q.ExecuteQuery);
    const strategy = parseReturnStrategy(query.returnStrategy);
    const waitForSeconds = query.waitForSeconds || 10;
    const requestId = query.requestId?.trim() || crypto.randomUUID();
    const refs = (query.waitUntilTaskRef ?? "").split(",").map((ref) => ref.trim()).filter((ref) => ref !== "");
    const workflowId = await engine.startWorkflow(request, restSource(c));
    const response = await awaitSignalResponse(engine, workflowId, refs, strategy, requestId, waitForSeconds * 1000);
    return response ? c.json(response) : c.body(null, 200);
  });

  // Start by name, body = input.
  app.post("/:name", async (c) => {
    const input = await jsonBody(c);
    const { version, correlationId, priority } = parseQuery(c, Q.StartByNameQuery);
    const request = parseOrThrow(
      StartWorkflowRequestSchema,
      { name: c.req.param("name"), version, correlationId, priority, input },
      "start workflow request",
    );
    return c.text(await engine.startWorkflow(request, restSource(c)));
  });

  app.get("/:workflowId", async (c) => {
    const workflow = await engine.loadWorkflow(c.req.param("workflowId"));
    return c.json(toWorkflowJson(workflow, parseQuery(c, Q.WorkflowQuery).includeTasks));
  });

  app.get("/:workflowId/status", async (c) => {
    const workflow = await engine.loadWorkflow(c.req.param("workflowId"));
    const { includeOutput, includeVariables } = parseQuery(c, Q.WorkflowStatusQuery);
    return c.json(toWorkflowStatusJson(workflow, includeOutput, includeVariables));
  });

  // A page of the workflow's tasks, optionally only some statuses (any case).
  app.get("/:workflowId/tasks", async (c) => {
    const workflow = await engine.loadWorkflow(c.req.param("workflowId"));
    const { start, count, status } = parseQuery(c, Q.WorkflowTasksQuery);
    const statuses = (status ?? []).flatMap((s) => s.split(",")).map((s) => s.trim().toUpperCase()).filter((s) => s !== "");
    const tasks = statuses.length === 0 ? workflow.tasks : workflow.tasks.filter((task) => statuses.includes(task.status));
    return c.json({ totalHits: tasks.length, results: tasks.slice(start, start + count).map((task) => toTaskJson(workflow, task)) });
  });

  // Baton never deletes events: archived or not, the workflow leaves every read model and its history stays in the log.
  app.delete("/:workflowId/remove", async (c) => {
    await engine.removeWorkflow(c.req.param("workflowId"), parseQuery(c, Q.RemoveQuery).archiveWorkflow, restSource(c));
    return emptyOk(c);
  });

  app.delete("/:workflowId/terminate-remove", async (c) => {
    const workflowId = c.req.param("workflowId");
    const { reason, archiveWorkflow: archive } = parseQuery(c, Q.TerminateRemoveQuery);
    const workflow = await engine.loadWorkflow(workflowId);
    if (!isWorkflowTerminal(workflow.status)) await engine.terminate(workflowId, reason, restSource(c));
    await engine.removeWorkflow(workflowId, archive, restSource(c));
    return emptyOk(c);
  });

  app.delete("/:workflowId", async (c) => {
    await engine.terminate(c.req.param("workflowId"), parseQuery(c, Q.TerminateQuery).reason, restSource(c));
    return emptyOk(c);
  });

  app.put("/:workflowId/pause", async (c) => {
    await engine.pause(c.req.param("workflowId"), restSource(c));
    return emptyOk(c);
  });

  app.put("/:workflowId/resume", async (c) => {
    await engine.resume(c.req.param("workflowId"), restSource(c));
    return emptyOk(c);
  });

  app.post("/:workflowId/restart", async (c) => {
    await engine.restart(c.req.param("workflowId"), parseQuery(c, Q.RestartQuery).useLatestDefinitions, restSource(c));
    return c.body(null, 204);
  });

  app.post("/:workflowId/retry", async (c) => {
    parseQuery(c, Q.RetryQuery); // read so a bad value is a 400; Baton retries sub-workflow tasks as Conductor's default does
    await engine.retry(c.req.param("workflowId"), restSource(c));
    return c.body(null, 204);
  });

  app.post("/:workflowId/rerun", async (c) => {
    const request = parseOrThrow(RerunWorkflowRequestSchema, await optionalJsonBody(c), "rerun request");
    const workflow = await engine.rerun(c.req.param("workflowId"), request, restSource(c));
    return c.text(workflow.workflowId);
  });

  app.put("/:workflowId/skiptask/:taskReferenceName", async (c) => {
    const request = parseOrThrow(SkipTaskRequestSchema, await optionalJsonBody(c), "skip task request");
    await engine.skipTask(c.req.param("workflowId"), c.req.param("taskReferenceName"), request, restSource(c));
    return emptyOk(c);
  });

  app.post("/:workflowId/resetcallbacks", async (c) => {
    await engine.resetCallbacks(c.req.param("workflowId"), restSource(c));
    return c.body(null, 204);
  });

  return app;
}

/** Conductor's `/api/workflow/bulk/*`: one operation over many ids, reporting each. */
export function bulkRoutes(engine: WorkflowRoutesPort) {
  const app = new Hono();
  type Run = (id: string) => Promise<unknown>;
  // Each operation reads its query parameters once (a bad value is one 400, not an error per id).
  const operations: { method: "put" | "post" | "delete"; path: string; prepare: (c: Context) => Run }[] = [
    { method: "put", path: "/pause", prepare: (c) => (id) => engine.pause(id, restSource(c)) },
    { method: "put", path: "/resume", prepare: (c) => (id) => engine.resume(id, restSource(c)) },
    {
      method: "post",
      path: "/restart",
      prepare: (c) => {
        const useLatest = parseQuery(c, Q.RestartQuery).useLatestDefinitions;
        return (id) => engine.restart(id, useLatest, restSource(c));
      },
    },
    { method: "post", path: "/retry", prepare: (c) => (id) => engine.retry(id, restSource(c)) },
    {
      method: "post",
      path: "/terminate",
      prepare: (c) => {
        const { reason } = parseQuery(c, Q.TerminateQuery);
        return (id) => engine.terminate(id, reason, restSource(c));
      },
    },
    {
      method: "delete",
      path: "/remove",
      prepare: (c) => {
        const { archiveWorkflow } = parseQuery(c, Q.RemoveQuery);
        return (id) => engine.removeWorkflow(id, archiveWorkflow, restSource(c));
      },
    },
    {
      method: "delete",
      path: "/terminate-remove",
      prepare: (c) => {
        const { reason, archiveWorkflow } = parseQuery(c, Q.TerminateRemoveQuery);
        return async (id) => {
          const workflow = await engine.loadWorkflow(id);
          if (!isWorkflowTerminal(workflow.status)) await engine.terminate(id, reason, restSource(c));
          await engine.removeWorkflow(id, archiveWorkflow, restSource(c));
        };
      },
    },
  ];
  for (const { method, path, prepare } of operations) {
    app[method](path, async (c) => {
      const run = prepare(c);
      const ids = parseOrThrow(IdListSchema, await jsonBody(c), "workflow id list");
      const bulkErrorResults: Record<string, string> = {};
      const bulkSuccessfulResults: string[] = [];
      for (const id of ids) {
        try {
          await run(id);
          bulkSuccessfulResults.push(id);
        } catch (error) {
          bulkErrorResults[id] = error instanceof Error ? error.message : String(error);
        }
      }
      return c.json({ bulkErrorResults, bulkSuccessfulResults, message: "" });
    });
  }

  // The workflows themselves, as Conductor's BulkResponse<Workflow>.
  app.post("/search", async (c) => {
    const { includeTasks } = parseQuery(c, Q.BulkSearchQuery);
    const ids = parseOrThrow(IdListSchema, await jsonBody(c), "workflow id list");
    const bulkErrorResults: Record<string, string> = {};
    const bulkSuccessfulResults: Record<string, unknown>[] = [];
    for (const id of ids) {
      try {
        bulkSuccessfulResults.push(toWorkflowJson(await engine.loadWorkflow(id), includeTasks));
      } catch (error) {
        bulkErrorResults[id] = error instanceof Error ? error.message : String(error);
      }
    }
    return c.json({ bulkErrorResults, bulkSuccessfulResults, message: "" });
  });
  return app;
}
