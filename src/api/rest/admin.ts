import { Hono } from "hono";
import * as v from "valibot";
import { TASK_RESULT_STATUSES, TaskResultSchema } from "../../domain/definitions/requests.ts";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import { NotFoundError } from "../../domain/errors.ts";
import type { TaskState, WorkflowState } from "../../domain/workflow/state.ts";
import { latestAttempt } from "../../domain/workflow/state.ts";
import { isTaskTerminal } from "../../domain/workflow/status.ts";
import type { Engine } from "../../engine/engine.ts";
import { toTaskJson } from "../../projections/conductor-json.ts";
import { PendingTasksQuery } from "./queries.ts";
import { parseQuery } from "./query.ts";
import { optionalJsonBody, restSource } from "./request.ts";

/** What the admin routes call on the engine, and nothing more. */
export type AdminRoutesPort = Pick<Engine, "decide" | "loadWorkflow" | "updateTask" | "workflows">;

/**
 * Conductor's `/api/admin` routes that mean something in Baton: pending tasks
 * of a type, a sweep (Baton decides the workflow at once), and the consistency
 * check (a workflow folded from its own events is consistent by construction).
 */
export function adminRoutes(engine: AdminRoutesPort) {
  const app = new Hono();

  app.get("/task/:tasktype", (c) => {
    const taskType = c.req.param("tasktype");
    const { start, count } = parseQuery(c, PendingTasksQuery);
    const pending: Record<string, unknown>[] = [];
    for (const workflow of engine.workflows()) {
      for (const task of workflow.tasks) {
        if (task.taskType === taskType && !isTaskTerminal(task.status)) pending.push(toTaskJson(workflow, task));
      }
    }
    return c.json(pending.slice(start, start + count));
  });

  // Conductor pushes the workflow to its decider queue and answers `<pushed>.<id>`; Baton decides it now.
  app.post("/sweep/requeue/:workflowId", async (c) => {
    const workflowId = c.req.param("workflowId");
    await engine.decide(workflowId, restSource(c));
    return c.text(`true.${workflowId}`);
  });

  app.post("/consistency/verifyAndRepair/:workflowId", async (c) => {
    await engine.loadWorkflow(c.req.param("workflowId")); // NotFound for an unknown id
    return c.text("true");
  });

  return app;
}

const statusOf = (raw: string) =>
  parseOrThrow(v.picklist(TASK_RESULT_STATUSES, `status must be one of ${TASK_RESULT_STATUSES.join(", ")}`), raw, "task status", "status");

/**
 * Conductor's `/api/queue/update/...`: ends a waiting task (by reference or
 * id) with the body as its output. Conductor puts a message on its internal
 * event queue for that; Baton applies it directly.
 */
export function queueAdminRoutes(engine: AdminRoutesPort) {
  const app = new Hono();

  async function update(c: Parameters<typeof restSource>[0], workflow: WorkflowState, task: TaskState | undefined, what: string, status: string) {
    const statusValue = statusOf(status);
    if (!task || isTaskTerminal(task.status)) throw new NotFoundError(`No pending task ${what} in workflow ${workflow.workflowId}`);
    const output = await optionalJsonBody(c);
    const result = parseOrThrow(
      TaskResultSchema,
      { workflowInstanceId: workflow.workflowId, taskId: task.taskId, status: statusValue, outputData: output },
      "task result",
    );
    await engine.updateTask(result, restSource(c));
    return c.body(null, 200);
  }

  app.post("/update/:workflowId/task/:taskId/:status", async (c) => {
    const { workflowId, taskId, status } = c.req.param();
    const workflow = await engine.loadWorkflow(workflowId);
    return update(c, workflow, workflow.tasks.find((t) => t.taskId === taskId), `with id ${taskId}`, status);
  });

  app.post("/update/:workflowId/:taskRefName/:status", async (c) => {
    const { workflowId, taskRefName, status } = c.req.param();
    const workflow = await engine.loadWorkflow(workflowId);
    return update(c, workflow, latestAttempt(workflow, taskRefName), `with reference ${taskRefName}`, status);
  });

  return app;
}
