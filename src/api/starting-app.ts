/**
 * What the server answers before the engine runs: health (503 from the
 * readiness routes, with each component's state), liveness, metrics, and a
 * 503 Conductor `ErrorResponse` saying what it waits for on every other route.
 */
import { Hono } from "hono";
import type { ErrorResponse } from "./rest/errors.ts";
import type { BatonMetrics } from "./observability/baton-metrics.ts";
import { healthRoutes, type Health } from "./observability/health.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./observability/metrics-registry.ts";

export function startingApp(health: Health, metrics: BatonMetrics) {
  const app = new Hono();
  app.route("/", healthRoutes(health));
  app.get("/metrics", (c) => c.body(metrics.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }));
  app.all("*", (c) => {
    const waiting = Object.entries(health.report().components)
      .filter(([, component]) => component.state === "starting" || component.state === "down")
      .map(([name, component]) => `${name} (${component.detail ?? component.state}${component.error ? `: ${component.error}` : ""})`);
    const body: ErrorResponse = {
      status: 503,
      message: `Baton is starting${waiting.length > 0 ? `; waiting for ${waiting.join(", ")}` : ""}. GET /health shows each component.`,
      instance: c.req.path,
      retryable: true,
    };
    return c.json(body, 503, { "retry-after": "5" });
  });
  return app;
}
