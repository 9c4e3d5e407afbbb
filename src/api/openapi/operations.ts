/**
 * Every REST route Baton serves, as `METHOD /hono/path` with a summary and,
 * where the route validates a JSON body, the name of its valibot schema in
 * `SCHEMAS` (document.ts). A route added to the app and not here fails
 * tests/integration/openapi.test.ts; so does a line here the app does not serve.
 */
import * as Q from "../rest/queries.ts";
import type { QuerySchema } from "../rest/query.ts";

export interface Operation {
  summary: string;
  /** A key of SCHEMAS; `[Name]` for a JSON array of them. */
  body?: string;
  /** What a success answers, as a key of SCHEMAS (document.ts); `[Name]` for a JSON array of them. */
  response?: string;
  /** The route's query parameters: the valibot object (src/api/rest/queries.ts) the route reads them with. */
  query?: QuerySchema;
  /** A success is 201 Created rather than 200. */
  created?: boolean;
  /** The route answers 204 with no body when there is nothing to give (no task to poll, no log). */
  maybeEmpty?: boolean;
  /** What a success answers, when not JSON. */
  produces?: "text/plain" | "none";
}

export const OPERATIONS: Record<string, Operation> = {
  // Operations
  "GET /health": { summary: "Health: each component's state; 200 when ready, 503 otherwise" },
  "GET /api/health": { summary: "Health (Conductor's path): the same report as /health" },
  "GET /health/live": { summary: "Liveness: 200 while the process serves" },
  "GET /health/ready": { summary: "Readiness: 200 when every configured component is up, else 503" },
  "GET /metrics": { summary: "Prometheus metrics (text exposition format 0.0.4)", produces: "text/plain" },
  "GET /api-docs": { summary: "This OpenAPI 3.1 description" },
  "GET /api-docs/ui": { summary: "A browsable page of this description (local assets)", produces: "text/plain" },
  "GET /api-docs/ui.js": { summary: "The browsable page's script", produces: "text/plain" },
  "GET /api/version": { summary: "Baton's version", produces: "text/plain" },
  // The web console (when built and BATON_CONSOLE is on)
  "GET /": { summary: "The web console's page", produces: "text/plain" },
  "GET /graphiql": { summary: "GraphiQL, served from local assets", produces: "text/plain" },
  "GET /assets/:file": { summary: "The console's and GraphiQL's static files", produces: "text/plain" },
  // GraphQL
  "GET /graphql": { summary: "GraphQL over GET (queries), graphql-ws upgrades, GraphiQL when enabled", query: Q.GraphqlQuery },
  "POST /graphql": { summary: "GraphQL queries and mutations" },
  "OPTIONS /graphql": { summary: "CORS preflight for /graphql", produces: "none" },
  // Authentication
  "POST /api/token": { summary: "Exchange an API key id and secret for a token", body: "TokenRequest" },
  "POST /api/admin/keys": { summary: "Create an API key (the secret is shown once); 201", body: "CreateApiKeyRequest", created: true },
  "GET /api/admin/keys": { summary: "List API keys (never their secrets)" },
  "DELETE /api/admin/keys/:keyId": { summary: "Revoke an API key", produces: "none" },
  // Metadata
  "POST /api/metadata/workflow": { summary: "Register a workflow definition (409 when the version exists)", body: "WorkflowDef", query: Q.RegisterWorkflowDefQuery, produces: "none" },
  "PUT /api/metadata/workflow": { summary: "Create or update workflow definitions", body: "[WorkflowDef]" },
  "POST /api/metadata/workflow/validate": { summary: "Validate a workflow definition without registering it", body: "WorkflowDef" },
  "GET /api/metadata/workflow": { summary: "All workflow definitions", response: "[WorkflowDef]", query: Q.WorkflowDefsQuery },
  "GET /api/metadata/workflow/names-and-versions": { summary: "Workflow names with their versions", response: "WorkflowNamesAndVersions" },
  "GET /api/metadata/workflow/names": { summary: "Workflow definition names", response: "Names" },
  "GET /api/metadata/workflow/latest-versions": { summary: "The latest version of each workflow definition", response: "[WorkflowDef]" },
  "GET /api/metadata/workflow/:name/versions": { summary: "Every version of a workflow definition (summaries)", response: "[WorkflowDefSummary]" },
  "GET /api/metadata/workflow/:name": { summary: "A workflow definition (latest, or `version`)", response: "WorkflowDef", query: Q.WorkflowDefQuery },
  "DELETE /api/metadata/workflow/:name/:version": { summary: "Unregister a workflow definition version", produces: "none" },
  "POST /api/metadata/taskdefs": { summary: "Register task definitions", body: "[TaskDef]", produces: "none" },
  "PUT /api/metadata/taskdefs": { summary: "Update a task definition", body: "TaskDef", produces: "none" },
  "GET /api/metadata/taskdefs": { summary: "All task definitions", response: "[TaskDef]", query: Q.TaskDefsQuery },
  "GET /api/metadata/taskdefs/:name": { summary: "A task definition", response: "TaskDef", query: Q.TaskDefQuery },
  "DELETE /api/metadata/taskdefs/:name": { summary: "Unregister a task definition", produces: "none" },
  // Workflows
  "POST /api/workflow": { summary: "Start a workflow; answers its id", body: "StartWorkflowRequest", response: "WorkflowId", produces: "text/plain" },
  "POST /api/workflow/:name": { summary: "Start a workflow of this name with the body as input; answers its id", response: "WorkflowId", query: Q.StartByNameQuery, produces: "text/plain" },
  "POST /api/workflow/execute/:name/:version?": { summary: "Start a workflow and wait for it (or `waitUntilTaskRef`) up to `waitForSeconds`", body: "StartWorkflowRequest", query: Q.ExecuteQuery },
  "POST /api/workflow/test": { summary: "Run a workflow with mocked task outputs", body: "WorkflowTestRequest", response: "Workflow" },
  "GET /api/workflow/:name/correlated/:correlationId": { summary: "Workflows of a name with a correlation id", response: "[Workflow]", query: Q.CorrelatedQuery },
  "POST /api/workflow/:name/correlated": { summary: "Workflows of a name for several correlation ids", body: "CorrelationIds", response: "CorrelatedWorkflows", query: Q.CorrelatedQuery },
  "GET /api/workflow/:workflowId": { summary: "A workflow", response: "Workflow", query: Q.WorkflowQuery },
  "GET /api/workflow/:workflowId/status": { summary: "A workflow's status summary", response: "WorkflowStatus", query: Q.WorkflowStatusQuery },
  "GET /api/workflow/:workflowId/tasks": { summary: "A workflow's tasks, paged", response: "SearchResultTask", query: Q.WorkflowTasksQuery },
  "GET /api/workflow/:workflowId/timeline": { summary: "Baton: a workflow's stored events (audit timeline)" },
  "GET /api/workflow/:workflowId/at": { summary: "Baton: a workflow as it was at a revision or time (time travel)", query: Q.PointInTimeQuery },
  "DELETE /api/workflow/:workflowId/remove": { summary: "Remove a finished workflow from the read models", query: Q.RemoveQuery, produces: "none" },
  "DELETE /api/workflow/:workflowId/terminate-remove": { summary: "Terminate and remove a workflow", query: Q.TerminateRemoveQuery, produces: "none" },
  "DELETE /api/workflow/:workflowId": { summary: "Terminate a workflow", query: Q.TerminateQuery, produces: "none" },
  "GET /api/workflow/running/:name": { summary: "Ids of running workflows of a name", response: "WorkflowIds", query: Q.RunningQuery },
  "PUT /api/workflow/decide/:workflowId": { summary: "Run the decider for a workflow now", produces: "none" },
  "PUT /api/workflow/:workflowId/pause": { summary: "Pause a workflow", produces: "none" },
  "PUT /api/workflow/:workflowId/resume": { summary: "Resume a paused workflow", produces: "none" },
  "PUT /api/workflow/:workflowId/skiptask/:taskReferenceName": { summary: "Skip a task that has not run yet", body: "SkipTaskRequest", produces: "none" },
  "POST /api/workflow/:workflowId/rerun": { summary: "Rerun a workflow from a task; answers its id", body: "RerunWorkflowRequest", response: "WorkflowId", produces: "text/plain" },
  "POST /api/workflow/:workflowId/restart": { summary: "Restart a finished workflow from the start", query: Q.RestartQuery, produces: "none" },
  "POST /api/workflow/:workflowId/retry": { summary: "Retry a failed workflow from its failed task", query: Q.RetryQuery, produces: "none" },
  "POST /api/workflow/:workflowId/resetcallbacks": { summary: "Reset the callback times of a workflow's SIMPLE tasks", produces: "none" },
  "GET /api/workflow/search": { summary: "Search workflows (summaries)", response: "SearchResultWorkflowSummary", query: Q.SearchQuery },
  "GET /api/workflow/search-v2": { summary: "Search workflows (whole workflows)", response: "SearchResultWorkflow", query: Q.SearchQuery },
  "GET /api/workflow/search-by-tasks": { summary: "Search workflows by their tasks (summaries)", response: "SearchResultWorkflowSummary", query: Q.SearchQuery },
  "GET /api/workflow/search-by-tasks-v2": { summary: "Search workflows by their tasks (whole workflows)", response: "SearchResultWorkflow", query: Q.SearchQuery },
  "GET /api/workflow/externalstoragelocation": { summary: "External payload storage: not supported (answers so)" },
  "GET /api/workflow/external-storage-location": { summary: "External payload storage: not supported (answers so)" },
  // Bulk
  "PUT /api/workflow/bulk/pause": { summary: "Pause workflows", body: "WorkflowIds" },
  "PUT /api/workflow/bulk/resume": { summary: "Resume workflows", body: "WorkflowIds" },
  "POST /api/workflow/bulk/restart": { summary: "Restart workflows", body: "WorkflowIds", query: Q.RestartQuery },
  "POST /api/workflow/bulk/retry": { summary: "Retry workflows", body: "WorkflowIds" },
  "POST /api/workflow/bulk/terminate": { summary: "Terminate workflows", body: "WorkflowIds", query: Q.TerminateQuery },
  "DELETE /api/workflow/bulk/remove": { summary: "Remove workflows", body: "WorkflowIds", query: Q.RemoveQuery },
  "DELETE /api/workflow/bulk/terminate-remove": { summary: "Terminate and remove workflows", body: "WorkflowIds", query: Q.TerminateRemoveQuery },
  "POST /api/workflow/bulk/search": { summary: "Workflows by id", body: "WorkflowIds", query: Q.BulkSearchQuery },
  // Tasks
  "GET /api/tasks/poll/batch/:taskType": { summary: "Poll up to `count` tasks, waiting up to `timeout` ms for the first", response: "[Task]", query: Q.PollBatchQuery },
  "GET /api/tasks/poll/:taskType": { summary: "Poll one task (204 when none)", response: "Task", maybeEmpty: true, query: Q.PollQuery },
  "POST /api/tasks": { summary: "Update a task with its result; answers the task id", body: "TaskResult", produces: "text/plain" },
  "POST /api/tasks/update-v2": { summary: "Update a task and poll the next of its type (204 when none)", body: "TaskResult", response: "Task", maybeEmpty: true },
  "GET /api/tasks/:taskId": { summary: "A task", response: "Task" },
  "POST /api/tasks/:taskId/log": { summary: "Append a line to a task's log", produces: "none" },
  "GET /api/tasks/:taskId/log": { summary: "A task's log (204 when it has none)", maybeEmpty: true },
  "POST /api/tasks/:taskId/ack": { summary: "Acknowledge a polled task (kept for old workers)" },
  "POST /api/tasks/:workflowId/:taskRefName/:status": { summary: "Update a task by workflow and reference name; the body is its output", query: Q.WorkerQuery, produces: "text/plain" },
  "POST /api/tasks/:workflowId/:taskRefName/:status/sync": { summary: "Update a task by reference name and answer the workflow", response: "Workflow", query: Q.WorkerQuery },
  "POST /api/tasks/:workflowId/:status/signal": { summary: "Signal the workflow's waiting task (WAIT, HUMAN, YIELD)", produces: "none" },
  "POST /api/tasks/:workflowId/:status/signal/sync": { summary: "Signal the workflow's waiting task and answer per `returnStrategy`", query: Q.SignalSyncQuery },
  "GET /api/tasks/queue/sizes": { summary: "Queue sizes by task type", response: "QueueSizes", query: Q.QueueSizesQuery },
  "GET /api/tasks/queue/size": { summary: "One queue's size", response: "QueueSize", query: Q.QueueSizeQuery },
  "GET /api/tasks/queue/all/verbose": { summary: "Queue sizes in Conductor's verbose shape" },
  "GET /api/tasks/queue/all": { summary: "Every queue's size", response: "QueueSizes" },
  "POST /api/tasks/queue/requeue/:taskType": { summary: "Requeue pending tasks of a type (a no-op: queues are projections)", produces: "text/plain" },
  "GET /api/tasks/queue/polldata": { summary: "Last poll per domain for a task type", query: Q.PollDataQuery },
  "GET /api/tasks/queue/polldata/all": { summary: "Last poll of every task type" },
  "GET /api/tasks/search": { summary: "Search tasks (summaries)", response: "SearchResultTaskSummary", query: Q.SearchQuery },
  "GET /api/tasks/search-v2": { summary: "Search tasks (whole tasks)", response: "SearchResultTask", query: Q.SearchQuery },
  "GET /api/tasks/externalstoragelocation": { summary: "External payload storage: not supported (answers so)" },
  "GET /api/tasks/external-storage-location": { summary: "External payload storage: not supported (answers so)" },
  // Event handlers
  "POST /api/event": { summary: "Register an event handler", body: "EventHandler", produces: "none" },
  "PUT /api/event": { summary: "Update an event handler", body: "EventHandler", produces: "none" },
  "GET /api/event": { summary: "All event handlers", response: "[EventHandler]" },
  "GET /api/event/:event": { summary: "Event handlers for an event", response: "[EventHandler]", query: Q.EventHandlersQuery },
  "GET /api/event/handler/:name": { summary: "An event handler by name", response: "EventHandler" },
  "GET /api/event/executions/:name": { summary: "Baton: an event handler's recent executions" },
  "DELETE /api/event/:name": { summary: "Unregister an event handler", produces: "none" },
  // Event router
  "GET /api/router/stats": { summary: "Baton: the event router's counts since start" },
  // DAG runs (the Airflow bridge)
  "GET /api/dagruns": { summary: "Baton: DAG runs, newest first, by workflow, DAG or status", query: Q.DagRunsQuery },
  "GET /api/dagruns/:id": { summary: "Baton: one DAG run with its events" },
  "GET /api/router/unmatched": { summary: "Baton: completions the router could not match, newest first", query: Q.LimitQuery },
  // Admin and queue
  "GET /api/admin/task/:tasktype": { summary: "Pending tasks of a type", query: Q.PendingTasksQuery },
  "POST /api/admin/sweep/requeue/:workflowId": { summary: "Re-run the sweeper for a workflow", produces: "text/plain" },
  "POST /api/admin/consistency/verifyAndRepair/:workflowId": { summary: "Verify a workflow's consistency (always consistent: state is folded from events); answers true", produces: "text/plain" },
  "POST /api/queue/update/:workflowId/task/:taskId/:status": { summary: "Update a task by id (queue admin)", produces: "none" },
  "POST /api/queue/update/:workflowId/:taskRefName/:status": { summary: "Update a task by reference name (queue admin)", produces: "none" },
  // Ingestion service
  "POST /workflow/deploy": { summary: "Ingestion: deploy and start a data-processing workflow from a run's input", body: "DeployRequest" },
  "POST /retry-workflow": { summary: "Ingestion: retry a failed run from its restart point", body: "RetryRequest" },
};
