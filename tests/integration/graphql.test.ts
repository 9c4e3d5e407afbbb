import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.ts";
import { createGraphQL } from "../../src/api/graphql/yoga.ts";
import { inProcessApp } from "../support/app.ts";

/**
 * The GraphQL API in-process (`app.request('/graphql')`): queries, mutations,
 * typed errors, limits, and the retry-suggestion rule on a failing EVENT flow.
 */
type Harness = Awaited<ReturnType<typeof inProcessApp>>;
const opened: Harness[] = [];
afterEach(async () => {
  for (const h of opened.splice(0)) await h.close();
});

async function harness() {
  const h = await inProcessApp();
  opened.push(h);
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const response = await h.call("POST", "/graphql", { query, variables });
    return { status: response.status, ...(response.json() as { data?: any; errors?: any[] }) };
  };
  /** Runs `query` and returns its data, failing the test on any error. */
  const data = async (query: string, variables?: Record<string, unknown>) => {
    const result = await gql(query, variables);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data;
  };
  return { ...h, gql, data };
}

const WORKER_FLOW = {
  name: "gql_worker_flow",
  version: 1,
  schemaVersion: 2,
  tasks: [
    { name: "gql_step_a", taskReferenceName: "a", type: "SIMPLE" },
    { name: "gql_step_b", taskReferenceName: "b", type: "SIMPLE" },
  ],
  outputParameters: { b: "${b.output.result}" },
};

/** The seed's pattern: publish a request, then wait for the reply on an EVENT task. */
const EVENT_FLOW = {
  name: "gql_event_flow",
  version: 1,
  schemaVersion: 2,
  tasks: [
    {
      name: "publish_request",
      taskReferenceName: "publish_ref",
      type: "KAFKA_PUBLISH",
      inputParameters: { kafka_request: { topic: "gql-requests", value: { workflowId: "${workflow.workflowId}" } } },
    },
    { name: "await_reply", taskReferenceName: "await_ref", type: "EVENT", sink: "conductor:gql_reply", asyncComplete: true },
  ],
  outputParameters: { valid: "${await_ref.output.valid}" },
};

const WORKFLOW_FIELDS = "workflowId workflowName status reasonForIncompletion tasks { taskId referenceTaskName taskType status seq outputData }";

