/**
 * Each REST route's query parameters, one valibot object per route (see
 * query.ts). src/api/openapi/operations.ts documents a route's query with the
 * object named here; the routes that read their query with `parseQuery` use the
 * same object, so the description and the behaviour cannot drift apart.
 */
import * as v from "valibot";
import { MAX_SEARCH_SIZE } from "../../projections/search.ts";
import { MAX_WHOLE, queryBool, queryInt, queryString, queryStrings } from "./query.ts";

const str = queryString;

/** Conductor's cap on a batch poll's long-poll wait. */
export const MAX_POLL_TIMEOUT_MS = 5000;
/** Baton's cap on how long a synchronous signal waits for the workflow to block or end. */
export const MAX_SYNC_WAIT_MS = 55_000;
/** The longest a synchronous execute waits (Conductor has no cap; a proxy in front usually has one near 60 s). */
export const MAX_EXECUTE_WAIT_SECONDS = 55;
const RETURN_STRATEGY = "TARGET_WORKFLOW, BLOCKING_WORKFLOW, BLOCKING_TASK or BLOCKING_TASK_INPUT";

/** Conductor's search parameters; a non-number `start` is taken as the query (the JS SDK's README does that). */
export const SearchQuery = v.object({
  start: str("Offset of the first result (a whole number); any other text is taken as the query"),
  size: queryInt(0, MAX_SEARCH_SIZE, 100),
  sort: str("field:ASC|DESC"),
  freeText: str(),
  query: str("Conductor's query language, e.g. status = RUNNING AND workflowType = 'x'"),
});

export const GraphqlQuery = v.object({ query: str(), variables: str(), operationName: str() });

export const WorkflowDefsQuery = v.object({ access: str(), metadata: queryBool(), tagKey: str(), tagValue: str(), short: queryBool(), classifier: str() });
export const WorkflowDefQuery = v.object({ version: queryInt(1, MAX_WHOLE), metadata: queryBool() });
export const RegisterWorkflowDefQuery = v.object({ overwrite: queryBool(false) });
export const TaskDefsQuery = v.object({ access: str(), metadata: queryBool(), tagKey: str(), tagValue: str() });
export const TaskDefQuery = v.object({ metadata: queryBool() });

export const StartByNameQuery = v.object({ version: queryInt(1, MAX_WHOLE), correlationId: str(), priority: queryInt(0, 99, 0) });
export const ExecuteQuery = v.object({
  requestId: str(),
  waitUntilTaskRef: str("Comma-separated task reference names"),
  waitForSeconds: queryInt(0, MAX_EXECUTE_WAIT_SECONDS, 10),
  consistency: str(),
  returnStrategy: str(RETURN_STRATEGY),
});
export const CorrelatedQuery = v.object({ includeClosed: queryBool(false), includeTasks: queryBool(false) });
export const WorkflowQuery = v.object({ includeTasks: queryBool(true), summarize: queryBool() });
export const WorkflowStatusQuery = v.object({ includeOutput: queryBool(false), includeVariables: queryBool(false) });
export const WorkflowTasksQuery = v.object({ start: queryInt(0, MAX_WHOLE, 0), count: queryInt(0, MAX_WHOLE, 15), status: queryStrings() });
export const PointInTimeQuery = v.object({ revision: str("A revision of the workflow's stream (give this or time)"), time: str("ISO-8601 or epoch ms (give this or revision)") });
export const RemoveQuery = v.object({ archiveWorkflow: queryBool(true) });
export const TerminateRemoveQuery = v.object({ reason: str(), archiveWorkflow: queryBool(true) });
export const TerminateQuery = v.object({ reason: str(), triggerFailureWorkflow: queryBool() });
export const RunningQuery = v.object({ version: queryInt(1, MAX_WHOLE), startTime: queryInt(0, MAX_WHOLE), endTime: queryInt(0, MAX_WHOLE) });
export const RestartQuery = v.object({ useLatestDefinitions: queryBool(false) });
export const RetryQuery = v.object({ resumeSubworkflowTasks: queryBool(false), retryIfRetriedByParent: queryBool() });
export const BulkSearchQuery = v.object({ includeTasks: queryBool(true) });

export const PollBatchQuery = v.object({ workerid: str(), domain: str(), count: queryInt(1, 1000, 1), timeout: queryInt(0, MAX_POLL_TIMEOUT_MS, 100) });
export const PollQuery = v.object({ workerid: str(), domain: str() });
export const WorkerQuery = v.object({ workerid: str() });
export const SignalSyncQuery = v.object({ returnStrategy: str(RETURN_STRATEGY), timeoutMillis: queryInt(0, MAX_SYNC_WAIT_MS, 5000) });
export const QueueSizesQuery = v.object({ taskType: queryStrings() });
export const QueueSizeQuery = v.object({ taskType: str(), domain: str(), isolationGroupId: str(), executionNamespace: str() });
export const PollDataQuery = v.object({ taskType: str() });

export const EventHandlersQuery = v.object({ activeOnly: queryBool(true) });
export const DagRunsQuery = v.object({ workflowId: str(), dagId: str(), status: str(), limit: queryInt(1, 1000, 100) });
export const LimitQuery = v.object({ limit: queryInt(1, 1000, 100) });
export const PendingTasksQuery = v.object({ start: queryInt(0, MAX_WHOLE, 0), count: queryInt(0, MAX_WHOLE, 100) });
