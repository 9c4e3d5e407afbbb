import { Hono } from "hono";
import type { EventRouter } from "../../engine/router/event-router.ts";
import { NotFoundError } from "../../domain/errors.ts";
import { LimitQuery } from "./queries.ts";
import { parseQuery } from "./query.ts";

/** What the routes read from the event router. */
export type RouterView = Pick<EventRouter, "stats" | "unmatched">;

/**
 * Baton additions under `/api/router` (Conductor has no event router): counts
 * since start, and the messages recorded as unmatched, newest first. Without a
 * router (`BATON_ROUTER_ENABLED=false`) both say so with a 404.
 */
export function routerRoutes(router: RouterView | undefined) {
  const app = new Hono();
  const running = (): RouterView => {
    if (!router) throw new NotFoundError("The event router is not running (BATON_ROUTER_ENABLED=false)");
    return router;
  };

  app.get("/stats", (c) => c.json(running().stats()));

  app.get("/unmatched", async (c) => c.json(await running().unmatched(parseQuery(c, LimitQuery).limit)));

  return app;
}
