import { type Context, Hono } from "hono";
import { NotFoundError, ValidationError } from "../../domain/errors.ts";
import type { RecordedEvent } from "../../domain/ports.ts";
import type { Engine } from "../../engine/engine.ts";
import { type PointInTime, stateAt } from "../../projections/time-travel.ts";
import { workflowTimeline } from "../../projections/timeline.ts";

/** What the audit routes call on the engine, and nothing more. */
export type AuditRoutesPort = Pick<Engine, "readWorkflowEvents">;

/**
 * Baton additions under `/api/workflow` (Conductor has no equivalent): a
 * workflow's event timeline and its state at any past revision or time, both
 * read from its stream in the store rather than from the live read models.
 */
export function auditRoutes(engine: AuditRoutesPort) {
  const app = new Hono();

  async function streamOf(workflowId: string): Promise<RecordedEvent[]> {
    const events = await engine.readWorkflowEvents(workflowId);
    if (events.length === 0) throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
    return events;
  }

  app.get("/:workflowId/timeline", async (c) => c.json(workflowTimeline(await streamOf(c.req.param("workflowId")))));

  app.get("/:workflowId/at", async (c) => {
    const at = pointInTime(c);
    return c.json(stateAt(await streamOf(c.req.param("workflowId")), at));
  });

  return app;
}

/** `?revision=N` or `?time=<ISO|epoch ms>`: exactly one of them. */
function pointInTime(c: Context): PointInTime {
  const revision = c.req.query("revision");
  const time = c.req.query("time");
  if (revision !== undefined && time !== undefined) {
    throw new ValidationError("revision, time: give one of them, not both", [
      { path: "revision", message: "cannot be combined with time", invalidValue: revision },
      { path: "time", message: "cannot be combined with revision", invalidValue: time },
    ]);
  }
  if (time !== undefined) return { time };
  if (revision === undefined) {
    throw new ValidationError("revision: a revision (?revision=N) or a time (?time=<ISO 8601|epoch ms>) is required", [
      { path: "revision", message: "required unless time is given" },
    ]);
  }
  if (!/^\d+$/.test(revision.trim())) {
    throw new ValidationError(`revision: expected a whole number, got '${revision}'`, [
      { path: "revision", message: "expected a whole number", invalidValue: revision },
    ]);
  }
  return { revision: Number(revision) };
}
