/**
 * Baton's stream categories (DESIGN.md §3). A new aggregate is one more
 * `defineCategory` value here and its entry in `BUILT_IN_CATEGORIES`.
 */
import { dagRunDecider } from "../domain/dagrun/decider.ts";
import { API_KEY_STREAM_PREFIX } from "../domain/api-keys/api-key.ts";
import { apiKeyDecider } from "../domain/api-keys/decider.ts";
import { eventHandlerDecider } from "../domain/event-handlers/decider.ts";
import { idempotencyDecider } from "../domain/idempotency.ts";
import { taskDefDecider, workflowDefDecider } from "../domain/metadata/deciders.ts";
import {
  EVENT_EXECUTION_STREAM_PREFIX,
  EVENT_HANDLER_STREAM_PREFIX,
  IDEMPOTENCY_STREAM_PREFIX,
  ROUTER_STREAM_PREFIX,
  TASK_DEF_STREAM_PREFIX,
  WORKFLOW_DEF_STREAM_PREFIX,
  WORKFLOW_STREAM_PREFIX,
  DAG_RUN_STREAM_PREFIX,
} from "../domain/streams.ts";
import { workflowDecider } from "../domain/workflow/decider.ts";
import { dagRunProjection } from "./dag-runs.ts";
import { apiKeyProjection } from "./api-keys.ts";
import { taskDefProjection, workflowDefProjection } from "./definition-projections.ts";
import { eventExecutionProjection, eventHandlerProjection } from "./event-handlers.ts";
import { createStreamRegistry, defineCategory } from "./stream-registry.ts";
import { workflowProjection } from "./workflow-projection.ts";

export const workflowCategory = defineCategory({
  name: "workflow",
  prefix: WORKFLOW_STREAM_PREFIX,
  decider: workflowDecider,
  projection: workflowProjection,
});

export const workflowDefCategory = defineCategory({
  name: "workflowdef",
  prefix: WORKFLOW_DEF_STREAM_PREFIX,
  decider: workflowDefDecider,
  projection: workflowDefProjection,
});

export const taskDefCategory = defineCategory({
  name: "taskdef",
  prefix: TASK_DEF_STREAM_PREFIX,
  decider: taskDefDecider,
  projection: taskDefProjection,
});

/** Idempotency-key claims; read by the engine from the stream itself when a start carries a key. */
export const idempotencyCategory = defineCategory({
  name: "idempotency",
  prefix: IDEMPOTENCY_STREAM_PREFIX,
  decider: idempotencyDecider,
});

export const eventHandlerCategory = defineCategory({
  name: "eventhandler",
  prefix: EVENT_HANDLER_STREAM_PREFIX,
  decider: eventHandlerDecider,
  projection: eventHandlerProjection,
});

/** What each event handler did with each message: an audit log, appended as records. */
export const eventExecutionCategory = defineCategory({
  name: "eventexecution",
  prefix: EVENT_EXECUTION_STREAM_PREFIX,
  projection: eventExecutionProjection,
});

/** The event router's unmatched messages and held completions (`router-unmatched`, `router-holds`). */
export const routerCategory = defineCategory({ name: "router", prefix: ROUTER_STREAM_PREFIX });

/** DAG runs (DESIGN.md §3): one stream per `dag_run_id`, from request to published completion. */
export const dagRunCategory = defineCategory({
  name: "dagrun",
  prefix: DAG_RUN_STREAM_PREFIX,
  decider: dagRunDecider,
  projection: dagRunProjection,
});

/** API keys (`apikey-<keyId>`): who may call Baton when BATON_AUTH=required. */
export const apiKeyCategory = defineCategory({
  name: "apikey",
  prefix: API_KEY_STREAM_PREFIX,
  decider: apiKeyDecider,
  projection: apiKeyProjection,
});

export const BUILT_IN_CATEGORIES = [
  workflowCategory,
  workflowDefCategory,
  taskDefCategory,
  idempotencyCategory,
  eventHandlerCategory,
  eventExecutionCategory,
  routerCategory,
  dagRunCategory,
  apiKeyCategory,
] as const;

/** The registry a Baton process runs with. */
export const defaultStreamRegistry = createStreamRegistry(BUILT_IN_CATEGORIES);
