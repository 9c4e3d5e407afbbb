/**
 * Each component's state (store, bus, router, object store, read models) and
 * what it makes of the whole: live while the process serves, ready when every
 * component that is configured is up. Portable; the Node entry feeds it from
 * its start-up retries and background probes (dependency-watch.ts).
 */
import { Hono } from "hono";

/** `disabled`: not configured here (an in-process bus has nothing to watch); counts as ready. */
export type ComponentState = "up" | "down" | "starting" | "disabled";

export interface ComponentHealth {
  state: ComponentState;
  /** What the component is, e.g. `kafka at 10.0.0.5:9092`. */
  detail?: string;
  /** Why it is down, as its client last said. */
  error?: string;
  /** When it entered this state (ISO 8601). */
  since: string;
  /**
   * False for a component Baton serves without (Airflow: only DAG runs wait for it):
   * shown, but readiness does not depend on it. Absent means required.
   */
  required?: false;
}

export interface HealthReport {
  /** Kept from Conductor's `/health`: true when ready. */
  healthy: boolean;
  /** `ready`; `starting` before the engine runs; `degraded` when a component is down after start. */
  status: "ready" | "starting" | "degraded";
  components: Record<string, ComponentHealth>;
}

export interface Health {
  set(component: string, state: ComponentState, details?: { detail?: string; error?: string; required?: false }): void;
  /** The engine runs (until then the app answers 503 to everything but health and metrics). */
  markStarted(): void;
  isReady(): boolean;
  report(): HealthReport;
  /** A component's state, for callers that act on changes. */
  stateOf(component: string): ComponentState | undefined;
}

export function createHealth(now: () => Date = () => new Date()): Health {
  const components = new Map<string, ComponentHealth>();
  let started = false;
  const isReady = () => started && [...components.values()].every((c) => c.state === "up" || c.state === "disabled" || c.required === false);
  return {
    set(component, state, details = {}) {
      const before = components.get(component);
      const since = before && before.state === state ? before.since : now().toISOString();
      components.set(component, { state, ...(details.detail ?? before?.detail ? { detail: details.detail ?? before?.detail } : {}), ...(details.error ? { error: details.error } : {}), since, ...(details.required === false || before?.required === false ? { required: false as const } : {}) });
    },
    markStarted: () => void (started = true),
    isReady,
    stateOf: (component) => components.get(component)?.state,
    report() {
      const ready = isReady();
      return { healthy: ready, status: ready ? "ready" : started ? "degraded" : "starting", components: Object.fromEntries(components) };
    },
  };
}

/**
 * `/health` and `/api/health` (the report; 200 when ready, else 503, so a check
 * that waits for 200 waits for readiness), `/health/ready` (the same) and
 * `/health/live` (200 while the process serves). `extra` adds fields to the
 * report (the read side's position and workflow count once the engine runs).
 */
export function healthRoutes(health: Health, extra: () => Record<string, unknown> = () => ({})) {
  const app = new Hono();
  const full = (c: import("hono").Context) => {
    const report = health.report();
    return c.json({ ...report, ...(report.status === "starting" ? {} : extra()) }, report.healthy ? 200 : 503);
  };
  app.get("/health", full);
  app.get("/api/health", full);
  app.get("/health/ready", full);
  app.get("/health/live", (c) => c.json({ live: true }));
  return app;
}
