/**
 * Who may call what. Every request is classified here before it reaches a
 * route; anything not listed needs `admin`, except reads (GET/HEAD), which
 * need `reader`. So a new route is closed until it is listed, and a test
 * (tests/integration/auth-routes.test.ts) checks every route of the app.
 */

/** What a request needs. `worker` routes name how to find the task type they act on. */
export type Access =
  | { kind: "public" }
  | { kind: "reader" }
  | { kind: "admin" }
  | { kind: "graphql" }
  | { kind: "worker"; taskType: TaskTypeSource };

/** Where a worker route's task type comes from: the path, the task named in the body, the path's task id, or a workflow's task reference. */
export type TaskTypeSource =
  | { from: "path"; taskType: string }
  | { from: "body" }
  | { from: "taskId"; taskId: string }
  | { from: "taskRef"; workflowId: string; taskRefName: string };

export type AccessRule = { method: string; pattern: string; access: (params: Record<string, string>) => Access };

const fixed = (access: Access) => () => access;

/**
 * The routes anyone may call: health checks, the token endpoint itself,
 * Prometheus metrics (counts by workflow and task type, no payloads; scrapers
 * cannot renew tokens, so keep `/metrics` off public networks by their policy),
 * and the console's static files (it asks for a key, then calls the API with a token).
 */
export const PUBLIC_ROUTES: readonly (readonly [string, string])[] = [
  ["GET", "/health"],
  ["GET", "/api/health"],
  ["GET", "/health/live"],
  ["GET", "/health/ready"],
  ["GET", "/metrics"],
  ["GET", "/api-docs"],
  ["GET", "/api-docs/ui"],
  ["GET", "/api-docs/ui.js"],
  ["POST", "/api/token"],
  ["GET", "/"],
  ["GET", "/graphiql"],
  ["GET", "/assets/:file"],
];

/** The routes that need something other than the default (reader for GET/HEAD, admin otherwise), first match first. */
export const ACCESS_RULES: AccessRule[] = [
  ...PUBLIC_ROUTES.map(([method, pattern]) => ({ method, pattern, access: fixed({ kind: "public" }) })),
  // Polling is a GET that hands out work: workers only, never readers.
  { method: "GET", pattern: "/api/tasks/poll/batch/:taskType", access: (p) => ({ kind: "worker", taskType: { from: "path", taskType: p.taskType! } }) },
  { method: "GET", pattern: "/api/tasks/poll/:taskType", access: (p) => ({ kind: "worker", taskType: { from: "path", taskType: p.taskType! } }) },
  { method: "POST", pattern: "/api/tasks", access: fixed({ kind: "worker", taskType: { from: "body" } }) },
  { method: "POST", pattern: "/api/tasks/update-v2", access: fixed({ kind: "worker", taskType: { from: "body" } }) },
  { method: "POST", pattern: "/api/tasks/:taskId/log", access: (p) => ({ kind: "worker", taskType: { from: "taskId", taskId: p.taskId! } }) },
  { method: "POST", pattern: "/api/tasks/:taskId/ack", access: (p) => ({ kind: "worker", taskType: { from: "taskId", taskId: p.taskId! } }) },
  {
    method: "POST",
    pattern: "/api/tasks/:workflowId/:taskRefName/:status",
    access: (p) => ({ kind: "worker", taskType: { from: "taskRef", workflowId: p.workflowId!, taskRefName: p.taskRefName! } }),
  },
  // Key management reads secrets' metadata: admins only, GET included.
  { method: "GET", pattern: "/api/admin/*", access: fixed({ kind: "admin" }) },
  // Queries and subscriptions need reader, mutations admin (checked per operation by graphql-access.ts).
  { method: "GET", pattern: "/graphql", access: fixed({ kind: "graphql" }) },
  { method: "POST", pattern: "/graphql", access: fixed({ kind: "graphql" }) },
];
