import { type Context, Hono } from "hono";
import * as v from "valibot";
import { TASK_RESULT_STATUSES, TaskResultSchema } from "../../domain/definitions/requests.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import { NotFoundError, ValidationError } from "../../domain/errors.ts";
import { queueName } from "../../domain/streams.ts";
import { isSystemTaskType } from "../../domain/tasks/registry.ts";
import { workflowTaskOf } from "../../domain/workflow/definition-lookup.ts";
import { latestAttempt } from "../../domain/workflow/state.ts";
import { isTaskTerminal } from "../../domain/workflow/status.ts";
import type { Engine } from "../../engine/engine.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import { toTaskJson, toWorkflowJson } from "../../projections/conductor-json.ts";
import { searchTasks, toTaskSummary } from "../../projections/task-search.ts";
import { PollBatchQuery, PollQuery, QueueSizesQuery, SignalSyncQuery } from "./queries.ts";
import { parseQuery } from "./query.ts";
import { optionalJsonBody, restSource, validBody } from "./request.ts";
import { awaitSignalResponse, parseReturnStrategy } from "./signal-response.ts";
import { externalStorageUnsupported, searchRequestOf } from "./search-params.ts";

/** What the task routes call on the engine, and nothing more. */
export type TaskRoutesPort = Pick<
  Engine,
  "addTaskLog" | "allPollData" | "clock" | "getTask" | "loadWorkflow" | "poll" | "pollData" | "queueSize" | "queueSizes" | "updateTask" | "updateTaskAndPollNext" | "waitForWorkflow" | "workflows"
>;

const statusOf = (raw: string) =>
  parseOrThrow(v.picklist(TASK_RESULT_STATUSES, `status must be one of ${TASK_RESULT_STATUSES.join(", ")}`), raw, "task status", "status");

/**
 * Conductor's signal target: the first WAIT of the workflow that has not
 * ended, else one in its running sub-workflows (depth first).
 */
async function pendingWait(engine: TaskRoutesPort, workflow: WorkflowState): Promise<{ workflow: WorkflowState; taskId: string } | undefined> {
  const wait = workflow.tasks.find((task) => task.taskType === "WAIT" && !isTaskTerminal(task.status));
  if (wait) return { workflow, taskId: wait.taskId };
  for (const task of workflow.tasks) {
    const childId = task.outputData.subWorkflowId;
    if (task.taskType !== "SUB_WORKFLOW" || isTaskTerminal(task.status) || typeof childId !== "string" || childId === "") continue;
    const child = await engine.loadWorkflow(childId).catch(() => undefined);
    const found = child ? await pendingWait(engine, child) : undefined;
    if (found) return found;
  }
  return undefined;
}

export { MAX_POLL_TIMEOUT_MS, MAX_SYNC_WAIT_MS } from "./queries.ts";

/**
 * Conductor's `/api/tasks`: polling, results, logs, queues and search.
 * Literal paths (`/search`, `/queue/...`) come before the parameter routes
 * (`/:taskId`, `/:workflowId/:taskRefName/:status`), so those never answer them.
 */
