import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, http, removeDir } from "../support/baton.ts";
import { freePort, kill } from "../support/process.ts";

/**
 * User code never blocks the server (DESIGN.md §8): runaway scripts, a jq
 * filter that never ends and an endless loop of scripts run on worker threads
 * with hard limits, and the tasks fail naming the limit. The server runs as
 * its own process, so a blocked server shows as a timeout here instead of
 * blocking the test.
 */

/** Starts `npm start`'s entry and resolves with how long it took to answer /health, failing after `budgetMs`. */
async function startServer(port: number, env: Record<string, string>, budgetMs: number): Promise<{ child: ChildProcess; readyMs: number }> {
  const startedAt = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/api/node.ts"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", BATON_SWEEP_INTERVAL_MS: "50", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await eventually(async () => ((await healthWithin(port, 500)) === undefined ? undefined : true), budgetMs, 100);
  } catch (error) {
    await kill(child);
    throw error;
  }
  return { child, readyMs: Date.now() - startedAt };
}

/** How long /health took to answer 200, or undefined when it did not within `timeoutMs`. */
async function healthWithin(port: number, timeoutMs: number): Promise<number | undefined> {
  const startedAt = performance.now();
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.text();
    return response.ok ? performance.now() - startedAt : undefined;
  } catch {
    return undefined;
  }
}

async function workflowOf(url: string, id: string) {
  return (await http(url, "GET", `/api/workflow/${id}?includeTasks=true`)).json() as {
    status: string;
    reasonForIncompletion?: string;
    tasks: { referenceTaskName: string; taskType: string; status: string; reasonForIncompletion?: string }[];
  };
}

async function finished(url: string, id: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const workflow = await workflowOf(url, id);
    return workflow.status === "RUNNING" ? undefined : workflow;
  }, timeoutMs, 100);
}

