/**
 * The web console in a real browser (Debian's Chromium through playwright-core)
 * against a running Baton: the execution list updates live, a failed workflow's
 * (and a failed sink workflow's) retry suggestion takes it to COMPLETED in one click, the graph colours a fork,
 * a switch and a loop, the timeline slider shows an earlier state, and the
 * designer builds, deploys and starts KAFKA_PUBLISH -> EVENT -> SIMPLE, and
 * GraphiQL runs a query from the console's own build. No page
 * may request any host but Baton's. Screenshots land in .cache/ui-screenshots.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CONSOLE_OUT_DIR, ensureConsoleBuilt } from "../../scripts/build-console.ts";
import { consolePage, launchChromium, screenshot } from "../support/browser.ts";
import { eventually, http, startBaton, type TestBaton } from "../support/baton.ts";

let baton: TestBaton;
let browser: Browser;
let session: Awaited<ReturnType<typeof consolePage>>;
let page: Page;

beforeAll(async () => {
  await ensureConsoleBuilt();
  baton = await startBaton({
    env: { BATON_GRAPHIQL: "true", BATON_DAG_POLL_INTERVAL_MS: "100" },
    // A DAG that runs until the test lets it finish, on the local executor.
    localDags: { ui_dag: () => dagGate.promise },
  });
  browser = await launchChromium();
  const taskDefs = ["ui_work", "ui_flaky", "ui_branch_a", "ui_branch_b", "ui_last"].map((name) => ({ name, retryCount: 0, timeoutSeconds: 0, responseTimeoutSeconds: 3600, ownerEmail: "ui@baton.local" }));
  expect((await http(baton.url, "POST", "/api/metadata/taskdefs", taskDefs)).status).toBe(200);
}, 180_000);

afterAll(async () => {
  // A DAG run held open would keep Baton's monitor from closing.
  dagGate.resolve();
  await browser?.close();
  await baton?.close();
});

beforeEach(async () => {
  session = await consolePage(browser, baton.url);
  page = session.page;
});

afterEach(async () => {
  expect(session.foreignRequests, "requests to hosts other than Baton").toEqual([]);
  expect(session.pageErrors, "uncaught errors in the page").toEqual([]);
  await page.context().close();
});

async function register(definition: Record<string, unknown>): Promise<void> {
  const response = await http(baton.url, "POST", "/api/metadata/workflow", { version: 1, schemaVersion: 2, ownerEmail: "ui@baton.local", ...definition });
  expect(response.status, response.text).toBe(200);
}

async function start(name: string, input: Record<string, unknown> = {}): Promise<string> {
  const response = await http(baton.url, "POST", "/api/workflow", { name, input });
  expect(response.status, response.text).toBe(200);
  return response.text;
}

/** Polls one task of `taskType` as a worker would and reports `status` for it. */
async function work(taskType: string, status: "COMPLETED" | "FAILED", output: Record<string, unknown> = {}): Promise<string> {
  const task = await eventually(async () => {
    const polled = await http(baton.url, "GET", `/api/tasks/poll/${taskType}?workerid=ui-test`);
    return polled.status === 200 && polled.text ? (polled.json() as { taskId: string; workflowInstanceId: string }) : undefined;
  });
  const updated = await http(baton.url, "POST", "/api/tasks", {
    taskId: task.taskId,
    workflowInstanceId: task.workflowInstanceId,
    status,
    outputData: output,
    ...(status === "FAILED" ? { reasonForIncompletion: "the service answered 503" } : {}),
  });
  expect(updated.status, updated.text).toBe(200);
  return task.workflowInstanceId;
}

const workflowStatus = async (id: string) => ((await http(baton.url, "GET", `/api/workflow/${id}?includeTasks=false`)).json() as { status: string }).status;

/** Holds the ui_dag DAG's run open until the test resolves it. */
const dagGate = (() => {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve: () => resolve() };
})();

// Set by the graph test, reused by the time-travel test.
const shapes = { workflowId: "" };

