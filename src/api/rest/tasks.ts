import { Hono } from "hono";
import * as v from "valibot";
import { TASK_RESULT_STATUSES, TaskResultSchema } from "../../domain/definitions/requests.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import { NotFoundError, ValidationError } from "../../domain/errors.ts";
import { latestAttempt } from "../../domain/workflow/state.ts";
import { isTaskTerminal } from "../../domain/workflow/status.ts";
import type { Engine } from "../../engine/engine.ts";
import { toTaskJson } from "../../projections/conductor-json.ts";
import { intQuery, optionalJsonBody, restSource, validBody } from "./request.ts";

/** What the task routes call on the engine, and nothing more. */
export type TaskRoutesPort = Pick<Engine, "addTaskLog" | "allPollData" | "getTask" | "loadWorkflow" | "poll" | "pollData" | "queueSize" | "queueSizes" | "updateTask" | "updateTaskAndPollNext">;

/** Conductor's cap on a batch poll's long-poll wait. */
export const MAX_POLL_TIMEOUT_MS = 5000;

/** Conductor's `/api/tasks`: polling, results, logs and queues. */
export function taskRoutes(engine: TaskRoutesPort) {
  const app = new Hono();

  app.get("/poll/batch/:taskType", async (c) => {
    const tasks = await engine.poll(c.req.param("taskType"), {
      workerId: c.req.query("workerid"),
      domain: c.req.query("domain") || undefined,
      count: intQuery(c, "count", 1, { min: 1, max: 1000 }),
      timeoutMs: intQuery(c, "timeout", 100, { min: 0, max: MAX_POLL_TIMEOUT_MS }),
    });
    return c.json(tasks);
  });

  app.get("/poll/:taskType", async (c) => {
    const [task] = await engine.poll(c.req.param("taskType"), {
      workerId: c.req.query("workerid"),
      domain: c.req.query("domain") || undefined,
      count: 1,
      timeoutMs: 100,
    });
    return task ? c.json(task) : c.body(null, 204);
  });

  app.post("/", async (c) => {
    const result = await validBody(c, TaskResultSchema, "task result");
    await engine.updateTask(result, { kind: "worker", detail: result.workerId ?? "POST /api/tasks" });
    return c.text(result.taskId);
  });

  // Update, then hand the worker its next task of the same type (or 204).
  app.post("/update-v2", async (c) => {
    const result = await validBody(c, TaskResultSchema, "task result");
    const next = await engine.updateTaskAndPollNext(result, { kind: "worker", detail: result.workerId ?? "update-v2" });
    return next ? c.json(next) : c.body(null, 204);
  });

  app.get("/queue/sizes", (c) => {
    const types = c.req.queries("taskType") ?? [];
    const sizes: Record<string, number> = {};
    for (const type of types) sizes[type] = engine.queueSize(type);
    return c.json(sizes);
  });

  app.get("/queue/all", (c) => {
    const sizes: Record<string, number> = {};
    for (const [queue, size] of Object.entries(engine.queueSizes())) sizes[queue] = size;
    return c.json(sizes);
  });

  app.get("/queue/polldata", (c) => {
    const taskType = c.req.query("taskType");
    if (!taskType) {
      throw new ValidationError("taskType: query parameter is required", [{ path: "taskType", message: "expected a task type" }]);
    }
    return c.json(engine.pollData(taskType));
  });

  app.get("/queue/polldata/all", (c) => c.json(engine.allPollData()));

  app.get("/:taskId", (c) => {
    const { workflow, task } = engine.getTask(c.req.param("taskId"));
    return c.json(toTaskJson(workflow, task));
  });

  app.post("/:taskId/log", async (c) => {
    const text = await c.req.text();
    let log = text;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "string") log = parsed; // the SDK sends a JSON string
    } catch {
      // a raw text body is the log line itself
    }
    await engine.addTaskLog(c.req.param("taskId"), log, restSource(c));
    return c.body(null, 200);
  });

  app.get("/:taskId/log", (c) => {
    const { task } = engine.getTask(c.req.param("taskId"));
    return task.logs.length === 0 ? c.body(null, 204) : c.json(task.logs);
  });

  // Complete a task by reference name; the body is its output.
  app.post("/:workflowId/:taskRefName/:status", async (c) => {
    const { workflowId, taskRefName, status } = c.req.param();
    const statusValue = parseOrThrow(
      v.picklist(TASK_RESULT_STATUSES, `status must be one of ${TASK_RESULT_STATUSES.join(", ")}`),
      status,
      "task status",
      "status",
    );
    const output = await optionalJsonBody(c);
    const workflow = await engine.loadWorkflow(workflowId);
    const task = latestAttempt(workflow, taskRefName);
    if (!task || isTaskTerminal(task.status)) {
      throw new NotFoundError(`No pending task with reference ${taskRefName} in workflow ${workflowId}`);
    }
    const result = parseOrThrow(
      TaskResultSchema,
      { workflowInstanceId: workflowId, taskId: task.taskId, status: statusValue, outputData: output, workerId: c.req.query("workerid") },
      "task result",
    );
    await engine.updateTask(result, restSource(c));
    return c.text(task.taskId);
  });

  return app;
}

