/**
 * The one end-to-end scenario every runtime entry must pass (tests/integration/runtimes.test.ts):
 * register definitions, start a workflow whose INLINE and SWITCH run user code,
 * complete its SIMPLE task over REST, read the result over GraphQL, see the
 * status change on a graphql-ws subscription (where the runtime has WebSockets)
 * and deploy a run through the ingestion endpoints (where it has an object store).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createClient } from "graphql-ws";
import { expect } from "vitest";
import WebSocket from "ws";
import { eventually, http } from "./baton.ts";
import { collectSubscription } from "./graphql-ws.ts";

export interface RuntimeAbilities {
  /** graphql-ws on `/graphql`. */
  websocket: boolean;
  /** `POST /workflow/deploy` on a `file://` object store this test can read. */
  ingestion: boolean;
  /** Reads an object the run stored, by its URI; default: a `file://` URI from disk. */
  readObject?: (uri: string) => Promise<string>;
  /** The built web console at `/` and its assets. */
  console: boolean;
}

export function scenarioDefinition(name: string) {
  return {
    name,
    version: 1,
    schemaVersion: 2,
    tasks: [
      {
        name: "double",
        taskReferenceName: "double",
        type: "INLINE",
        inputParameters: { evaluatorType: "javascript", expression: "$.n * 2", n: "${workflow.input.n}" },
      },
      {
        name: "route",
        taskReferenceName: "route",
        type: "SWITCH",
        evaluatorType: "javascript",
        expression: "$.v > 5 ? 'big' : 'small'",
        inputParameters: { v: "${double.output.result}" },
        decisionCases: {
          big: [{ name: `${name}_step`, taskReferenceName: "step", type: "SIMPLE", inputParameters: { v: "${double.output.result}" } }],
          small: [{ name: "too_small", taskReferenceName: "too_small", type: "TERMINATE", inputParameters: { terminationStatus: "FAILED" } }],
        },
      },
    ],
    outputParameters: { doubled: "${double.output.result}", route: "${route.output.selectedCase}", answer: "${step.output.answer}" },
  };
}

async function graphql(url: string, query: string, variables: Record<string, unknown>) {
  const response = await http(url, "POST", "/graphql", { query, variables });
  expect(response.status).toBe(200);
  const body = response.json();
  expect(body.errors).toBeUndefined();
  return body.data;
}

