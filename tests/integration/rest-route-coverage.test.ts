import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessApp } from "../support/app.ts";

/**
 * Every route of conductor-oss 3.32's REST controllers
 * (rest/src/main/java/com/netflix/conductor/rest/controllers/*.java and
 * org/conductoross/conductor/controllers/*.java, v3.32.1), as method and path
 * template. Baton must answer each with the handler registered for that same
 * template: a literal path such as `/api/workflow/search-v2` must never reach
 * a parameter route such as `/api/workflow/:workflowId`.
 */
const OSS_ROUTES: readonly (readonly [method: string, template: string])[] = [
  // WorkflowResource
  ["POST", "/api/workflow"],
  ["POST", "/api/workflow/{name}"],
  ["POST", "/api/workflow/execute/{name}/{version}"],
  ["GET", "/api/workflow/{name}/correlated/{correlationId}"],
  ["GET", "/api/workflow/{workflowId}/tasks"],
  ["POST", "/api/workflow/{name}/correlated"],
  ["GET", "/api/workflow/{workflowId}"],
  ["GET", "/api/workflow/{workflowId}/status"],
  ["DELETE", "/api/workflow/{workflowId}/remove"],
  ["GET", "/api/workflow/running/{name}"],
  ["PUT", "/api/workflow/decide/{workflowId}"],
  ["PUT", "/api/workflow/{workflowId}/pause"],
  ["PUT", "/api/workflow/{workflowId}/resume"],
  ["PUT", "/api/workflow/{workflowId}/skiptask/{taskReferenceName}"],
  ["POST", "/api/workflow/{workflowId}/rerun"],
  ["POST", "/api/workflow/{workflowId}/restart"],
  ["POST", "/api/workflow/{workflowId}/retry"],
  ["POST", "/api/workflow/{workflowId}/resetcallbacks"],
  ["DELETE", "/api/workflow/{workflowId}"],
  ["DELETE", "/api/workflow/{workflowId}/terminate-remove"],
  ["GET", "/api/workflow/search"],
  ["GET", "/api/workflow/search-v2"],
  ["GET", "/api/workflow/search-by-tasks"],
  ["GET", "/api/workflow/search-by-tasks-v2"],
  ["GET", "/api/workflow/externalstoragelocation"],
  ["GET", "/api/workflow/external-storage-location"],
  ["POST", "/api/workflow/test"],
  // WorkflowBulkResource
  ["PUT", "/api/workflow/bulk/pause"],
  ["PUT", "/api/workflow/bulk/resume"],
  ["POST", "/api/workflow/bulk/restart"],
  ["POST", "/api/workflow/bulk/retry"],
  ["POST", "/api/workflow/bulk/terminate"],
  ["DELETE", "/api/workflow/bulk/remove"],
  ["DELETE", "/api/workflow/bulk/terminate-remove"],
  ["POST", "/api/workflow/bulk/search"],
  // TaskResource
  ["GET", "/api/tasks/poll/{tasktype}"],
  ["GET", "/api/tasks/poll/batch/{tasktype}"],
  ["POST", "/api/tasks"],
  ["POST", "/api/tasks/update-v2"],
  ["POST", "/api/tasks/{workflowId}/{taskRefName}/{status}"],
  ["POST", "/api/tasks/{workflowId}/{taskRefName}/{status}/sync"],
  ["POST", "/api/tasks/{workflowId}/{status}/signal"],
  ["POST", "/api/tasks/{workflowId}/{status}/signal/sync"],
  ["POST", "/api/tasks/{taskId}/log"],
  ["GET", "/api/tasks/{taskId}/log"],
  ["GET", "/api/tasks/{taskId}"],
  ["GET", "/api/tasks/queue/sizes"],
  ["GET", "/api/tasks/queue/size"],
  ["GET", "/api/tasks/queue/all/verbose"],
  ["GET", "/api/tasks/queue/all"],
  ["GET", "/api/tasks/queue/polldata"],
  ["GET", "/api/tasks/queue/polldata/all"],
  ["POST", "/api/tasks/queue/requeue/{taskType}"],
  ["GET", "/api/tasks/search"],
  ["GET", "/api/tasks/search-v2"],
  ["GET", "/api/tasks/externalstoragelocation"],
  ["GET", "/api/tasks/external-storage-location"],
  // MetadataResource
  ["POST", "/api/metadata/workflow"],
  ["POST", "/api/metadata/workflow/validate"],
  ["PUT", "/api/metadata/workflow"],
  ["GET", "/api/metadata/workflow/{name}"],
  ["GET", "/api/metadata/workflow"],
  ["GET", "/api/metadata/workflow/names-and-versions"],
  ["GET", "/api/metadata/workflow/names"],
  ["GET", "/api/metadata/workflow/{name}/versions"],
  ["GET", "/api/metadata/workflow/latest-versions"],
  ["DELETE", "/api/metadata/workflow/{name}/{version}"],
  ["POST", "/api/metadata/taskdefs"],
  ["PUT", "/api/metadata/taskdefs"],
  ["GET", "/api/metadata/taskdefs"],
  ["GET", "/api/metadata/taskdefs/{tasktype}"],
  ["DELETE", "/api/metadata/taskdefs/{tasktype}"],
  // EventResource
  ["POST", "/api/event"],
  ["PUT", "/api/event"],
  ["DELETE", "/api/event/{name}"],
  ["GET", "/api/event"],
  ["GET", "/api/event/{event}"],
  // QueueAdminResource (the task updates; see LEFT_OUT for the rest)
  ["POST", "/api/queue/update/{workflowId}/{taskRefName}/{status}"],
  ["POST", "/api/queue/update/{workflowId}/task/{taskId}/{status}"],
  // AdminResource (see LEFT_OUT for the rest)
  ["GET", "/api/admin/task/{tasktype}"],
  ["POST", "/api/admin/sweep/requeue/{workflowId}"],
  ["POST", "/api/admin/consistency/verifyAndRepair/{workflowId}"],
  // HealthCheckResource, VersionResource
  ["GET", "/health"],
  ["GET", "/api/health"],
  ["GET", "/api/version"],
];