describe("GraphQL queries and mutations", () => {
  it("registers definitions, starts, steers and completes a workflow", async () => {
    const h = await harness();
    const registered = await h.data(
      `mutation($def: JSON!) { registerWorkflowDef(definition: $def) { name version tasks definition } }`,
      { def: WORKER_FLOW },
    );
    expect(registered.registerWorkflowDef).toMatchObject({ name: "gql_worker_flow", version: 1 });
    expect(registered.registerWorkflowDef.definition.tasks).toHaveLength(2);
    const taskDefs = await h.data(
      `mutation { registerTaskDefs(definitions: [{name: "gql_step_a", retryCount: 0}, {name: "gql_step_b", retryCount: 0}]) { name retryCount } }`,
    );
    expect(taskDefs.registerTaskDefs).toEqual([{ name: "gql_step_a", retryCount: 0 }, { name: "gql_step_b", retryCount: 0 }]);

    const defs = await h.data(`{ workflowDef(name: "gql_worker_flow") { name version } workflowDefs { name } taskDef(name: "gql_step_a") { name } taskDefs { name } }`);
    expect(defs.workflowDef).toEqual({ name: "gql_worker_flow", version: 1 });
    expect(defs.workflowDefs.map((d: any) => d.name)).toContain("gql_worker_flow");
    expect(defs.taskDefs.map((d: any) => d.name)).toEqual(expect.arrayContaining(["gql_step_a", "gql_step_b"]));

    const started = await h.data(
      `mutation($r: StartWorkflowInput!) { startWorkflow(request: $r) { ${WORKFLOW_FIELDS} input correlationId } }`,
      { r: { name: "gql_worker_flow", input: { n: 1 }, correlationId: "c-1" } },
    );
    const workflowId: string = started.startWorkflow.workflowId;
    expect(started.startWorkflow).toMatchObject({ status: "RUNNING", input: { n: 1 }, correlationId: "c-1" });

    const queues = await h.data(`{ queues { name size } }`);
    expect(queues.queues).toContainEqual({ name: "gql_step_a", size: 1 });

    expect((await h.data(`mutation($id: ID!) { pauseWorkflow(id: $id) { status } }`, { id: workflowId })).pauseWorkflow.status).toBe("PAUSED");
    expect((await h.data(`mutation($id: ID!) { resumeWorkflow(id: $id) { status } }`, { id: workflowId })).resumeWorkflow.status).toBe("RUNNING");

    const skipped = await h.data(
      `mutation($id: ID!) { skipTask(workflowId: $id, taskReferenceName: "b", taskOutput: {result: 42}) { status } }`,
      { id: workflowId },
    );
    expect(skipped.skipTask.status).toBe("RUNNING");
    const taskA = started.startWorkflow.tasks[0].taskId;
    const completed = await h.data(`mutation($t: ID!) { completeTask(taskId: $t, output: {ok: true}) { status outputData } }`, { t: taskA });
    expect(completed.completeTask).toEqual({ status: "COMPLETED", outputData: { ok: true } });
    const finished = await h.data(`query($id: ID!) { workflow(id: $id) { status output tasks { referenceTaskName status } } }`, { id: workflowId });
    expect(finished.workflow).toEqual({
      status: "COMPLETED",
      output: { b: 42 },
      tasks: [{ referenceTaskName: "a", status: "COMPLETED" }, { referenceTaskName: "b", status: "SKIPPED" }],
    });

    const task = await h.data(`query($t: ID!) { task(id: $t) { taskId workflowInstanceId referenceTaskName status } }`, { t: taskA });
    expect(task.task).toEqual({ taskId: taskA, workflowInstanceId: workflowId, referenceTaskName: "a", status: "COMPLETED" });

    const search = await h.data(
      `{ workflows(search: {query: "workflowType = 'gql_worker_flow'", start: 0, size: 1}) { totalHits results { workflowId status workflowType } } }`,
    );
    expect(search.workflows).toEqual({ totalHits: 1, results: [{ workflowId, status: "COMPLETED", workflowType: "gql_worker_flow" }] });
    const page2 = await h.data(`{ workflows(search: {start: 1, size: 1}) { totalHits results { workflowId } } }`);
    expect(page2.workflows).toEqual({ totalHits: 1, results: [] });

    const timeline = await h.data(`query($id: ID!) { timeline(workflowId: $id) { revision type taskRef status source { kind detail } } }`, { id: workflowId });
    expect(timeline.timeline.map((e: any) => e.revision)).toEqual(timeline.timeline.map((_: unknown, i: number) => i));
    expect(timeline.timeline[0]).toMatchObject({ type: "WorkflowStarted", source: { kind: "graphql", detail: "mutation startWorkflow" } });
    expect(timeline.timeline.at(-1).workflowStatus ?? timeline.timeline.at(-1).status).toBe("COMPLETED");

    const at = await h.data(`query($id: ID!) { workflowAt(id: $id, revision: 0) { status tasks { referenceTaskName } } }`, { id: workflowId });
    expect(at.workflowAt.status).toBe("RUNNING");

    const restarted = await h.data(`mutation($id: ID!) { restartWorkflow(id: $id) { status tasks { referenceTaskName status } } }`, { id: workflowId });
    expect(restarted.restartWorkflow).toEqual({ status: "RUNNING", tasks: [{ referenceTaskName: "a", status: "SCHEDULED" }] });
    const terminated = await h.data(`mutation($id: ID!) { terminateWorkflow(id: $id, reason: "enough") { status reasonForIncompletion } }`, { id: workflowId });
    expect(terminated.terminateWorkflow).toEqual({ status: "TERMINATED", reasonForIncompletion: "enough" });
    const retried = await h.data(`mutation($id: ID!) { retryWorkflow(id: $id) { status } }`, { id: workflowId });
    expect(retried.retryWorkflow.status).toBe("RUNNING");
    await h.data(`mutation($id: ID!) { terminateWorkflow(id: $id) { status } }`, { id: workflowId });
    const rerun = await h.data(`mutation($id: ID!) { rerunWorkflow(id: $id, request: {workflowInput: {n: 2}}) { status input } }`, { id: workflowId });
    expect(rerun.rerunWorkflow).toEqual({ status: "RUNNING", input: { n: 2 } });

    const router = await h.data(`{ eventHandlers { name } unmatchedEvents { messageId } }`);
    expect(router).toEqual({ eventHandlers: [], unmatchedEvents: null }); // the in-process app runs no router
  });

  it("suggests a rerun from the publisher when an EVENT task fails, and retryFromSuggestion completes the workflow", async () => {
    const h = await harness();
    await h.data(`mutation($def: JSON!) { registerWorkflowDef(definition: $def) { name } }`, { def: EVENT_FLOW });
    const started = await h.data(`mutation { startWorkflow(request: {name: "gql_event_flow"}) { workflowId } }`);
    const workflowId: string = started.startWorkflow.workflowId;
    const waiting = await h.engine.waitForWorkflow(workflowId, Date.now() + 5000, (w) =>
      w.tasks.some((t) => t.referenceTaskName === "await_ref" && t.status === "IN_PROGRESS"),
    );
    const eventTask = waiting.tasks.find((t) => t.referenceTaskName === "await_ref")!;
    const publishTask = waiting.tasks.find((t) => t.referenceTaskName === "publish_ref")!;
    expect(publishTask.status).toBe("COMPLETED");
    expect((await h.data(`query($id: ID!) { retrySuggestion(workflowId: $id) { reRunFromTaskRefName } }`, { id: workflowId })).retrySuggestion).toBeNull();

    // The reply reports a failure: the EVENT task is completed as FAILED (as the router or a worker would, via REST).
    const failed = await h.call("POST", "/api/tasks", {
      workflowInstanceId: workflowId,
      taskId: eventTask.taskId,
      status: "FAILED",
      reasonForIncompletion: "the service never replied",
    });
    expect(failed.status, failed.text).toBe(200);
    const done = await h.engine.waitForWorkflow(workflowId, Date.now() + 5000);
    expect(done.status).toBe("FAILED");

    const suggestion = await h.data(
      `query($id: ID!) { retrySuggestion(workflowId: $id) { workflowId reRunFromTaskRefName reRunFromTaskId resetTasks reason } }`,
      { id: workflowId },
    );
    expect(suggestion.retrySuggestion).toMatchObject({
      workflowId,
      reRunFromTaskRefName: "publish_ref",
      reRunFromTaskId: publishTask.taskId,
      resetTasks: ["publish_ref", "await_ref"],
    });
    expect(suggestion.retrySuggestion.reason).toMatch(/await_ref/);

    const rerun = await h.data(`mutation($id: ID!) { retryFromSuggestion(workflowId: $id) { status } }`, { id: workflowId });
    expect(rerun.retryFromSuggestion.status).toBe("RUNNING");
    const waitingAgain = await h.engine.waitForWorkflow(workflowId, Date.now() + 5000, (w) =>
      w.tasks.some((t) => t.referenceTaskName === "await_ref" && t.status === "IN_PROGRESS"),
    );
    const publishes = waitingAgain.tasks.filter((t) => t.referenceTaskName === "publish_ref");
    expect(publishes.at(-1)!.status).toBe("COMPLETED");
    const newEventTask = waitingAgain.tasks.filter((t) => t.referenceTaskName === "await_ref").at(-1)!;
    expect(newEventTask.taskId).not.toBe(eventTask.taskId);
    await h.data(`mutation($t: ID!) { completeTask(taskId: $t, output: {valid: true}) { status } }`, { t: newEventTask.taskId });
    const completed = await h.engine.waitForWorkflow(workflowId, Date.now() + 5000);
    expect(completed.status).toBe("COMPLETED");
    expect(completed.output).toEqual({ valid: true });
    expect((await h.gql(`mutation($id: ID!) { retryFromSuggestion(workflowId: $id) { status } }`, { id: workflowId })).errors?.[0]).toMatchObject({
      extensions: { code: "CONFLICT" },
      message: expect.stringMatching(/is COMPLETED/),
    });
  });

  it("suggests a rerun from the failed task itself when it is not an EVENT task", async () => {
    const h = await harness();
    await h.data(`mutation { registerTaskDefs(definitions: [{name: "gql_step_a", retryCount: 0}, {name: "gql_step_b", retryCount: 0}]) { name } }`);
    await h.data(`mutation($def: JSON!) { registerWorkflowDef(definition: $def) { name } }`, { def: WORKER_FLOW });
    const { startWorkflow } = await h.data(`mutation { startWorkflow(request: {name: "gql_worker_flow"}) { workflowId tasks { taskId } } }`);
    await h.data(`mutation($t: ID!) { completeTask(taskId: $t) { status } }`, { t: startWorkflow.tasks[0].taskId });
    const b = h.engine.getWorkflow(startWorkflow.workflowId).tasks.find((t) => t.referenceTaskName === "b")!;
    const failed = await h.data(`mutation($t: ID!) { failTask(taskId: $t, reason: "disk full") { status reasonForIncompletion } }`, { t: b.taskId });
    expect(failed.failTask).toEqual({ status: "FAILED", reasonForIncompletion: "disk full" });
    const { retrySuggestion } = await h.data(
      `query($id: ID!) { retrySuggestion(workflowId: $id) { reRunFromTaskRefName reRunFromTaskId resetTasks reason } }`,
      { id: startWorkflow.workflowId },
    );
    expect(retrySuggestion).toMatchObject({ reRunFromTaskRefName: "b", reRunFromTaskId: b.taskId, resetTasks: ["b"] });
    expect(retrySuggestion.reason).toMatch(/disk full/);
  });
});