describe("user code off the event loop, with limits that hold", () => {
  let child: ChildProcess | undefined;
  let url = "";
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
    // One worker: the runaway scripts queue behind each other, and a core stays free for the server.
    ({ child } = await startServer(port, { BATON_EVENT_STORE: "memory", BATON_USER_CODE_WORKERS: "1", BATON_MAX_LOOP_ITERATIONS: "200" }, 60_000));
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (child) await kill(child);
  });

  it("answers /health within 1 s while 20 runaway INLINE tasks run, and fails each naming the limit", async () => {
    // The INLINE tasks follow a WAIT, so the timer sweep runs all 20 at once (in-thread, it blocked the
    // server for 20 x 500 ms).
    const definition = {
      name: "runaway_inline",
      tasks: [
        { name: "pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "1 seconds" } },
        { name: "spin", taskReferenceName: "spin", type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "while (true) {}" } },
      ],
    };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await http(url, "POST", "/api/workflow", { name: "runaway_inline", input: { i } });
      expect(response.status).toBe(200);
      ids.push(response.text);
    }
    // Probe /health for 5 s from when the WAITs fall due.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const probes: (number | undefined)[] = [];
    for (let i = 0; i < 20; i++) {
      probes.push(await healthWithin(port, 1000));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(probes).toHaveLength(20);
    for (const ms of probes) expect(ms).toBeLessThan(1000);
    for (const id of ids) {
      const workflow = await finished(url, id);
      expect(workflow.status).toBe("FAILED");
      expect(workflow.tasks[1]).toMatchObject({
        taskType: "INLINE",
        status: "FAILED_WITH_TERMINAL_ERROR",
        reasonForIncompletion: "INLINE evaluation failed: script exceeded the 500 ms time limit (BATON_SCRIPT_TIMEOUT_MS)",
      });
    }
  });

  it("fails a JSON_JQ_TRANSFORM whose filter never ends at its time limit, and keeps answering", async () => {
    const definition = {
      name: "endless_jq",
      tasks: [{ name: "jq", taskReferenceName: "jq", type: "JSON_JQ_TRANSFORM", inputParameters: { queryExpression: "last(repeat(1))" } }],
    };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const start = http(url, "POST", "/api/workflow", { name: "endless_jq", input: {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await healthWithin(port, 1000)).toBeLessThan(1000);
    const id = (await start).text;
    const workflow = await finished(url, id);
    expect(workflow.status).toBe("FAILED");
    expect(workflow.tasks[0]).toMatchObject({ status: "FAILED", reasonForIncompletion: "jq filter exceeded the 500 ms time limit (BATON_JQ_TIMEOUT_MS)" });
  });

  it("records a FAILED execution for an event handler whose condition never ends, naming the limit", async () => {
    const handler = {
      name: "spinning_condition",
      event: "conductor:spin_events",
      active: true,
      condition: "while (true) {}",
      actions: [{ action: "start_workflow", start_workflow: { name: "endless_jq" } }],
    };
    expect((await http(url, "POST", "/api/event", handler)).status).toBe(200);
    const definition = {
      name: "emit_spin",
      tasks: [{ name: "emit", taskReferenceName: "emit", type: "EVENT", sink: "conductor:spin_events", inputParameters: { n: 1 } }],
    };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    expect((await http(url, "POST", "/api/workflow", { name: "emit_spin", input: {} })).status).toBe(200);
    const executions = await eventually(async () => {
      const list = (await http(url, "GET", "/api/event/executions/spinning_condition")).json() as { status: string; output: Record<string, unknown> }[];
      return list.length > 0 && list.every((execution) => execution.status !== "IN_PROGRESS") ? list : undefined;
    }, 10_000, 100);
    expect(executions).toEqual([
      expect.objectContaining({ status: "FAILED", output: { exception: "script exceeded the 500 ms time limit (BATON_SCRIPT_TIMEOUT_MS)", condition: "while (true) {}" } }),
    ]);
    expect(await healthWithin(port, 1000)).toBeLessThan(1000);
  });

  it("ends a DO_WHILE whose condition is always true over an INLINE body, instead of running at 100% CPU", async () => {
    const definition = {
      name: "endless_loop",
      tasks: [{
        name: "loop",
        taskReferenceName: "loop",
        type: "DO_WHILE",
        loopCondition: "true",
        loopOver: [{ name: "body", taskReferenceName: "body", type: "INLINE", inputParameters: { evaluatorType: "javascript", expression: "1 + 1" } }],
      }],
    };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const startedAt = Date.now();
    const start = http(url, "POST", "/api/workflow", { name: "endless_loop", input: {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await healthWithin(port, 1000)).toBeLessThan(1000);
    const id = (await start).text;
    const workflow = await finished(url, id);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(workflow.status).toBe("FAILED");
    // Each iteration evaluates the body and the condition; a decision stops before its 100 evaluations run out
    // and goes on in the next, so the loop runs until BATON_MAX_LOOP_ITERATIONS ends it.
    expect(workflow.tasks.at(-1)).toMatchObject({ referenceTaskName: "body__200", status: "COMPLETED" });
    expect(workflow.tasks.find((task: { referenceTaskName: string }) => task.referenceTaskName === "loop")).toMatchObject({
      status: "FAILED_WITH_TERMINAL_ERROR",
      reasonForIncompletion: "DO_WHILE loop: loopCondition still true after 200 iterations, the most a loop may run (BATON_MAX_LOOP_ITERATIONS=200)",
    });
  });
});

describe("start-up never blocks on user code", () => {
  let dataDir: string | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) await kill(child);
    await removeDir(dataDir);
  });

  it("answers /health within seconds after a restart with a due WAIT timer in front of an endless jq filter, and fails the task", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "baton-user-code-"));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { BATON_EVENT_STORE: "file", DATA_DIR: dataDir };
    const first = await startServer(port, env, 60_000);
    children.push(first.child);
    const definition = {
      name: "wait_then_jq",
      tasks: [
        { name: "pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "3 seconds" } },
        { name: "jq", taskReferenceName: "jq", type: "JSON_JQ_TRANSFORM", inputParameters: { queryExpression: "last(repeat(1))" } },
      ],
    };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const id = (await http(url, "POST", "/api/workflow", { name: "wait_then_jq", input: {} })).text;
    expect((await workflowOf(url, id)).tasks[0]).toMatchObject({ taskType: "WAIT", status: "IN_PROGRESS" });
    await kill(first.child);
    // The timer falls due while the server is down: the restart finds it due at once.
    await new Promise((resolve) => setTimeout(resolve, 3500));

    const second = await startServer(port, env, 30_000);
    children.push(second.child);
    // The first server took about as long to start; a blocked start-up never answers.
    expect(second.readyMs).toBeLessThan(Math.max(15_000, first.readyMs * 3));
    const workflow = await finished(url, id);
    expect(workflow.status).toBe("FAILED");
    expect(workflow.tasks.map((task) => [task.referenceTaskName, task.status])).toEqual([["pause", "COMPLETED"], ["jq", "FAILED"]]);
    expect(workflow.tasks[1]!.reasonForIncompletion).toBe("jq filter exceeded the 500 ms time limit (BATON_JQ_TIMEOUT_MS)");
    for (let i = 0; i < 5; i++) expect(await healthWithin(port, 1000)).toBeLessThan(1000);
  });
});