describe("the console", () => {
  it("serves its page and assets from Baton, with a same-origin content policy", async () => {
    const response = await fetch(`${baton.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await response.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${baton.url}${asset}`);
    expect(script.headers.get("content-type")).toContain("text/javascript");
    expect(script.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${baton.url}/assets/..%2Fbuild-stamp.json`)).status).toBe(404);
    // React's production build, though this build ran under vitest (NODE_ENV=test): its development build greets with this line.
    const scripts = (await readdir(join(CONSOLE_OUT_DIR, "assets"))).filter((file) => file.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(3);
    for (const file of scripts) expect(await readFile(join(CONSOLE_OUT_DIR, "assets", file), "utf8"), file).not.toContain("Download the React DevTools");
  });

  it("lists executions and updates the list live when a workflow starts and completes", async () => {
    await register({ name: "ui_live", tasks: [{ name: "ui_work", taskReferenceName: "work", type: "SIMPLE" }] });
    await page.goto(`${baton.url}/`);
    // Live once the status subscription is acknowledged (a start before that would come only with a refetch).
    await expect.poll(() => page.getByTestId("executions").getAttribute("data-live")).toBe("yes");
    const id = await start("ui_live", { customer: 42 });
    const row = page.getByTestId(`execution-${id}`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.getAttribute("data-status")).toBe("RUNNING");
    await work("ui_work", "COMPLETED", { done: true });
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 20_000 }).toBe("COMPLETED");
    await screenshot(page, "executions");
    // The filters narrow the list through Baton's search.
    await page.getByLabel("status").selectOption("FAILED");
    await expect.poll(() => row.count()).toBe(0);
    await page.getByLabel("status").selectOption("COMPLETED");
    await page.getByLabel("workflow type").fill("ui_live");
    await expect.poll(() => row.count()).toBe(1);
    await page.getByLabel("free text").fill("no-such-text-anywhere");
    await expect.poll(() => row.count()).toBe(0);
  });

  it("pauses, retries, resumes, terminates with a reason and restarts selected executions in bulk, one confirmation each, showing each failed row's message", async () => {
    await register({ name: "ui_bulk", tasks: [{ name: "ui_bulk_work", taskReferenceName: "work", type: "SIMPLE" }] });
    const [a, b, c] = [await start("ui_bulk"), await start("ui_bulk"), await start("ui_bulk")] as [string, string, string];
    expect((await http(baton.url, "DELETE", `/api/workflow/${c}?reason=set%20up`)).status).toBe(200);
    await page.goto(`${baton.url}/`);
    await page.getByLabel("workflow type").fill("ui_bulk");
    const table = page.getByTestId("executions");
    await expect.poll(() => table.getAttribute("data-live")).toBe("yes");
    await expect.poll(() => table.locator("tbody tr").count(), { timeout: 20_000 }).toBe(3);
    const row = (id: string) => page.getByTestId(`execution-${id}`);
    const statuses = () => Promise.all([a, b, c].map((id) => row(id).getAttribute("data-status")));
    const outcomes = () => Promise.all([a, b, c].map((id) => row(id).getAttribute("data-bulk")));
    await expect.poll(statuses).toEqual(["RUNNING", "RUNNING", "TERMINATED"]);

    // One confirmation per operation; the first is dismissed and nothing happens.
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void (dialogs.length === 1 ? dialog.dismiss() : dialog.accept());
    });
    const selectAll = page.getByLabel("select all on this page");
    const bulk = (label: string) => page.getByTestId("bulk-actions").getByRole("button", { name: label, exact: true });
    await selectAll.check();
    expect(await page.getByTestId("bulk-selected").textContent()).toBe("3 selected");
    await bulk("Pause").click();
    await expect.poll(() => dialogs.length).toBe(1);
    expect(await workflowStatus(a)).toBe("RUNNING");
    expect(await page.getByTestId("bulk-outcome").count()).toBe(0);

    // Pause: the running two pause, the terminated one reports Baton's message on its row and in the list of failures.
    await bulk("Pause").click();
    await expect.poll(outcomes).toEqual(["ok", "ok", "failed"]);
    await expect.poll(statuses).toEqual(["PAUSED", "PAUSED", "TERMINATED"]);
    expect(await row(c).getByTestId("bulk-result").textContent()).toBe(`Workflow ${c} is TERMINATED; only a RUNNING workflow can be paused`);
    expect(await row(a).getByTestId("bulk-result").textContent()).toBe("paused");
    expect(await page.getByTestId("bulk-outcome").locator("p").textContent()).toBe("Pause: 2 succeeded, 1 failed");
    expect(await page.getByTestId("bulk-errors").locator("li").allTextContents()).toEqual([`${c}: Workflow ${c} is TERMINATED; only a RUNNING workflow can be paused`]);
    await screenshot(page, "bulk-actions");
    // The failed row stays selected: retry it alone.
    expect(await page.getByTestId("bulk-selected").textContent()).toBe("1 selected");
    expect(await row(c).getByRole("checkbox").isChecked()).toBe(true);
    await bulk("Retry").click();
    await expect.poll(statuses).toEqual(["PAUSED", "PAUSED", "RUNNING"]);
    expect(await row(c).getByTestId("bulk-result").textContent()).toBe("retried");

    // Resume the paused two (row by row selection).
    await row(a).getByRole("checkbox").check();
    await row(b).getByRole("checkbox").check();
    await row(c).getByRole("checkbox").uncheck();
    await bulk("Resume").click();
    await expect.poll(statuses).toEqual(["RUNNING", "RUNNING", "RUNNING"]);
    expect(await page.getByTestId("bulk-outcome").locator("p").textContent()).toBe("Resume: 2 succeeded, 0 failed");
    expect(await page.getByTestId("bulk-errors").count()).toBe(0);

    // Terminate all three with a reason, then restart them.
    await page.getByLabel("terminate reason").fill("cleared from the console");
    await selectAll.check();
    await bulk("Terminate").click();
    await expect.poll(statuses).toEqual(["TERMINATED", "TERMINATED", "TERMINATED"]);
    const terminated = (await http(baton.url, "GET", `/api/workflow/${b}?includeTasks=false`)).json() as { reasonForIncompletion: string };
    expect(terminated.reasonForIncompletion).toBe("cleared from the console");
    await selectAll.check();
    await bulk("Restart").click();
    await expect.poll(statuses).toEqual(["RUNNING", "RUNNING", "RUNNING"]);
    await expect.poll(outcomes).toEqual(["ok", "ok", "ok"]);
    expect(dialogs).toEqual(["Pause 3 workflows?", "Pause 3 workflows?", "Retry 1 workflow?", "Resume 2 workflows?", "Terminate 3 workflows (reason: cleared from the console)?", "Restart 3 workflows?"]);
    for (const id of [a, b, c]) expect(await workflowStatus(id)).toBe("RUNNING");
  });

  it("pauses (confirmed), resumes, and terminates (confirmed; a dismissed confirmation does nothing) from the workflow page", async () => {
    await register({ name: "ui_steered", tasks: [{ name: "ui_steered_work", taskReferenceName: "work", type: "SIMPLE" }] });
    const id = await start("ui_steered");
    await page.goto(`${baton.url}/#/workflow/${id}`);
    const status = () => page.getByTestId("workflow-status").getAttribute("data-status");
    await expect.poll(status, { timeout: 20_000 }).toBe("RUNNING");
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void (dialog.message().startsWith("Terminate") && dialogs.filter((m) => m.startsWith("Terminate")).length === 1 ? dialog.dismiss() : dialog.accept());
    });
    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(status).toBe("PAUSED");
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(status).toBe("RUNNING");
    // Dismissing the confirmation leaves the workflow alone; accepting terminates it.
    await page.getByRole("button", { name: "Terminate" }).click();
    await expect.poll(() => dialogs.length).toBe(2);
    expect(await workflowStatus(id)).toBe("RUNNING");
    await page.getByRole("button", { name: "Terminate" }).click();
    await expect.poll(status).toBe("TERMINATED");
    expect(dialogs).toEqual(["Pause this workflow?", "Terminate this workflow?", "Terminate this workflow?"]);
    expect(await workflowStatus(id)).toBe("TERMINATED");
  });

  it("updates the open task panel live from taskUpdates: status, output and logs, with no reload", async () => {
    await register({ name: "ui_panel", tasks: [{ name: "ui_panel_work", taskReferenceName: "step", type: "SIMPLE" }] });
    const id = await start("ui_panel");
    await page.goto(`${baton.url}/#/workflow/${id}`);
    const node = page.getByTestId("node-step");
    await expect.poll(() => node.getAttribute("data-status"), { timeout: 20_000 }).toBe("SCHEDULED");
    await node.click();
    const details = page.getByTestId("task-step");
    await expect.poll(() => page.getByTestId("task-panel").getAttribute("data-live")).toBe("yes");
    expect(await details.getAttribute("data-status")).toBe("SCHEDULED");
    await expect.poll(() => details.textContent()).toContain("no logs");

    const polled = await http(baton.url, "GET", "/api/tasks/poll/ui_panel_work?workerid=ui-panel-worker");
    expect(polled.status, polled.text).toBe(200);
    const { taskId } = polled.json() as { taskId: string };
    await expect.poll(() => details.getAttribute("data-status")).toBe("IN_PROGRESS");
    // A log line alone changes neither status nor update time; the panel shows it as it is added.
    expect((await http(baton.url, "POST", `/api/tasks/${taskId}/log`, "halfway there")).status).toBe(200);
    await expect.poll(() => details.getByTestId("task-logs").textContent()).toContain("halfway there");
    const completed = await http(baton.url, "POST", "/api/tasks", {
      taskId,
      workflowInstanceId: id,
      status: "COMPLETED",
      outputData: { answer: 42 },
      logs: [{ log: "all done", createdTime: Date.now() }],
    });
    expect(completed.status, completed.text).toBe(200);
    await expect.poll(() => details.getAttribute("data-status")).toBe("COMPLETED");
    expect(JSON.parse((await details.getByTestId("task-output").textContent())!)).toEqual({ answer: 42 });
    await expect.poll(() => details.getByTestId("task-logs").textContent()).toContain("all done");
    expect(await details.getByTestId("task-logs").textContent()).toContain("halfway there");
    expect(await details.textContent()).toContain("ui-panel-worker");
    // The rest of the page follows too.
    await expect.poll(() => page.getByTestId("workflow-status").getAttribute("data-status")).toBe("COMPLETED");
    await expect.poll(() => node.getAttribute("data-status")).toBe("COMPLETED");
    // The graph stays drawn through the live updates (its nodes were once left hidden after them).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const hidden = await page.locator(".react-flow__node").evaluateAll((nodes) => nodes.filter((n) => getComputedStyle(n).visibility === "hidden").length);
    expect(hidden).toBe(0);
    expect(await page.locator(".react-flow__node").count()).toBeGreaterThan(0);
    await screenshot(page, "task-panel-live");
  });

  it("shows a failed workflow's retry suggestion, and one click takes it to COMPLETED", async () => {
    await register({
      name: "ui_retry",
      tasks: [
        { name: "ui_work", taskReferenceName: "prepare", type: "SIMPLE" },
        { name: "ui_flaky", taskReferenceName: "call_service", type: "SIMPLE" },
      ],
    });
    const id = await start("ui_retry");
    await work("ui_work", "COMPLETED");
    await work("ui_flaky", "FAILED");
    await eventually(async () => ((await workflowStatus(id)) === "FAILED" ? true : undefined));

    await page.goto(`${baton.url}/#/workflow/${id}`);
    const suggestion = page.getByTestId("suggestion");
    await suggestion.waitFor({ timeout: 20_000 });
    expect(await suggestion.textContent()).toContain("call_service");
    // The restart point is ringed on the graph, the failed task is red.
    await expect.poll(() => page.locator(".react-flow__node.restart-point").count()).toBe(1);
    expect(await page.getByTestId("node-call_service").getAttribute("data-status")).toBe("FAILED");
    await screenshot(page, "retry-suggestion");

    await page.getByTestId("retry-suggestion").click();
    await expect.poll(() => page.getByTestId("workflow-status").getAttribute("data-status"), { timeout: 20_000 }).toBe("RUNNING");
    await work("ui_flaky", "COMPLETED", { recovered: true });
    await expect.poll(() => page.getByTestId("workflow-status").getAttribute("data-status"), { timeout: 20_000 }).toBe("COMPLETED");
    await expect.poll(() => page.getByTestId("node-call_service").getAttribute("data-status")).toBe("COMPLETED");
    expect(await workflowStatus(id)).toBe("COMPLETED");
    await screenshot(page, "retried");
  });

  it("suggests rerunning a failed sink workflow from its publisher, and one click takes it to COMPLETED", async () => {
    await register({
      name: "ui_sink",
      tasks: [
        { name: "publish_request", taskReferenceName: "publish", type: "KAFKA_PUBLISH", inputParameters: { kafka_request: { topic: "ui-requests", value: { workflowId: "${workflow.workflowId}" } } } },
        { name: "await_reply", taskReferenceName: "await_reply", type: "EVENT", sink: "conductor:ui_reply", asyncComplete: true },
      ],
    });
    const id = await start("ui_sink");
    const eventTask = async () =>
      eventually(async () => {
        const workflow = (await http(baton.url, "GET", `/api/workflow/${id}`)).json() as { tasks: { taskId: string; referenceTaskName: string; status: string }[] };
        return workflow.tasks.filter((task) => task.referenceTaskName === "await_reply" && task.status === "IN_PROGRESS").at(-1);
      });
    // The service's reply reports a failure (as the router applies it).
    const first = await eventTask();
    await http(baton.url, "POST", "/api/tasks", { workflowInstanceId: id, taskId: first.taskId, status: "FAILED", reasonForIncompletion: "mailbox does not exist" });
    await eventually(async () => ((await workflowStatus(id)) === "FAILED" ? true : undefined));

    await page.goto(`${baton.url}/#/workflow/${id}`);
    await page.getByTestId("suggestion").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("suggestion").textContent()).toContain("mailbox does not exist");
    // The restart point is the publisher, not the EVENT that failed.
    await expect.poll(() => page.locator(".react-flow__node.restart-point [data-testid]").getAttribute("data-testid")).toBe("node-publish");
    await screenshot(page, "sink-suggestion");
    await page.getByTestId("retry-suggestion").click();
    await expect.poll(() => page.getByTestId("workflow-status").getAttribute("data-status"), { timeout: 20_000 }).toBe("RUNNING");
    const second = await eventTask();
    expect(second.taskId).not.toBe(first.taskId);
    await http(baton.url, "POST", "/api/tasks", { workflowInstanceId: id, taskId: second.taskId, status: "COMPLETED", outputData: { valid: true } });
    await expect.poll(() => page.getByTestId("workflow-status").getAttribute("data-status"), { timeout: 20_000 }).toBe("COMPLETED");
    expect(await page.getByTestId("node-await_reply").getAttribute("data-status")).toBe("COMPLETED");
  });

  it("draws a fork, a switch and a loop with each task's status, live", async () => {
    await register({
      name: "ui_shapes",
      tasks: [
        {
          name: "fork",
          taskReferenceName: "fork",
          type: "FORK_JOIN",
          forkTasks: [[{ name: "ui_branch_a", taskReferenceName: "branch_a", type: "SIMPLE" }], [{ name: "ui_branch_b", taskReferenceName: "branch_b", type: "SIMPLE" }]],
        },
        { name: "join", taskReferenceName: "join", type: "JOIN", joinOn: ["branch_a", "branch_b"] },
        {
          name: "route",
          taskReferenceName: "route",
          type: "SWITCH",
          evaluatorType: "value-param",
          expression: "kind",
          inputParameters: { kind: "${workflow.input.kind}" },
          decisionCases: { big: [{ name: "mark_big", taskReferenceName: "mark_big", type: "SET_VARIABLE", inputParameters: { size: "big" } }] },
          defaultCase: [{ name: "mark_small", taskReferenceName: "mark_small", type: "SET_VARIABLE", inputParameters: { size: "small" } }],
        },
        {
          name: "repeat",
          taskReferenceName: "repeat",
          type: "DO_WHILE",
          loopCondition: "if ($.repeat['iteration'] < 2) { true; } else { false; }",
          loopOver: [{ name: "count", taskReferenceName: "count", type: "SET_VARIABLE", inputParameters: { counted: true } }],
        },
        { name: "ui_last", taskReferenceName: "last", type: "SIMPLE" },
      ],
    });
    const id = await start("ui_shapes", { kind: "big" });
    shapes.workflowId = id;
    await page.goto(`${baton.url}/#/workflow/${id}`);
    const status = (ref: string) => page.getByTestId(`node-${ref}`).getAttribute("data-status");
    await expect.poll(() => status("branch_a"), { timeout: 20_000 }).toBe("SCHEDULED");
    await work("ui_branch_a", "COMPLETED");
    await work("ui_branch_b", "COMPLETED");
    // Live: the page follows the workflow's events without a reload.
    await expect.poll(() => status("last"), { timeout: 20_000 }).toBe("SCHEDULED");
    expect(await status("fork")).toBe("COMPLETED");
    expect(await status("join")).toBe("COMPLETED");
    expect(await status("route")).toBe("COMPLETED");
    expect(await status("mark_big")).toBe("COMPLETED");
    expect(await status("mark_small")).toBe(""); // the case not taken
    expect(await status("repeat")).toBe("COMPLETED");
    expect(await status("count")).toBe("COMPLETED");
    // The switch's cases and the loop's way back are drawn as labelled edges.
    await expect.poll(() => page.locator(".react-flow__edge-text").allTextContents()).toEqual(expect.arrayContaining(["big", "default", "loop"]));
    await screenshot(page, "graph");
  });

  it("shows the workflow as it was at an earlier revision on the timeline slider", async () => {
    expect(shapes.workflowId).not.toBe("");
    await page.goto(`${baton.url}/#/workflow/${shapes.workflowId}`);
    const status = (ref: string) => page.getByTestId(`node-${ref}`).getAttribute("data-status");
    await expect.poll(() => status("last"), { timeout: 20_000 }).toBe("SCHEDULED");
    await expect.poll(() => page.getByTestId("timeline").locator("tbody tr").count()).toBeGreaterThan(5);
    // Revision 1: only the fork's branches had been scheduled.
    await page.getByTestId("revision-slider").fill("1");
    await expect.poll(() => page.getByTestId("revision-shown").textContent()).toBe("as of revision 1");
    await expect.poll(() => status("last")).toBe("");
    expect(await status("branch_a")).not.toBe("COMPLETED");
    await screenshot(page, "time-travel");
    await page.getByRole("button", { name: "Back to live" }).click();
    await expect.poll(() => status("last")).toBe("SCHEDULED");
  });

  it("draws a sub-workflow naming its child, and links to the child's execution", async () => {
    await register({ name: "ui_child", tasks: [{ name: "note", taskReferenceName: "note", type: "SET_VARIABLE", inputParameters: { noted: true } }] });
    await register({ name: "ui_parent", tasks: [{ name: "call_child", taskReferenceName: "call_child", type: "SUB_WORKFLOW", subWorkflowParam: { name: "ui_child", version: 1 } }] });
    const id = await start("ui_parent");
    await eventually(async () => ((await workflowStatus(id)) === "COMPLETED" ? true : undefined));
    await page.goto(`${baton.url}/#/workflow/${id}`);
    const node = page.getByTestId("node-call_child");
    await expect.poll(() => node.getAttribute("data-status"), { timeout: 20_000 }).toBe("COMPLETED");
    expect(await node.textContent()).toContain("→ ui_child");
    await node.click();
    await page.getByTestId("task-call_child").getByRole("link").click();
    await expect.poll(() => page.locator("h1").textContent()).toContain("ui_child");
    expect(await page.getByTestId("workflow-status").textContent()).toContain(`parent ${id}`);
  });

  it("lists DAG runs live, shows one with its events, and links it with the workflow task that asked for it", async () => {
    await register({
      name: "ui_dag_flow",
      tasks: [
        {
          name: "ask_for_dag",
          taskReferenceName: "ask_for_dag",
          type: "KAFKA_PUBLISH",
          inputParameters: {
            kafka_request: {
              topic: "airflow-trigger-requests",
              key: "${workflow.workflowId}",
              value: { workflowId: "${workflow.workflowId}", taskId: "ui_dag_task", eventType: "airflow_trigger_request", data: { dag_id: "ui_dag", completion_event_type: "ui_dag_completed" } },
            },
          },
        },
        { name: "wait_dag", taskReferenceName: "wait_dag", type: "EVENT", sink: "conductor:ui_dag_completed", asyncComplete: true },
      ],
    });
    await page.goto(`${baton.url}/#/dagruns`);
    await expect.poll(() => page.getByTestId("dag-runs").getAttribute("data-live")).toBe("yes");
    const id = await start("ui_dag_flow");
    const row = page.getByTestId("dag-runs").locator("tbody tr", { has: page.locator(`a[href="#/workflow/${id}"]`) });
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 20_000 }).toBe("TRIGGERED");
    expect(await row.locator("td").nth(1).textContent()).toBe("ui_dag");
    // The run ends: the list follows without a reload, and the workflow completes.
    dagGate.resolve();
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 20_000 }).toBe("SUCCEEDED");
    await eventually(async () => ((await workflowStatus(id)) === "COMPLETED" ? true : undefined));
    await screenshot(page, "dag-runs");

    await row.locator("td").first().getByRole("link").click();
    await expect.poll(() => page.getByTestId("dag-run-status").getAttribute("data-status")).toBe("SUCCEEDED");
    const events = await page.getByTestId("dag-run-events").locator("tbody tr td:nth-child(3)").allTextContents();
    expect(events.length).toBeGreaterThan(1);
    expect(events.join(" ")).toMatch(/Trigger/i);
    await screenshot(page, "dag-run");
    const runUrl = page.url();

    // From the workflow: its publishing task links to the run it asked for.
    await page.getByTestId("dag-run-status").getByRole("link", { name: id }).click();
    await page.getByTestId("node-ask_for_dag").click();
    const link = page.getByTestId("task-dag-runs").getByRole("link");
    await expect.poll(() => link.count()).toBe(1);
    expect(await link.textContent()).toContain("ui_dag");
    await link.click();
    await expect.poll(() => page.url()).toBe(runUrl);
    await expect.poll(() => page.getByTestId("dag-run-status").getAttribute("data-status")).toBe("SUCCEEDED");
  });

  it("edits a definition's JSON, shows Baton's validation error naming the field, and registers the fix", async () => {
    await page.goto(`${baton.url}/#/definitions/+new`);
    const editor = page.getByLabel("definition JSON");
    await editor.waitFor();
    await editor.fill(JSON.stringify({ name: "ui_edited", version: 1, tasks: [{ name: "ui_work", type: "SIMPLE" }] }));
    await page.getByRole("button", { name: "Register" }).click();
    await expect.poll(() => page.getByTestId("definition-error").textContent()).toMatch(/tasks\[0\]\.taskReferenceName/);
    // The error is marked at its field: the missing reference's task object, on its own line of the text.
    await editor.fill(JSON.stringify({ name: "ui_edited", version: 1, tasks: [{ name: "ui_work", type: "SIMPLE" }] }, null, 2));
    await page.getByRole("button", { name: "Register" }).click();
    const mark = page.getByTestId("json-error-line");
    await expect.poll(() => mark.count()).toBe(1);
    const lines = (await editor.inputValue()).split("\n");
    expect(lines[Number(await mark.getAttribute("data-line")) - 1]!.trim()).toBe("{");
    expect(Number(await mark.getAttribute("data-line"))).toBe(lines.findIndex((line) => line.includes('"tasks"')) + 2);
    expect(await mark.textContent()).toContain("tasks[0].taskReferenceName: taskReferenceName is required");
    // Clicking the error selects its line in the editor.
    await page.getByTestId("json-errors").getByRole("button", { name: /^line / }).click();
    expect(await editor.evaluate((area: HTMLTextAreaElement) => area.value.slice(area.selectionStart, area.selectionEnd).trim())).toBe("{");
    await screenshot(page, "definition-error");
    await editor.fill(JSON.stringify({ name: "ui_edited", version: 1, tasks: [{ name: "ui_work", taskReferenceName: "work", type: "SIMPLE" }] }));
    // The graph follows the JSON as it is typed.
    await expect.poll(() => page.getByTestId("node-work").count()).toBe(1);
    await page.getByRole("button", { name: "Register" }).click();
    await page.getByRole("link", { name: /ui_edited/ }).waitFor({ timeout: 20_000 });
    const stored = (await http(baton.url, "GET", "/api/metadata/workflow/ui_edited")).json() as { tasks: { taskReferenceName: string }[] };
    expect(stored.tasks[0]!.taskReferenceName).toBe("work");
    await screenshot(page, "definitions");
  });

  it("shows task queues and live stats", async () => {
    await register({ name: "ui_queued", tasks: [{ name: "ui_queue_probe", taskReferenceName: "probe", type: "SIMPLE" }] });
    await start("ui_queued");
    // An empty poll by a named worker: the queue keeps its task, the poll data records the worker.
    expect((await http(baton.url, "GET", "/api/tasks/poll/ui_queue_probe?workerid=probe-worker&domain=elsewhere")).status).toBe(204);
    await page.goto(`${baton.url}/#/operations`);
    const queueRow = page.getByTestId("queues").locator("tr", { hasText: "ui_queue_probe" });
    await expect.poll(() => queueRow.locator("td").nth(1).textContent(), { timeout: 20_000 }).toBe("1");
    await expect.poll(() => queueRow.locator("td").nth(2).textContent()).toContain("probe-worker");
    const statsRow = page.getByTestId("stats").locator("tr", { hasText: "ui_queued" });
    await expect.poll(() => statsRow.locator("td").nth(2).textContent(), { timeout: 20_000 }).toBe("1");
    await start("ui_queued");
    // Stats arrive over the subscription (at most once a second), without a reload.
    await expect.poll(() => statsRow.locator("td").nth(2).textContent(), { timeout: 20_000 }).toBe("2");
    await screenshot(page, "operations");
  });

  it("runs a query in GraphiQL, served from Baton's own assets (GET /graphql in a browser leads there, BATON_GRAPHIQL)", async () => {
    await register({ name: "ui_graphiql", tasks: [{ name: "ui_work", taskReferenceName: "work", type: "SIMPLE" }] });
    // The page a browser gets for /graphql names no host: every script, style and link is Baton's own path.
    const served = await fetch(`${baton.url}/graphql`, { headers: { accept: "text/html" } });
    expect(served.url).toBe(`${baton.url}/graphiql`);
    const html = await served.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThan(0);
    expect(references.filter((reference) => !(reference.startsWith("/") || reference.startsWith("data:")) || reference.startsWith("//"))).toEqual([]);
    expect(html).not.toMatch(/https?:\/\//);
    // The result editor draws only the lines in view: a tall window shows every definition the earlier tests registered.
    await page.setViewportSize({ width: 1400, height: 3000 });
    await page.goto(`${baton.url}/graphql`);
    expect(new URL(page.url()).pathname).toBe("/graphiql");
    const run = page.locator(".graphiql-execute-button");
    await run.waitFor({ timeout: 20_000 });
    // The editor loads its CodeMirror modules lazily; run once the query is in it.
    await expect.poll(() => page.locator(".graphiql-query-editor").textContent(), { timeout: 20_000 }).toContain("workflowDefs");
    await run.click();
    const result = page.locator(".result-window");
    await expect.poll(() => result.textContent(), { timeout: 20_000 }).toContain("ui_graphiql");
    await page.setViewportSize({ width: 1400, height: 1000 });
    await screenshot(page, "graphiql");
  });

  it("designs KAFKA_PUBLISH -> EVENT -> SIMPLE, deploys and starts it, and opens the execution", async () => {
    await page.goto(`${baton.url}/#/designer`);
    const canvas = page.getByTestId("designer-canvas");
    await canvas.waitFor();
    const box = (await canvas.boundingBox())!;
    for (const [label, y] of [["KAFKA_PUBLISH", 60], ["EVENT (sink)", 220], ["SIMPLE", 380]] as const) {
      await page.getByTestId(`palette-${label}`).dragTo(canvas, { targetPosition: { x: box.width / 2 - 80, y } });
    }
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(3);
    const connect = async (from: string, to: string) => {
      await page.locator(`.react-flow__node[data-id="${from}"] .react-flow__handle.source`).dragTo(page.locator(`.react-flow__node[data-id="${to}"] .react-flow__handle.target`));
    };
    await connect("kafka_publish_1", "event_2");
    await connect("event_2", "simple_3");
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(2);
    // The SIMPLE task runs the worker this test plays.
    await page.locator('.react-flow__node[data-id="simple_3"]').click();
    await page.getByLabel("task name").fill("ui_last");
    await page.getByLabel("workflow name").fill("ui_designed");
    const preview = JSON.parse((await page.getByTestId("design-json").textContent())!) as { name: string; tasks: { type: string; name: string }[] };
    expect(preview.name).toBe("ui_designed");
    expect(preview.tasks.map((task) => task.type)).toEqual(["KAFKA_PUBLISH", "EVENT", "SIMPLE"]);
    expect(preview.tasks[2]!.name).toBe("ui_last");
    await screenshot(page, "designer");

    await page.getByTestId("deploy").click();
    await page.waitForURL(/#\/workflow\//, { timeout: 20_000 });
    const id = decodeURIComponent(page.url().split("#/workflow/")[1]!);
    await page.getByTestId("workflow-status").waitFor();
    expect(["RUNNING", "COMPLETED"]).toContain(await page.getByTestId("workflow-status").getAttribute("data-status"));
    await expect.poll(() => page.getByTestId("node-kafka_publish_1").getAttribute("data-status"), { timeout: 20_000 }).toBe("COMPLETED");
    const started = (await http(baton.url, "GET", `/api/workflow/${id}`)).json() as { workflowName: string };
    expect(started.workflowName).toBe("ui_designed");
    await screenshot(page, "designed-execution");
  });

  it("imports a definition with a fork, a switch and a loop as nodes and edges, the loop's edge back included, every edge with an arrowhead", async () => {
    expect(shapes.workflowId).not.toBe("");
    await page.goto(`${baton.url}/#/designer`);
    await page.getByLabel("import name").fill("ui_shapes");
    await page.getByRole("button", { name: "Import" }).click();
    // fork, branch_a, branch_b, join, route, mark_big, mark_small, repeat, count, last.
    await expect.poll(() => page.locator(".react-flow__node").count()).toBe(10);
    expect(await page.locator('.react-flow__node[data-id="count"]').count()).toBe(1);
    expect(await page.locator('.react-flow__node[data-id="mark_small"]').count()).toBe(1);
    // fork->2 branches->join, join->route, 2 cases, both into repeat, body, loop back, repeat->last: 12 edges.
    await expect.poll(() => page.locator(".react-flow__edge").count()).toBe(12);
    await expect.poll(() => page.locator(".react-flow__edge.loop-edge").count()).toBe(1);
    expect(await page.locator(".react-flow__edge-text").allTextContents()).toEqual(expect.arrayContaining(["big", "default", "body", "loop"]));
    const paths = page.locator(".react-flow__edge path.react-flow__edge-path");
    expect(await paths.count()).toBe(12);
    const markers = await paths.evaluateAll((elements) => elements.map((element) => element.getAttribute("marker-end") ?? ""));
    expect(markers.every((marker) => marker.startsWith("url("))).toBe(true);
    // The canvas reads back into the registered definition: nothing is left unconnected.
    expect(await page.getByTestId("design-problems").count()).toBe(0);
    const preview = JSON.parse((await page.getByTestId("design-json").textContent())!) as { name: string; tasks: { taskReferenceName: string; forkTasks?: unknown[][]; loopOver?: { taskReferenceName: string }[] }[] };
    expect(preview.name).toBe("ui_shapes");
    expect(preview.tasks.map((task) => task.taskReferenceName)).toEqual(["fork", "join", "route", "repeat", "last"]);
    expect(preview.tasks[0]!.forkTasks).toHaveLength(2);
    expect(preview.tasks[3]!.loopOver!.map((task) => task.taskReferenceName)).toEqual(["count"]);
    await screenshot(page, "designer-import");
  });
});