describe("GraphQL errors and limits", () => {
  it("names the invalid fields with BAD_USER_INPUT", async () => {
    const h = await harness();
    const bad = await h.gql(`mutation { startWorkflow(request: {name: " ", priority: 300}) { workflowId } }`);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors![0]).toMatchObject({
      path: ["startWorkflow"],
      extensions: {
        code: "BAD_USER_INPUT",
        validationErrors: [
          { path: "request.name", message: expect.stringMatching(/name/) },
          { path: "request.priority", message: expect.stringMatching(/between 0 and 99/) },
        ],
      },
    });
    const badDef = await h.gql(`mutation { registerWorkflowDef(definition: {name: "x", tasks: [{type: "SIMPLE"}]}) { name } }`);
    expect(badDef.errors![0].extensions.code).toBe("BAD_USER_INPUT");
    expect(badDef.errors![0].extensions.validationErrors.map((e: any) => e.path)).toContain("definition.tasks[0].taskReferenceName");
    const badSize = await h.gql(`{ workflows(search: {size: 100000}) { totalHits } }`);
    expect(badSize.errors![0].extensions).toEqual({
      code: "BAD_USER_INPUT",
      validationErrors: [{ path: "search.size", message: "expected a whole number from 0 to 5000" }],
    });
    const badAt = await h.gql(`{ workflowAt(id: "x", revision: 1, time: "2024-01-01T00:00:00Z") { status } }`);
    expect(badAt.errors![0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("answers unknown ids with NOT_FOUND", async () => {
    const h = await harness();
    for (const query of [
      `{ workflow(id: "nope") { workflowId } }`,
      `{ task(id: "nope") { taskId } }`,
      `{ timeline(workflowId: "nope") { type } }`,
      `{ workflowAt(id: "nope", revision: 0) { status } }`,
      `{ workflowDef(name: "nope") { name } }`,
      `{ taskDef(name: "nope") { name } }`,
      `{ retrySuggestion(workflowId: "nope") { reason } }`,
      `mutation { terminateWorkflow(id: "nope") { status } }`,
      `mutation { completeTask(taskId: "nope") { status } }`,
      `mutation { retryFromSuggestion(workflowId: "nope") { status } }`,
    ]) {
      const result = await h.gql(query);
      expect(result.errors, query).toHaveLength(1);
      expect(result.errors![0].extensions.code, query).toBe("NOT_FOUND");
      expect(result.errors![0].message, query).toMatch(/nope/);
    }
  });

  it("rejects malformed GraphQL, unknown fields and too-deep queries clearly", async () => {
    const h = await harness();
    const malformed = await h.gql(`{ workflow(id: "x") { workflowId `);
    expect(malformed.errors![0]).toMatchObject({ message: expect.stringMatching(/^Syntax Error/), extensions: { code: "GRAPHQL_PARSE_FAILED" } });
    const unknown = await h.gql(`{ workflow(id: "x") { nope } }`);
    expect(unknown.errors![0]).toMatchObject({ message: expect.stringMatching(/Cannot query field "nope"/), extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    const notJson = await h.call("POST", "/graphql", undefined, "{not json");
    expect(notJson.status).toBe(400);
    // __type { ofType { ofType ... } } nests as deep as a client likes: 12 levels here.
    const deep = `{ __type(name: "Query") { ${"ofType { ".repeat(11)}name${" }".repeat(11)} } }`;
    const tooDeep = await h.gql(deep.replace("__type", "a: __type"));
    expect(tooDeep.errors?.[0]?.message).toMatch(/Query depth limit of 10 exceeded, found 13/);
  });

  it("rejects a query over the cost limit", async () => {
    const h = await harness();
    const aliases = Array.from({ length: 1000 }, (_, i) => `w${i}: workflows { totalHits results { workflowId status } }`).join(" ");
    const costly = await h.gql(`{ ${aliases} }`);
    expect(costly.errors?.[0]?.message).toMatch(/Query Cost limit of 5000 exceeded/);
  });

  it("masks unexpected errors", async () => {
    const h = await harness();
    h.engine.search = () => {
      throw new Error("secret database password in stack");
    };
    const result = await h.gql(`{ workflows { totalHits } }`);
    expect(result.errors![0]).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(JSON.stringify(result)).not.toMatch(/secret/);
    expect(h.errors).toHaveLength(1);
  });

  it("streams subscriptions over server-sent events", async () => {
    const h = await harness();
    const response = await h.app.request("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: "subscription { stats { total byTypeAndStatus { workflowType } } }" }),
    });
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("data:")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toContain('{"data":{"stats":{"total":0,"byTypeAndStatus":[]}}}');
  });

  it("sends a browser's GET /graphql to the console's local GraphiQL only when asked to (BATON_GRAPHIQL), never yoga's CDN page", async () => {
    const h = await harness();
    const off = await h.app.request("/graphql", { headers: { accept: "text/html" } });
    expect(off.status).toBe(406);
    expect(await off.text()).not.toMatch(/GraphiQL|graphiql/);
    const on = createApp({ engine: h.engine, graphql: createGraphQL({ engine: h.engine, graphiql: true }) });
    const response = await on.request("/graphql", { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/graphiql");
    // Nothing of yoga's page (which names unpkg.com or another CDN) is served.
    expect(await response.text()).toBe("");
    // A GET carrying a query, or asking for JSON, is still answered by GraphQL.
    const query = await on.request("/graphql?query=%7BtaskDefs%7Bname%7D%7D", { headers: { accept: "text/html, application/json;q=0.9" } });
    expect(query.status).toBe(200);
    expect(await query.text()).toContain('"taskDefs"');
    expect((await on.request("/graphql", { headers: { accept: "application/json" } })).status).not.toBe(302);
  });

});
