/** Stream names, as DESIGN.md §3 fixes them. */
export const WORKFLOW_STREAM_PREFIX = "workflow-";
export const WORKFLOW_DEF_STREAM_PREFIX = "workflowdef-";
export const TASK_DEF_STREAM_PREFIX = "taskdef-";
export const IDEMPOTENCY_STREAM_PREFIX = "idempotency-";
export const EVENT_HANDLER_STREAM_PREFIX = "eventhandler-";
/** Executions of one event handler (Conductor's `EventExecution`s), an audit log per handler. */
export const EVENT_EXECUTION_STREAM_PREFIX = "eventexecution-";
/** The event router's records: messages it could not apply, and completions it holds for later. */
export const ROUTER_STREAM_PREFIX = "router-";
export const ROUTER_UNMATCHED_STREAM = `${ROUTER_STREAM_PREFIX}unmatched`;
export const ROUTER_HOLDS_STREAM = `${ROUTER_STREAM_PREFIX}holds`;
/** One DAG run each (DESIGN.md §3). */
export const DAG_RUN_STREAM_PREFIX = "dagrun-";

export const workflowStream = (workflowId: string) => `${WORKFLOW_STREAM_PREFIX}${workflowId}`;
export const eventHandlerStream = (name: string) => `${EVENT_HANDLER_STREAM_PREFIX}${name}`;
export const eventExecutionStream = (handlerName: string) => `${EVENT_EXECUTION_STREAM_PREFIX}${handlerName}`;

/** The idempotency-claim stream of one key of one workflow name. */
export const idempotencyStream = (workflowName: string, key: string) =>
  `${IDEMPOTENCY_STREAM_PREFIX}${JSON.stringify([workflowName, key])}`;

/** The queue a worker polls: the task type, prefixed by its domain when it has one. */
export const queueName = (taskType: string, domain?: string) => (domain ? `${domain}:${taskType}` : taskType);

/** The internal queue of a system task type run by the engine's reactors (never polled by workers). */
export const systemQueueName = (taskType: string) => `_system:${taskType}`;