export function taskRoutes(engine: TaskRoutesPort) {
  const app = new Hono();

  /** Completes (or fails) the pending task `taskRefName` of a workflow with `output`; returns the task's id. */
  async function updateByRef(c: Context, workflowId: string, taskRefName: string, status: string): Promise<string> {
    const statusValue = statusOf(status);
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
    return task.taskId;
  }

  /** Signals the workflow's blocked WAIT (in it or a running sub-workflow); NotFound when none waits. */
  async function signal(c: Context, workflowId: string, status: string): Promise<void> {
    const statusValue = statusOf(status);
    const output = await optionalJsonBody(c);
    const found = await pendingWait(engine, await engine.loadWorkflow(workflowId));
    if (!found) throw new NotFoundError(`Found no blocked task in workflow ${workflowId} to signal`);
    const result = parseOrThrow(
      TaskResultSchema,
      { workflowInstanceId: found.workflow.workflowId, taskId: found.taskId, status: statusValue, outputData: output },
      "task result",
    );
    await engine.updateTask(result, restSource(c));
  }

  app.get("/search", (c) => {
    const { totalHits, results } = searchTasks(engine.workflows(), searchRequestOf(c));
    return c.json({ totalHits, results: results.map(toTaskSummary) });
  });

  app.get("/search-v2", (c) => {
    const { totalHits, results } = searchTasks(engine.workflows(), searchRequestOf(c));
    return c.json({ totalHits, results: results.map(({ workflow, task }) => toTaskJson(workflow, task)) });
  });

  app.get("/externalstoragelocation", externalStorageUnsupported);
  app.get("/external-storage-location", externalStorageUnsupported);

  // Hono answers HEAD by running the GET handler and dropping the body: for a poll
  // that would claim a task and lose it until its response timeout. A poll is not a
  // read, so HEAD is refused before anything is claimed.
  app.use("/poll/*", async (c, next) => {
    if (c.req.method !== "HEAD") return next();
    return c.body(null, 405, { Allow: "GET" });
  });

  app.get("/poll/batch/:taskType", async (c) => {
    const query = parseQuery(c, PollBatchQuery);
    const tasks = await engine.poll(c.req.param("taskType"), {
      workerId: query.workerid,
      domain: query.domain || undefined,
      count: query.count,
      timeoutMs: query.timeout,
    });
    return c.json(tasks);
  });

  app.get("/poll/:taskType", async (c) => {
    const query = parseQuery(c, PollQuery);
    const [task] = await engine.poll(c.req.param("taskType"), {
      workerId: query.workerid,
      domain: query.domain || undefined,
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
    const types = parseQuery(c, QueueSizesQuery).taskType ?? [];
    const sizes: Record<string, number> = {};
    for (const type of types) sizes[type] = engine.queueSize(type);
    return c.json(sizes);
  });

  app.get("/queue/size", (c) => {
    const taskType = c.req.query("taskType");
    if (!taskType) throw new ValidationError("taskType: query parameter is required", [{ path: "taskType", message: "required" }]);
    const domain = c.req.query("domain");
    return c.json(engine.queueSize(taskType, domain || undefined));
  });

  // Conductor's shape: queue -> shard -> {size, uacked}; Baton has one shard, and "unacked" are worker tasks polled and still IN_PROGRESS.
  app.get("/queue/all/verbose", (c) => {
    const inFlight = new Map<string, number>();
    for (const workflow of engine.workflows()) {
      for (const task of workflow.tasks) {
        if (task.status !== "IN_PROGRESS" || isSystemTaskType(workflowTaskOf(workflow, task)?.type ?? task.taskType)) continue;
        const queue = queueName(task.taskType, task.domain);
        inFlight.set(queue, (inFlight.get(queue) ?? 0) + 1);
      }
    }
    const verbose: Record<string, Record<string, { size: number; uacked: number }>> = {};
    const queues = new Set([...Object.keys(engine.queueSizes()), ...inFlight.keys()]);
    for (const queue of queues) verbose[queue] = { a: { size: engine.queueSize(queue), uacked: inFlight.get(queue) ?? 0 } };
    return c.json(verbose);
  });

  // Baton's queues are a projection of the log: every SCHEDULED task is in its queue already, so nothing
  // needs pushing again. The answer is Conductor's: how many pending tasks of the type are queued.
  app.post("/queue/requeue/:taskType", (c) => c.text(String(engine.queueSize(c.req.param("taskType")))));

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

  // Signal the workflow's blocked WAIT task (conductor-oss 3.32). Before the by-reference routes:
  // `/wf/COMPLETED/signal` also fits `/:workflowId/:taskRefName/:status`.
  app.post("/:workflowId/:status/signal", async (c) => {
    const { workflowId, status } = c.req.param();
    await signal(c, workflowId, status);
    return c.body(null, 200);
  });

  app.post("/:workflowId/:status/signal/sync", async (c) => {
    const { workflowId, status } = c.req.param();
    const query = parseQuery(c, SignalSyncQuery);
    const strategy = parseReturnStrategy(query.returnStrategy);
    const timeoutMs = query.timeoutMillis;
    await signal(c, workflowId, status);
    const response = await awaitSignalResponse(engine, workflowId, [], strategy, crypto.randomUUID(), timeoutMs);
    return response ? c.json(response) : c.body(null, 200);
  });

  // Complete a task by reference name; the body is its output.
  app.post("/:workflowId/:taskRefName/:status", async (c) => {
    const { workflowId, taskRefName, status } = c.req.param();
    return c.text(await updateByRef(c, workflowId, taskRefName, status));
  });

  // The same, answering with the workflow after the update.
  app.post("/:workflowId/:taskRefName/:status/sync", async (c) => {
    const { workflowId, taskRefName, status } = c.req.param();
    await updateByRef(c, workflowId, taskRefName, status);
    return c.json(toWorkflowJson(await engine.loadWorkflow(workflowId), true));
  });

  return app;
}

