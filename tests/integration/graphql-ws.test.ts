import { createClient, type Client } from "graphql-ws";
import { collectSubscription } from "../support/graphql-ws.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { eventually, startBaton, type TestBaton } from "../support/baton.ts";

/** Subscriptions over graphql-ws against a real Baton server (Node entry, `ws` on the HTTP server). */
let baton: TestBaton;
let client: Client;

beforeAll(async () => {
  baton = await startBaton();
  client = createClient({ url: `${baton.url.replace("http", "ws")}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
});

afterAll(async () => {
  await client?.dispose();
  await baton?.close();
});

async function gql(query: string, variables?: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${baton.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data;
}

function collect(query: string, variables: Record<string, unknown>, done: (items: any[]) => boolean = () => false) {
  return collectSubscription(client, query, variables, done);
}

const TWO_STEPS = {
  name: "ws_two_steps",
  version: 1,
  schemaVersion: 2,
  tasks: [
    { name: "ws_step_a", taskReferenceName: "a", type: "SIMPLE" },
    { name: "ws_step_b", taskReferenceName: "b", type: "SIMPLE" },
  ],
};

const nextWaitingTask = async (workflowId: string) =>
  eventually(async () => {
    const { workflow } = await gql(`query($id: ID!) { workflow(id: $id) { tasks { taskId status } } }`, { id: workflowId });
    return workflow.tasks.find((t: any) => t.status === "SCHEDULED")?.taskId as string | undefined;
  }, 5000);

describe("GraphQL subscriptions over graphql-ws", () => {
  it("streams every event of a workflow in order, then its status change", async () => {
    await gql(`mutation { registerTaskDefs(definitions: [{name: "ws_step_a", retryCount: 0}, {name: "ws_step_b", retryCount: 0}]) { name } }`);
    await gql(`mutation($d: JSON!) { registerWorkflowDef(definition: $d) { name } }`, { d: TWO_STEPS });
    const statuses = collect(
      `subscription { workflowStatusChanged(filter: {workflowType: "ws_two_steps"}) { workflowId status previousStatus } }`,
      {},
      (items) => items.some((item) => item.workflowStatusChanged?.status === "COMPLETED"),
    );
    const tasks = collect(`subscription { taskUpdates(taskType: "ws_step_b") { referenceTaskName status } }`, {}, (items) =>
      items.some((item) => item.taskUpdates?.status === "COMPLETED"),
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscriptions register

    const { startWorkflow } = await gql(`mutation { startWorkflow(request: {name: "ws_two_steps", input: {x: 1}}) { workflowId } }`);
    const workflowId: string = startWorkflow.workflowId;
    const events = collect(
      `subscription($id: ID!) { workflowEvents(workflowId: $id, fromRevision: 0) { workflowId revision type data } }`,
      { id: workflowId },
      (items) => items.some((item) => item.workflowEvents?.type === "WorkflowCompleted"),
    );
    for (let i = 0; i < 2; i++) {
      const taskId = await nextWaitingTask(workflowId);
      await gql(`mutation($t: ID!) { completeTask(taskId: $t, output: {step: ${i}}) { status } }`, { t: taskId });
    }
    const received = (await events.finished).map((item) => item.workflowEvents);
    const stored = await baton.engine.readWorkflowEvents(workflowId);
    expect(received.map((e) => e.revision)).toEqual(stored.map((e) => e.revision));
    expect(received.map((e) => e.type)).toEqual(stored.map((e) => e.type));
    expect(received.map((e) => e.revision)).toEqual(received.map((_, i) => i));
    expect(received[0]).toMatchObject({ workflowId, revision: 0, type: "WorkflowStarted" });
    expect(received.at(-1).type).toBe("WorkflowCompleted");

    const changes = (await statuses.finished).map((item) => item.workflowStatusChanged).filter((c) => c.workflowId === workflowId);
    expect(changes).toEqual([
      { workflowId, status: "RUNNING", previousStatus: null },
      { workflowId, status: "COMPLETED", previousStatus: "RUNNING" },
    ]);
    const taskChanges = (await tasks.finished).map((item) => item.taskUpdates);
    expect(taskChanges.every((t) => t.referenceTaskName === "b")).toBe(true);
    expect(taskChanges.map((t) => t.status)).toEqual(["SCHEDULED", "IN_PROGRESS", "COMPLETED"].filter((s) => taskChanges.some((t) => t.status === s)));
    expect(taskChanges.at(-1).status).toBe("COMPLETED");

    // Resumable: from a later revision only the rest comes.
    const resumed = collect(
      `subscription($id: ID!) { workflowEvents(workflowId: $id, fromRevision: 3) { revision } }`,
      { id: workflowId },
      (items) => items.length === stored.length - 3,
    );
    expect((await resumed.finished).map((item) => item.workflowEvents.revision)).toEqual(stored.slice(3).map((e) => e.revision));
  });

  it("pushes a retry suggestion when a workflow fails, and stats on change", async () => {
    const suggestions = collect(`subscription { retrySuggestions { workflowId reRunFromTaskRefName resetTasks } }`, {}, (items) => items.length >= 1);
    const stats = collect(`subscription { stats { total byTypeAndStatus { workflowType status count } } }`, {}, (items) =>
      items.some((item) => item.stats.byTypeAndStatus.some((e: any) => e.workflowType === "ws_two_steps" && e.status === "FAILED")),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { startWorkflow } = await gql(`mutation { startWorkflow(request: {name: "ws_two_steps"}) { workflowId } }`);
    const taskId = await nextWaitingTask(startWorkflow.workflowId);
    await gql(`mutation($t: ID!) { failTask(taskId: $t, reason: "boom") { status } }`, { t: taskId });
    const [suggestion] = await suggestions.finished;
    expect(suggestion.retrySuggestions).toEqual({ workflowId: startWorkflow.workflowId, reRunFromTaskRefName: "a", resetTasks: ["a"] });
    const pushed = await stats.finished;
    expect(pushed[0].stats.total).toBeGreaterThanOrEqual(1); // the current counts come first
    expect(pushed.length).toBeLessThanOrEqual(4); // throttled: at most one push a second
  });

  it("pushes a task attempt when a log line is added to it (its status and update time unchanged)", async () => {
    await gql(`mutation { registerTaskDefs(definitions: [{name: "ws_logged_step", retryCount: 0}]) { name } }`);
    const definition = { name: "ws_logged", version: 1, schemaVersion: 2, tasks: [{ name: "ws_logged_step", taskReferenceName: "step", type: "SIMPLE" }] };
    await gql(`mutation($d: JSON!) { registerWorkflowDef(definition: $d) { name } }`, { d: definition });
    const { startWorkflow } = await gql(`mutation { startWorkflow(request: {name: "ws_logged"}) { workflowId } }`);
    const taskId = await nextWaitingTask(startWorkflow.workflowId);
    const updates = collect(`subscription { taskUpdates(taskType: "ws_logged_step") { taskId status } }`, {}, (items) => items.some((item) => item.taskUpdates?.taskId === taskId));
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscription register
    const logged = await fetch(`${baton.url}/api/tasks/${taskId}/log`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify("halfway there") });
    expect(logged.status).toBe(200);
    const pushed = (await updates.finished).map((item) => item.taskUpdates).filter((t) => t.taskId === taskId);
    expect(pushed).toEqual([{ taskId, status: "SCHEDULED" }]);
  });

  it("reports unknown ids and too-deep operations as errors", async () => {
    // A resolver's error is the subscription's one result, as graphql-ws delivers execution errors.
    const [unknown] = await collect(`subscription { workflowEvents(workflowId: "nope") { revision } }`, {}).finished;
    expect(unknown.errors).toMatchObject([{ message: "No such workflow found by id: nope", extensions: { code: "NOT_FOUND" } }]);
    const deep = `subscription { taskUpdates { inputData a: workflowInstanceId } } query Deep { __type(name: "Query") { ${"ofType { ".repeat(11)}name${" }".repeat(11)} } }`;
    await expect(collect(deep.slice(deep.indexOf("query Deep")), {}).finished).rejects.toThrow(/Query depth limit of 10 exceeded/);
    await expect(collect(`subscription { nope }`, {}).finished).rejects.toThrow(/Cannot query field .*nope.* on type .*Subscription/);
  });
});
