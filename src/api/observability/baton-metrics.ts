/**
 * What Baton measures, on the portable registry: workflows and tasks by type,
 * their latencies, queue depths, polls, the event router's outcomes, reactor
 * errors, store appends and how far the read models trail the appends.
 * Counters count since this process started (Prometheus' `rate()` expects that).
 */
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { EventStore } from "../../domain/ports.ts";
import type { TaskState, WorkflowState } from "../../domain/workflow/state.ts";
import type { Engine, Logger } from "../../engine/engine.ts";
import type { RouterStats } from "../../engine/router/event-router.ts";
import { createRegistry, type Labels, type Registry, SECONDS_BUCKETS } from "./metrics-registry.ts";

/** Label values named by users (types, queues) beyond this many distinct ones are counted as `other`, so a caller cannot grow memory without bound. */
export const MAX_LABEL_VALUES = 1000;

/** The engine's error lines that mean a reactor (a side effect after an append) or the timer sweep failed. */
const REACTOR_ERRORS: Record<string, string> = {
  "running a system task failed": "system_task",
  "recording a system task outcome failed": "system_task_outcome",
  "failure workflow could not be started": "failure_workflow",
  "reporting a sub-workflow to its parent failed": "sub_workflow_report",
  "terminating a sub-workflow failed": "sub_workflow_terminate",
  "a workflow reaction failed": "reaction",
  "timeout sweep failed": "timer_sweep",
};

export interface BatonMetrics {
  registry: Registry;
  /** The store with its appends timed (use it in place of `store`). */
  instrumentStore(store: EventStore): EventStore;
  /** The logger with reactor errors counted (give it to the engine). */
  countingLogger<L extends Logger>(logger: L): L;
  /** Follows the engine's workflow changes, queue depths and read-side position. */
  observeEngine(engine: Pick<Engine, "onWorkflowChange" | "queueSizes" | "readSideStatus">): void;
  observeRouter(router: { stats(): RouterStats } | undefined): void;
  /** HTTP requests by route and status, their latency, and task polls by type. */
  httpMiddleware(): MiddlewareHandler;
  render(): string;
}