export async function runScenario(url: string, runtime: string, abilities: RuntimeAbilities): Promise<void> {
  const name = `rt_${runtime}`;
  const step = `${name}_step`;
  expect((await http(url, "POST", "/api/metadata/taskdefs", [{ name: step, retryCount: 0 }])).status).toBe(200);
  expect((await http(url, "POST", "/api/metadata/workflow", scenarioDefinition(name))).status).toBe(200);

  const client = abilities.websocket
    ? createClient({ url: `${url.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 })
    : undefined;
  try {
    const statuses = client
      ? collectSubscription(client, `subscription($type: String) { workflowStatusChanged(filter: {workflowType: $type}) { workflowId status } }`, { type: name }, (items) =>
          items.some((item) => item.workflowStatusChanged?.status === "COMPLETED" || item.errors),
        )
      : undefined;
    // Settled now, so a socket failure is reported where it is awaited, not as an unhandled rejection.
    const statusChanges = statuses?.finished.then((items) => ({ items }), (error: unknown) => ({ error }));
    // The subscription is registered once the server acknowledged it; give it a moment.
    if (statuses) await new Promise((resolve) => setTimeout(resolve, 500));

    const started = await http(url, "POST", "/api/workflow", { name, input: { n: 4 } });
    expect(started.status).toBe(200);
    const workflowId = started.text;

    const task = await eventually(async () => {
      const polled = await http(url, "GET", `/api/tasks/poll/${step}?workerid=${runtime}-worker`);
      return polled.status === 200 ? polled.json() : undefined;
    }, 15_000, 100);
    expect(task).toMatchObject({ workflowInstanceId: workflowId, referenceTaskName: "step", inputData: { v: 8 } });
    const updated = await http(url, "POST", "/api/tasks", {
      workflowInstanceId: workflowId,
      taskId: task.taskId,
      status: "COMPLETED",
      outputData: { answer: 42 },
      workerId: `${runtime}-worker`,
    });
    expect(updated.status).toBe(200);

    const query = `query($id: ID!) { workflow(id: $id) { status output tasks { referenceTaskName taskType status } } }`;
    const workflow = await eventually(async () => {
      const data = await graphql(url, query, { id: workflowId });
      return data.workflow.status === "RUNNING" ? undefined : data.workflow;
    }, 15_000, 100);
    expect(workflow.status).toBe("COMPLETED");
    expect(workflow.output).toEqual({ doubled: 8, route: "big", answer: 42 });
    expect(workflow.tasks).toEqual([
      { referenceTaskName: "double", taskType: "INLINE", status: "COMPLETED" },
      { referenceTaskName: "route", taskType: "SWITCH", status: "COMPLETED" },
      { referenceTaskName: "step", taskType: step, status: "COMPLETED" },
    ]);

    if (statusChanges) {
      const settled = await statusChanges;
      if ("error" in settled) throw settled.error;
      const changes = settled.items.map((item) => item.workflowStatusChanged ?? item);
      expect(changes).toEqual([
        { workflowId, status: "RUNNING" },
        { workflowId, status: "COMPLETED" },
      ]);
    }
  } finally {
    await client?.dispose();
  }

  if (abilities.ingestion) await deployRun(url, runtime, abilities.readObject ?? (async (uri) => readFileSync(fileURLToPath(uri), "utf8")));
  if (abilities.console) await openConsole(url, runtime);
}

/** The console's page and the first script it loads, as a browser would fetch them. */
async function openConsole(url: string, runtime: string): Promise<void> {
  const page = await fetch(`${url}/`);
  expect(page.status, `${runtime}: GET /`).toBe(200);
  expect(page.headers.get("content-type")).toContain("text/html");
  const html = await page.text();
  const script = /src="\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script, `${runtime}: the page names its script`).toBeDefined();
  const asset = await fetch(`${url}/${script}`);
  expect(asset.status, `${runtime}: GET /${script}`).toBe(200);
  expect(asset.headers.get("content-type")).toContain("javascript");
  expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
}

async function deployRun(url: string, runtime: string, readObject: (uri: string) => Promise<string>): Promise<void> {
  const runId = `run-${runtime}-1`;
  const workflow = {
    name: `rt_${runtime}_ingest`,
    version: 1,
    tasks: [{ name: `rt_${runtime}_clean`, taskReferenceName: "clean", type: "SIMPLE", inputParameters: { dp_config: `<service name="clean"><step order="1">trim</step></service>` } }],
  };
  const deployed = await http(url, "POST", "/workflow/deploy", { workflow, workflow_id: runId, trigger_conductor: true, input: { input_data: "a,b\n1,2\n" } });
  expect(deployed.status).toBe(200);
  const body = deployed.json();
  expect(body).toMatchObject({ runId, workflow_instance_id: runId });
  expect(body.s3_input_uri).toMatch(/^(file|r2):\/\/.*\/runs\/run-[a-z]+-1\/input\.in$/);
  expect(await readObject(body.s3_input_uri)).toBe("a,b\n1,2\n");
  const config = JSON.parse(await readObject(body.updated_json_uri));
  expect(config.tasks[0].inputParameters.dp_config).toMatch(/^(file|r2):\/\/.*\/runs\/run-[a-z]+-1\/clean\.json$/);

  const polled = await eventually(async () => {
    const response = await http(url, "GET", `/api/tasks/poll/rt_${runtime}_clean?workerid=${runtime}-worker`);
    return response.status === 200 ? response.json() : undefined;
  }, 15_000, 100);
  expect(polled).toMatchObject({ workflowInstanceId: runId, inputData: { s3_input_uri: body.s3_input_uri } });
}
