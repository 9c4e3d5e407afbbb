import { Hono } from "hono";
import * as v from "valibot";
import { NotFoundError } from "../../domain/errors.ts";
import type { Engine } from "../../engine/engine.ts";
import { toWorkflowJson } from "../../projections/conductor-json.ts";
import { intQuery, restSource, validBody } from "./request.ts";

/**
 * The fan-out orchestrator's original API (examples/fanout-orchestrator), kept
 * working as a thin layer over one Baton workflow per orchestration task. It is
 * mounted under a prefix (BATON_FANOUT_API_PREFIX) because its `GET /api/tasks`
 * and `GET /api/tasks/{task_id}` would otherwise shadow Conductor's task routes.
 *
 * Nothing is stored here: the task_id is the workflow's correlationId, and each
 * service call's status, payloads, times and error are read from the workflow's
 * call tasks (those whose input names `fanout_service`).
 */
export interface FanoutCompatOptions {
  /** The workflow each orchestration runs as (the example registers `fanout_orchestration`). */
  workflowName: string;
  /** The bus topic `POST /api/orchestrate` queues requests on; an event handler starts the workflow from it. */
  requestTopic: string;
}

export type FanoutCompatPort = Pick<Engine, "startWorkflow" | "search" | "loadWorkflow" | "bus">;

export const FANOUT_SERVICES = ["revenue", "rebates", "specialty"] as const;

const id = (field: string) =>
  v.union([v.pipe(v.number(), v.integer()), v.pipe(v.string(), v.nonEmpty())], `${field} must be a whole number or a non-empty string`);

const OrchestrateRequestSchema = v.object({
  task_name: v.pipe(v.string("task_name must be a string"), v.trim(), v.nonEmpty("task_name must not be empty")),
  description: v.optional(v.string("description must be a string"), ""),
  payload: v.pipe(
    v.array(
      v.object({
        services: v.pipe(
          v.array(v.picklist(FANOUT_SERVICES, `services items must be one of ${FANOUT_SERVICES.join(", ")}`), "services must be a list"),
          v.minLength(1, "services must name at least one service"),
        ),
        scenario_id: id("scenario_id"),
        business_type_id: id("business_type_id"),
      }, "payload items must be objects"),
      "payload must be a list",
    ),
    v.minLength(1, "payload must hold at least one item"),
  ),
});

export type OrchestrateRequest = v.InferOutput<typeof OrchestrateRequestSchema>;

type Status = "PENDING" | "IN_PROGRESS" | "COMPLETED" | "FAILED";

/** A call task's Conductor status in the original API's four states (an optional call that failed ends COMPLETED_WITH_ERRORS). */
function callStatus(status: string): Status {
  switch (status) {
    case "SCHEDULED":
      return "PENDING";
    case "IN_PROGRESS":
      return "IN_PROGRESS";
    case "COMPLETED":
      return "COMPLETED";
    default:
      return "FAILED";
  }
}

const iso = (ms: unknown) => (typeof ms === "number" && ms > 0 ? new Date(ms).toISOString() : null);

/** The response a call got: an HTTP task's body, or what a worker returned under `response`. */
function responseOf(output: Record<string, unknown>): unknown {
  const response = output.response as Record<string, unknown> | undefined;
  if (response && typeof response === "object" && "statusCode" in response) return response.body ?? null;
  return response ?? null;
}

