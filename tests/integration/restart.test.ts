import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { http, removeDir } from "../support/baton.ts";
import { freePort, kill, startBatonProcess } from "../support/process.ts";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("restart on the file store", () => {
  let dataDir: string | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) await kill(child);
    await removeDir(dataDir);
  });

  it("finishes half-done workflows after a SIGKILL, with unchanged JSON for finished tasks", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "baton-restart-"));
    const port = await freePort();
    const first = await startBatonProcess(port, { DATA_DIR: dataDir, BATON_EVENT_STORE: "file" });
    children.push(first);
    const url = `http://127.0.0.1:${port}`;

    expect((await http(url, "POST", "/api/metadata/taskdefs", [{ name: "r_step", retryCount: 0 }])).status).toBe(200);
    const definition = {
      name: "r_flow",
      tasks: [
        { name: "r_step", taskReferenceName: "one", inputParameters: { n: "${workflow.input.n}" } },
        { name: "r_step", taskReferenceName: "two", inputParameters: { prev: "${one.output.v}" } },
        { name: "r_step", taskReferenceName: "three", inputParameters: { prev: "${two.output.v}" } },
      ],
      outputParameters: { v: "${three.output.v}" },
    };
    expect((await http(url, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) ids.push((await http(url, "POST", "/api/workflow", { name: "r_flow", input: { n } })).text);

    // Half-way: complete the first task of every workflow, poll (but do not finish) the second of half of them.
    const work = async (count: number) => {
      const polled = (await http(url, "GET", `/api/tasks/poll/batch/r_step?workerid=w&count=${count}&timeout=500`)).json() as {
        taskId: string;
        workflowInstanceId: string;
        inputData: { n?: number; prev?: number };
      }[];
      return polled;
    };
    const complete = async (task: { taskId: string; workflowInstanceId: string; inputData: { n?: number; prev?: number } }) => {
      const v = (task.inputData.n ?? task.inputData.prev ?? 0) + 1;
      const res = await http(url, "POST", "/api/tasks", {
        workflowInstanceId: task.workflowInstanceId,
        taskId: task.taskId,
        status: "COMPLETED",
        outputData: { v },
        workerId: "w",
      });
      expect(res.status).toBe(200);
    };
    for (const task of await work(20)) await complete(task);
    const inFlight = await work(10);
    expect(inFlight).toHaveLength(10);

    const before = new Map<string, any>();
    for (const id of ids) before.set(id, (await http(url, "GET", `/api/workflow/${id}`)).json());

    await kill(first);
    const second = await startBatonProcess(port, { DATA_DIR: dataDir, BATON_EVENT_STORE: "file" });
    children.push(second);

    // Everything finished before the kill reads back exactly as it was.
    for (const id of ids) {
      const after = (await http(url, "GET", `/api/workflow/${id}`)).json();
      expect(after.status).toBe("RUNNING");
      const finishedBefore = before.get(id).tasks.filter((t: any) => t.status === "COMPLETED");
      const sameAfter = after.tasks.filter((t: any) => finishedBefore.some((b: any) => b.taskId === t.taskId));
      expect(sameAfter).toEqual(finishedBefore);
      expect(after.tasks.length).toBe(before.get(id).tasks.length);
    }

    // The tasks polled before the kill are still IN_PROGRESS; their worker reports after the restart.
    for (const task of inFlight) await complete(task);
    for (let round = 0; round < 10; round++) {
      const tasks = await work(20);
      if (tasks.length === 0) break;
      for (const task of tasks) await complete(task);
    }
    for (const [n, id] of ids.entries()) {
      const done = (await http(url, "GET", `/api/workflow/${id}`)).json();
      expect(done.status).toBe("COMPLETED");
      expect(done.output).toEqual({ v: n + 3 });
    }
  });
});