export function createBatonMetrics(now: () => number = () => performance.now()): BatonMetrics {
  const registry = createRegistry();
  const seen = new Map<string, Set<string>>();
  /** A user-named label value, or `other` once its label has MAX_LABEL_VALUES distinct ones. */
  const bounded = (label: string, value: string): string => {
    let values = seen.get(label);
    if (!values) seen.set(label, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= MAX_LABEL_VALUES) return "other";
    values.add(value);
    return value;
  };

  const workflowsStarted = registry.counter("baton_workflows_started_total", "Workflows started, by workflow type.");
  const workflowsFinished = registry.counter("baton_workflows_finished_total", "Workflows that reached a final status (COMPLETED, FAILED, TIMED_OUT, TERMINATED), by type and status.");
  const workflowSeconds = registry.histogram("baton_workflow_duration_seconds", "From start to final status, by workflow type and status.", SECONDS_BUCKETS);
  const tasksScheduled = registry.counter("baton_tasks_scheduled_total", "Tasks scheduled, by task type.");
  const tasksStarted = registry.counter("baton_tasks_started_total", "Tasks that went IN_PROGRESS (polled by a worker, or a system task started), by task type.");
  const tasksFinished = registry.counter("baton_tasks_finished_total", "Tasks that reached a final status, by task type and status (COMPLETED, FAILED, TIMED_OUT, CANCELED, ...).");
  const taskSeconds = registry.histogram("baton_task_duration_seconds", "From a task's start (or schedule, if it never started) to its final status, by type and status.", SECONDS_BUCKETS);
  const taskWaitSeconds = registry.histogram("baton_task_queue_wait_seconds", "From a task's schedule to its start (how long it waited for a worker), by task type.", SECONDS_BUCKETS);
  const polls = registry.counter("baton_task_polls_total", "Task poll requests answered, by task type (tasks handed out are baton_tasks_started_total).");
  const reactorErrors = registry.counter("baton_reactor_errors_total", "Failures of reactors (side effects run after an append) and of the timer sweep, by kind.");
  const appendSeconds = registry.histogram("baton_store_append_seconds", "Event store append latency, by outcome (ok, error).", SECONDS_BUCKETS);
  const appendedEvents = registry.counter("baton_store_appended_events_total", "Events this process appended.");
  const httpRequests = registry.counter("baton_http_requests_total", "HTTP requests, by method, route template and status.");
  const httpSeconds = registry.histogram("baton_http_request_duration_seconds", "HTTP request latency, by method and route template.", SECONDS_BUCKETS);
  let lastAppended = -1;
  let readSide: (() => { position?: number; workflows: number }) | undefined;
  // The memory and file stores number positions densely, so this is a count of events; EventStoreDB's
  // positions have gaps, so there it is a distance in its log (0 still means caught up).
  registry.gauge("baton_read_model_lag_positions", "How far the read models trail this process's last append, in store positions (events on the file and memory stores; 0: caught up).", (gauge) => {
    const applied = readSide?.().position ?? -1;
    gauge.set({}, lastAppended < 0 ? 0 : Math.max(0, lastAppended - applied));
  });
  registry.gauge("baton_read_model_position", "Global position of the last event the read models applied (-1: none).", (gauge) => gauge.set({}, readSide?.().position ?? -1));
  registry.gauge("baton_workflows_in_memory", "Workflows the read models hold whole.", (gauge) => {
    if (readSide) gauge.set({}, readSide().workflows);
  });
  let queueSizes: (() => Record<string, number>) | undefined;
  registry.gauge("baton_task_queue_depth", "Tasks waiting to be polled, by queue (task type, or domain:type).", (gauge) => {
    for (const [queue, size] of Object.entries(queueSizes?.() ?? {})) gauge.set({ queue }, size);
  });
  let routerStats: (() => RouterStats) | undefined;
  registry.collectedCounter("baton_router_messages_total", "Event router completions since start, by outcome (matched, completed, failed, duplicates, held, expired, unmatched, malformed).", () => {
    const stats = routerStats?.();
    if (!stats) return [];
    const outcomes = ["matched", "completed", "failed", "duplicates", "held", "expired", "unmatched", "malformed"] as const;
    return outcomes.map((outcome) => ({ labels: { topic: stats.topic, outcome }, value: stats[outcome] }));
  });
  registry.gauge("baton_router_holding", "Completions the event router holds now, waiting for their task.", (gauge) => {
    const stats = routerStats?.();
    if (stats) gauge.set({ topic: stats.topic }, stats.holding);
  });

  const taskLabels = (task: TaskState): Labels => ({ task_type: bounded("task_type", task.taskType) });
  const onTask = (task: TaskState, before: TaskState | undefined) => {
    if (before === task) return;
    if (!before) tasksScheduled.inc(taskLabels(task));
    const was = before?.status ?? "SCHEDULED";
    if (was === task.status) return;
    if (was === "SCHEDULED" && task.status !== "SCHEDULED" && task.startTime > 0) {
      tasksStarted.inc(taskLabels(task));
      if (task.scheduledTime > 0) taskWaitSeconds.observe(taskLabels(task), Math.max(0, task.startTime - task.scheduledTime) / 1000);
    }
    if (task.status !== "SCHEDULED" && task.status !== "IN_PROGRESS") {
      const labels = { ...taskLabels(task), status: task.status };
      tasksFinished.inc(labels);
      const from = task.startTime > 0 ? task.startTime : task.scheduledTime;
      if (from > 0 && task.endTime >= from) taskSeconds.observe(labels, (task.endTime - from) / 1000);
    }
  };
  const onWorkflow = (workflow: WorkflowState, previous: WorkflowState | undefined) => {
    const type = bounded("workflow_type", workflow.definition.name);
    if (!previous || !previous.exists) workflowsStarted.inc({ workflow_type: type });
    const final = workflow.status !== "RUNNING" && workflow.status !== "PAUSED";
    const wasFinal = previous !== undefined && previous.exists && previous.status !== "RUNNING" && previous.status !== "PAUSED";
    if (final && !wasFinal) {
      const labels = { workflow_type: type, status: workflow.status };
      workflowsFinished.inc(labels);
      if (workflow.endTime >= workflow.startTime && workflow.startTime > 0) workflowSeconds.observe(labels, (workflow.endTime - workflow.startTime) / 1000);
    }
    // Tasks change in place or are appended: compare by position, skipping the unchanged (same object).
    const earlier = previous?.tasks ?? [];
    let byId: Map<string, TaskState> | undefined;
    workflow.tasks.forEach((task, i) => {
      const same = earlier[i];
      if (same && same.taskId === task.taskId) return onTask(task, same);
      byId ??= new Map(earlier.map((t) => [t.taskId, t]));
      onTask(task, byId.get(task.taskId));
    });
  };

  return {
    registry,
    instrumentStore(store) {
      return {
        ...store,
        append: async (streamId, events, expected) => {
          const started = now();
          try {
            const result = await store.append(streamId, events, expected);
            appendSeconds.observe({ outcome: "ok" }, (now() - started) / 1000);
            appendedEvents.inc({}, events.length);
            if (result.position > lastAppended) lastAppended = result.position;
            return result;
          } catch (error) {
            appendSeconds.observe({ outcome: "error" }, (now() - started) / 1000);
            throw error;
          }
        },
        readStream: (...args) => store.readStream(...args),
        readAll: (...args) => store.readAll(...args),
        subscribeToAll: (...args) => store.subscribeToAll(...args),
        close: () => store.close(),
      };
    },
    countingLogger(logger) {
      const counted = Object.create(logger) as typeof logger;
      counted.error = (message: string, fields?: Record<string, unknown>) => {
        const kind = REACTOR_ERRORS[message];
        if (kind) reactorErrors.inc({ kind });
        logger.error(message, fields);
      };
      return counted;
    },
    observeEngine(engine) {
      engine.onWorkflowChange(onWorkflow);
      queueSizes = () => engine.queueSizes();
      readSide = () => engine.readSideStatus();
    },
    observeRouter(router) {
      routerStats = router ? () => router.stats() : undefined;
    },
    httpMiddleware() {
      return async (c, next) => {
        const started = now();
        await next();
        const matched = matchedRoutes(c).filter((route) => route.method !== "ALL");
        const route = c.res.status === 404 && matched.length === 0 ? "unmatched" : (matched.at(-1)?.path ?? "unmatched");
        const method = c.req.method;
        httpRequests.inc({ method, route, status: String(c.res.status) });
        httpSeconds.observe({ method, route }, (now() - started) / 1000);
        const poll = /^\/api\/tasks\/poll\/(?:batch\/)?([^/]+)$/.exec(c.req.path);
        if (poll && method === "GET" && c.res.status < 400) polls.inc({ task_type: bounded("task_type", safeDecode(poll[1]!)) });
      };
    },
    render: () => registry.render(),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