/** One orchestration task in the original API's shape, from its workflow's Conductor JSON. */
export function orchestrationView(workflow: Record<string, unknown>, withRequests: boolean) {
  const input = (workflow.input ?? {}) as Record<string, unknown>;
  const tasks = (workflow.tasks ?? []) as Record<string, any>[];
  const calls = tasks
    .filter((task) => typeof task.inputData?.fanout_service === "string")
    .map((task) => ({
      request_id: task.taskId as string,
      service: task.inputData.fanout_service as string,
      item_index: task.inputData.item_index as number,
      status: callStatus(String(task.status)),
      request_payload: task.inputData.request ?? null,
      response_payload: responseOf(task.outputData ?? {}),
      error: task.status === "COMPLETED" ? null : ((task.reasonForIncompletion as string | null | undefined) ?? null),
      created_at: iso(task.scheduledTime),
      started_at: iso(task.startTime),
      completed_at: iso(task.endTime),
    }));
  const count = (status: Status) => calls.filter((call) => call.status === status).length;
  const status: Status =
    workflow.status === "RUNNING" || workflow.status === "PAUSED" ? (calls.some((c) => c.status !== "PENDING") ? "IN_PROGRESS" : "PENDING") : workflow.status === "COMPLETED" ? "COMPLETED" : "FAILED";
  return {
    task_id: workflow.correlationId as string,
    workflow_id: workflow.workflowId as string,
    task_name: (input.task_name as string | undefined) ?? null,
    description: (input.description as string | undefined) ?? null,
    status,
    error: status === "FAILED" ? ((workflow.reasonForIncompletion as string | undefined) ?? null) : null,
    created_at: iso(workflow.createTime),
    updated_at: iso(workflow.updateTime ?? workflow.createTime),
    completed_at: iso(workflow.endTime),
    summary: { total: calls.length, pending: count("PENDING"), in_progress: count("IN_PROGRESS"), completed: count("COMPLETED"), failed: count("FAILED") },
    ...(withRequests ? { requests: calls } : {}),
  };
}

const quoted = (text: string) => `'${text.replace(/'/g, "")}'`;

/** `POST /api/orchestrate`, `POST /api/orchestrate/direct`, `GET /api/tasks`, `GET /api/tasks/{task_id}`, for mounting under a prefix. */
export function fanoutCompatRoutes(engine: FanoutCompatPort, options: FanoutCompatOptions) {
  const app = new Hono();
  const inputOf = (taskId: string, request: OrchestrateRequest) => ({ task_id: taskId, ...request });

  // Queued: the request goes on the bus, and the example's event handler starts the workflow.
  app.post("/api/orchestrate", async (c) => {
    const request = await validBody(c, OrchestrateRequestSchema, "orchestrate request");
    const taskId = crypto.randomUUID();
    await engine.bus.publish(engine.bus.topicFor?.(options.requestTopic) ?? options.requestTopic, { key: taskId, value: JSON.stringify(inputOf(taskId, request)) });
    return c.json({ task_id: taskId, status: "PENDING", message: `queued on ${options.requestTopic}` }, 202);
  });

  // Direct: the workflow starts now; the task_id doubles as its idempotency key.
  app.post("/api/orchestrate/direct", async (c) => {
    const request = await validBody(c, OrchestrateRequestSchema, "orchestrate request");
    const taskId = crypto.randomUUID();
    const workflowId = await engine.startWorkflow(
      { name: options.workflowName, input: inputOf(taskId, request), correlationId: taskId, idempotencyKey: taskId, taskToDomain: {}, priority: 0 },
      restSource(c),
    );
    return c.json({ task_id: taskId, workflow_id: workflowId, status: "PENDING" }, 202);
  });

  app.get("/api/tasks", async (c) => {
    const found = await engine.search({
      start: intQuery(c, "start", 0),
      size: intQuery(c, "size", 100, { min: 1, max: 1000 }),
      sort: "startTime:DESC",
      query: `workflowType = ${quoted(options.workflowName)}`,
    });
    const tasks = [];
    for (const summary of found.results) {
      tasks.push(orchestrationView(toWorkflowJson(await engine.loadWorkflow(summary.workflowId)), false));
    }
    return c.json({ total: found.totalHits, tasks });
  });

  app.get("/api/tasks/:taskId", async (c) => {
    const taskId = c.req.param("taskId");
    const found = await engine.search({ size: 1, query: `workflowType = ${quoted(options.workflowName)} AND correlationId = ${quoted(taskId)}` });
    const summary = found.results[0];
    if (!summary) throw new NotFoundError(`No orchestration task ${taskId}`);
    return c.json(orchestrationView(toWorkflowJson(await engine.loadWorkflow(summary.workflowId)), true));
  });

  return app;
}
