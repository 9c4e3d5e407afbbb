import { Hono } from "hono";
import { parseEventHandler } from "../../domain/event-handlers/schema.ts";
import type { Engine } from "../../engine/engine.ts";
import { EventHandlersQuery } from "./queries.ts";
import { parseQuery } from "./query.ts";
import { emptyOk, jsonBody, restSource } from "./request.ts";

/** What the event handler routes call on the engine, and nothing more. */
export type EventRoutesPort = Pick<Engine, "eventHandlers">;

/**
 * Conductor's `/api/event`: event handler CRUD, plus Baton's
 * `GET /executions/{handlerName}` listing what a handler did with each message.
 */
export function eventRoutes(engine: EventRoutesPort) {
  const app = new Hono();
  const handlers = engine.eventHandlers;

  // Conductor OSS takes one handler; the Orkes SDK's addEventHandler sends a list. Both work.
  app.post("/", async (c) => {
    const body = await jsonBody(c);
    const items = Array.isArray(body) ? body.map((item, index) => parseEventHandler(item, `[${index}]`)) : [parseEventHandler(body)];
    for (const handler of items) await handlers.add(handler, restSource(c));
    return emptyOk(c);
  });

  app.put("/", async (c) => {
    await handlers.update(parseEventHandler(await jsonBody(c)), restSource(c));
    return emptyOk(c);
  });

  app.get("/", (c) => c.json(handlers.list()));

  app.get("/executions/:name", (c) => c.json(handlers.executions(c.req.param("name"))));

  // Orkes: one handler by name (the SDK's getEventHandlerByName).
  app.get("/handler/:name", (c) => c.json(handlers.get(c.req.param("name"))));

  app.get("/:event", (c) => c.json(handlers.forEvent(c.req.param("event"), parseQuery(c, EventHandlersQuery).activeOnly)));

  app.delete("/:name", async (c) => {
    await handlers.remove(c.req.param("name"), restSource(c));
    return emptyOk(c);
  });

  return app;
}
