/**
 * Issue 5's crash test: Baton runs as its own process on the EventStoreDB
 * stand-in (tests/support/esdb-standin, not EventStoreDB), is SIGKILLed while
 * 200 workflows run, and is started again: every workflow completes, no task
 * completion is applied twice, and `baton replay --url` finds the rebuilt read
 * models equal to the live ones.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { openEsdbEventStore } from "../../src/adapters/eventstore/esdb.ts";
import { type EsdbStandin, startEsdbStandin } from "../support/esdb-standin/index.ts";
import { eventually, http } from "../support/baton.ts";
import { freePort, kill, startBatonProcess } from "../support/process.ts";

function env(port: number, esdbUrl: string) {
  return { ...process.env, PORT: String(port), HOST: "127.0.0.1", BATON_EVENT_STORE: "esdb", ESDB_URL: esdbUrl };
}

async function runCli(args: string[], environment: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/baton.ts", ...args], { env: environment });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const status = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { status, output };
}

interface PolledTask {
  taskId: string;
  workflowInstanceId: string;
  inputData: { n?: number; prev?: number };
}

describe("SIGKILL on EventStoreDB (stand-in)", () => {
  let standin: EsdbStandin | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) await kill(child);
    await standin?.stop();
  });

  it("completes every workflow after a crash, applies no completion twice, and replays equal to live", async () => {
    standin = await startEsdbStandin();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    children.push(await startBatonProcess(port, { BATON_EVENT_STORE: "esdb", ESDB_URL: standin.connectionString }));

    expect((await http(url, "POST", "/api/metadata/taskdefs", [{ name: "k_step", retryCount: 2, retryDelaySeconds: 0, responseTimeoutSeconds: 5 }])).status).toBe(200);
    const definition = {
      name: "k_flow",
      tasks: ["one", "two", "three"].map((ref, i) => ({
        name: "k_step",
        taskReferenceName: ref,
        inputParameters: i === 0 ? { n: "${workflow.input.n}" } : { prev: `\${${["one", "two"][i - 1]}.output.v}` },
      })),
      outputParameters: { v: "${three.output.v}" },
    };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const ids = await Promise.all(
      Array.from({ length: 200 }, async (_, n) => (await http(url, "POST", "/api/workflow", { name: "k_flow", input: { n } })).text),
    );

    const complete = (task: PolledTask) =>
      http(url, "POST", "/api/tasks", {
        workflowInstanceId: task.workflowInstanceId,
        taskId: task.taskId,
        status: "COMPLETED",
        outputData: { v: (task.inputData.n ?? task.inputData.prev ?? 0) + 1 },
        workerId: "kill-test",
      });
    const poll = async (count: number): Promise<PolledTask[]> =>
      (await http(url, "GET", `/api/tasks/poll/batch/k_step?workerid=kill-test&count=${count}&timeout=200`)).json();

    // Work on the first tasks while the kill lands: some completions are in flight.
    for (const task of await poll(150)) await complete(task);
    const inFlight = await poll(100);
    const racing = inFlight.slice(0, 50).map((task) => complete(task).catch(() => undefined));
    await kill(children[0]!);
    await Promise.all(racing);

    children.push(await startBatonProcess(port, { BATON_EVENT_STORE: "esdb", ESDB_URL: standin.connectionString }));
    // Workers whose tasks were lost with the process get them back after the response timeout (5 s).
    await eventually(
      async () => {
        for (const task of await poll(100)) await complete(task);
        const statuses = await Promise.all(ids.map(async (id) => (await http(url, "GET", `/api/workflow/${id}?includeTasks=false`)).json().status));
        return statuses.every((s) => s === "COMPLETED") ? true : undefined;
      },
      90_000,
      200,
    );
    for (const [n, id] of ids.entries()) {
      expect((await http(url, "GET", `/api/workflow/${id}?includeTasks=false`)).json().output).toEqual({ v: n + 3 });
    }

    // No task completion was applied twice: one TaskCompleted per task id in the store.
    const store = await openEsdbEventStore({ connectionString: standin.connectionString });
    try {
      const completions = new Map<string, number>();
      for (const event of await store.readAll()) {
        if (event.type !== "TaskCompleted") continue;
        const taskId = (event.data as { taskId: string }).taskId;
        completions.set(taskId, (completions.get(taskId) ?? 0) + 1);
      }
      expect(completions.size).toBeGreaterThanOrEqual(600);
      expect([...completions.values()].filter((count) => count > 1)).toEqual([]);
    } finally {
      await store.close();
    }

    // Not spawnSync: the stand-in runs in this process and must keep answering.
    const replay = await runCli(["replay", "--url", url], env(port, standin.connectionString));
    expect(replay.output).toMatch(/result: equal/);
    expect(replay.status).toBe(0);
  });
});