/**
 * Routes of the same controllers Baton leaves out, each answered by the
 * catch-all 404 (never by a parameter route); the README's "Conductor REST
 * coverage" says why.
 */
const LEFT_OUT: readonly (readonly [method: string, path: string])[] = [
  ["POST", "/api/workflow/wf-1/messages"], // WorkflowMessageQueueResource: off unless conductor.workflow-message-queue.enabled
  ["GET", "/api/queue/size"], // Conductor's internal event queues, which Baton does not have
  ["GET", "/api/queue/"],
  ["GET", "/api/admin/config"], // the server's configuration
  ["GET", "/api/admin/queues"],
  ["GET", "/api/environment"], // EnvironmentResource, SecretResource: stores Baton does not have
  ["GET", "/api/environment/KEY"],
  ["GET", "/api/secrets"],
  ["POST", "/api/files"], // FileResource: off unless conductor.file-storage.enabled
  ["GET", "/api/files/wf-1/file-1"],
];

/** A concrete path for a template: each `{param}` becomes a sample value. */
const concrete = (template: string) => template.replace(/\{([^}]+)\}/g, (_, name: string) => (name === "status" ? "COMPLETED" : `x-${name}`));

/** A template or Hono pattern with its parameter names blanked, for comparing the two notations. */
const shape = (path: string) => path.replace(/\{[^}]+\}/g, "{}").replace(/:[^/?]+\??/g, "{}");

describe("Conductor REST coverage", () => {
  let t: Awaited<ReturnType<typeof inProcessApp>>;
  beforeAll(async () => {
    t = await inProcessApp();
  });
  afterAll(() => t.close());

  /** The pattern of the first route Hono runs for a request (its router keeps each route beside its handler). */
  function servedBy(method: string, path: string): string | undefined {
    const router = (t.app as unknown as { router: { match(m: string, p: string): [[[unknown, { method: string; path: string }], unknown][]] } }).router;
    const [matches] = router.match(method, path);
    const first = matches.map(([[, route]]) => route).find((route) => route.method !== "ALL");
    return first?.path;
  }

  it.each(OSS_ROUTES)("%s %s is served by its own route", (method, template) => {
    const served = servedBy(method, concrete(template));
    expect(served, `${method} ${concrete(template)} reached no route`).toBeDefined();
    expect(shape(served!)).toBe(shape(template));
  });

  it.each(LEFT_OUT)("%s %s is left out: the catch-all 404, not a parameter route", async (method, path) => {
    expect(servedBy(method, path)).toBeUndefined();
    const response = await t.call(method, path);
    expect(response.status).toBe(404);
    expect(response.json().message).toBe(`No endpoint ${method} ${path}`);
  });
});
