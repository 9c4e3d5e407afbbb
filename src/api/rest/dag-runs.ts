import { Hono } from "hono";
import { NotFoundError } from "../../domain/errors.ts";
import type { Engine } from "../../engine/engine.ts";
import { dagRunSummaryOf, findDagRuns } from "../../projections/dag-runs.ts";
import { DagRunsQuery } from "./queries.ts";
import { parseQuery } from "./query.ts";

/** A stored DAG-run event as the APIs show it. */
export const dagRunEventView = (event: Awaited<ReturnType<Engine["readDagRunEvents"]>>[number]) => ({
  revision: event.revision,
  position: event.position,
  type: event.type,
  time: event.created,
  data: event.data,
  source: event.metadata.source ?? null,
});

/**
 * Baton additions under `/api/dagruns` (Conductor has no DAG runs):
 * `GET /api/dagruns?workflowId&dagId&status&limit` lists runs, newest first;
 * `GET /api/dagruns/{id}` is one run with its whole event history.
 */
export function dagRunRoutes(engine: Engine) {
  const app = new Hono();

  app.get("/", (c) => {
    const { workflowId, dagId, status, limit } = parseQuery(c, DagRunsQuery);
    const filter = { ...(workflowId ? { workflowId } : {}), ...(dagId ? { dagId } : {}), ...(status ? { status } : {}) };
    return c.json(findDagRuns(engine.models, filter, limit));
  });

  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    const run = engine.models.dagRuns.get(id);
    const summary = run && dagRunSummaryOf(run);
    if (!summary) throw new NotFoundError(`No DAG run '${id}'`);
    const events = await engine.readDagRunEvents(id);
    return c.json({ ...summary, events: events.map(dagRunEventView) });
  });

  return app;
}
