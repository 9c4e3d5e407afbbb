import { Hono } from "hono";
import * as v from "valibot";
import {
  RerunWorkflowRequestSchema,
  SkipTaskRequestSchema,
  StartWorkflowRequestSchema,
} from "../../domain/definitions/requests.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import { ValidationError } from "../../domain/errors.ts";
import { isWorkflowTerminal } from "../../domain/workflow/status.ts";
import type { Engine } from "../../engine/engine.ts";
import { toWorkflowJson, toWorkflowStatusJson } from "../../projections/conductor-json.ts";
import { MAX_SEARCH_SIZE } from "../../projections/search.ts";
import { limitsOf } from "../input-limits.ts";
import { boolQuery, emptyOk, intQuery, jsonBody, optionalJsonBody, restSource, validBody } from "./request.ts";

/** What the workflow routes call on the engine, and nothing more. */
export type WorkflowRoutesPort = Pick<Engine, "clock" | "digests" | "loadWorkflow" | "pause" | "rerun" | "resetCallbacks" | "restart" | "resume" | "retry" | "search" | "skipTask" | "startWorkflow" | "terminate" | "waitForWorkflow" | "workflows">;

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

  app.get("/search", async (c) => {
    // The SDK's README passes the query as `start`; a non-number there means "from the top".
    const startRaw = c.req.query("start");
    const start = startRaw !== undefined && /^\d+$/.test(startRaw) ? Number(startRaw) : 0;
    const size = intQuery(c, "size", 100, { min: 0 });
    if (size > MAX_SEARCH_SIZE) {
      throw new ValidationError(`size: cannot return more than ${MAX_SEARCH_SIZE} workflows; use start to page`, [
        { path: "size", message: `must be <= ${MAX_SEARCH_SIZE}`, invalidValue: size },
      ]);
    }
    const query = c.req.query("query") ?? (startRaw !== undefined && !/^\d+$/.test(startRaw) ? startRaw : undefined);
    return c.json(
      await engine.search({ start, size, sort: c.req.query("sort"), freeText: c.req.query("freeText"), query, queryLimits: limitsOf(c).searchQuery }),
    );
  });

  app.get("/running/:name", (c) => {
    const name = c.req.param("name");
    const version = c.req.query("version") ? intQuery(c, "version", 1, { min: 1 }) : undefined;
    const startTime = c.req.query("startTime") ? intQuery(c, "startTime", 0) : undefined;
    const endTime = c.req.query("endTime") ? intQuery(c, "endTime", 0) : undefined;
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

  app.get("/:name/correlated/:correlationId", async (c) => {
    const includeClosed = boolQuery(c, "includeClosed", false);
    const includeTasks = boolQuery(c, "includeTasks", false);
    const { name, correlationId } = c.req.param();
    const found = [...engine.workflows()].filter(
      (w) =>
        w.definition.name === name && w.correlationId === correlationId && (includeClosed || !isWorkflowTerminal(w.status)),
    );
    if (includeClosed) {
      // Finished workflows that left memory: found by their search digest, read back from the store.
      for (const digest of engine.digests()) {
        if (digest.fields.workflowType === name && digest.fields.correlationId === correlationId) found.push(await engine.loadWorkflow(digest.workflowId));
      }
    }
    return c.json(found.map((w) => toWorkflowJson(w, includeTasks)));
  });

  // Orkes' synchronous execution, used by the SDK's ConductorWorkflow.execute().
  app.post("/execute/:name/:version?", async (c) => {
    const body = await jsonBody(c);
    const request = parseOrThrow(
      StartWorkflowRequestSchema,
      { ...(body as object), name: c.req.param("name"), version: c.req.param("version") ? Number(c.req.param("version")) : undefined },
      "start workflow request",
    );
    const waitForSeconds = intQuery(c, "waitForSeconds", 10, { min: 0, max: 55 });
    const workflowId = await engine.startWorkflow(request, restSource(c));
    const untilRef = c.req.query("waitUntilTaskRef") || undefined;
    const workflow = await engine.waitForWorkflow(
      workflowId,
      engine.clock() + waitForSeconds * 1000,
      (w) => isWorkflowTerminal(w.status) || (untilRef !== undefined && w.tasks.some((t) => t.referenceTaskName === untilRef)),
    );
    const json = toWorkflowJson(workflow, true);
    return c.json({
      ...json,
      responseType: "TARGET_WORKFLOW",
      targetWorkflowId: workflowId,
      targetWorkflowStatus: workflow.status,
      requestId: c.req.query("requestId"),
    });
  });

  // Start by name, body = input.
  app.post("/:name", async (c) => {
    const input = await jsonBody(c);
    const request = parseOrThrow(
      StartWorkflowRequestSchema,
      {
        name: c.req.param("name"),
        version: c.req.query("version") ? intQuery(c, "version", 1, { min: 1 }) : undefined,
        correlationId: c.req.query("correlationId"),
        priority: intQuery(c, "priority", 0, { min: 0, max: 99 }),
        input,
      },
      "start workflow request",
    );
    return c.text(await engine.startWorkflow(request, restSource(c)));
  });

  app.get("/:workflowId", async (c) => {
    const workflow = await engine.loadWorkflow(c.req.param("workflowId"));
    return c.json(toWorkflowJson(workflow, boolQuery(c, "includeTasks", true)));
  });

  app.get("/:workflowId/status", async (c) => {
    const workflow = await engine.loadWorkflow(c.req.param("workflowId"));
    return c.json(toWorkflowStatusJson(workflow, boolQuery(c, "includeOutput", false), boolQuery(c, "includeVariables", false)));
  });

  app.delete("/:workflowId", async (c) => {
    await engine.terminate(c.req.param("workflowId"), c.req.query("reason"), restSource(c));
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
    await engine.restart(c.req.param("workflowId"), boolQuery(c, "useLatestDefinitions", false), restSource(c));
    return c.body(null, 204);
  });

  app.post("/:workflowId/retry", async (c) => {
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
  const operations: Record<string, (id: string, c: Parameters<typeof restSource>[0]) => Promise<unknown>> = {
    pause: (id, c) => engine.pause(id, restSource(c)),
    resume: (id, c) => engine.resume(id, restSource(c)),
    restart: (id, c) => engine.restart(id, c.req.query("useLatestDefinitions") === "true", restSource(c)),
    retry: (id, c) => engine.retry(id, restSource(c)),
    terminate: (id, c) => engine.terminate(id, c.req.query("reason"), restSource(c)),
  };
  for (const [operation, run] of Object.entries(operations)) {
    const method = operation === "pause" || operation === "resume" ? "put" : "post";
    app[method](`/${operation}`, async (c) => {
      const ids = parseOrThrow(IdListSchema, await jsonBody(c), "workflow id list");
      const bulkErrorResults: Record<string, string> = {};
      const bulkSuccessfulResults: string[] = [];
      for (const id of ids) {
        try {
          await run(id, c);
          bulkSuccessfulResults.push(id);
        } catch (error) {
          bulkErrorResults[id] = error instanceof Error ? error.message : String(error);
        }
      }
      return c.json({ bulkErrorResults, bulkSuccessfulResults, message: "" });
    });
  }
  return app;
}
