/**
 * The `baton` CLI as a user runs it (`node --import tsx src/cli/baton.ts`),
 * against the file store of a Baton server this test drives.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, removeDir, startBaton, type TestBaton } from "../support/baton.ts";

const ROOT = join(import.meta.dirname, "..", "..");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function baton(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = { ...process.env };
  delete clean.DATA_DIR;
  delete clean.BATON_EVENT_STORE;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/baton.ts", ...args],
      { cwd: ROOT, env: { ...clean, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("baton CLI", () => {
  let server: TestBaton;
  let dir: string;
  let done: string;
  let pending: string;
  const copies: string[] = [];

  beforeAll(async () => {
    server = await startBaton({ store: "file" });
    dir = server.dataDir!;
    await http(server.url, "POST", "/api/metadata/taskdefs", [{ name: "cli_task", retryCount: 0 }]);
    await http(server.url, "POST", "/api/metadata/workflow", {
      name: "cli_flow",
      tasks: [
        { name: "cli_task", taskReferenceName: "first" },
        { name: "cli_task", taskReferenceName: "second" },
      ],
    });
    done = (await http(server.url, "POST", "/api/workflow", { name: "cli_flow", input: { n: 1 } })).text;
    for (let i = 0; i < 2; i++) {
      const [task] = (await http(server.url, "GET", "/api/tasks/poll/batch/cli_task?workerid=cli-worker&count=1&timeout=0")).json();
      await http(server.url, "POST", "/api/tasks", {
        workflowInstanceId: done,
        taskId: task.taskId,
        status: "COMPLETED",
        outputData: { i },
        workerId: "cli-worker",
      });
    }
    pending = (await http(server.url, "POST", "/api/workflow", { name: "cli_flow", input: { n: 2 } })).text;
  });

  afterAll(async () => {
    await server.close();
    await removeDir(dir);
    for (const copy of copies) await removeDir(copy);
  });

  describe("replay", () => {
    it("rebuilds every projection, reports events/s and compares with an incremental rebuild", async () => {
      const run = await baton(["replay", "--data-dir", dir]);
      expect(run.stderr).toContain("rebuilding projections 100%");
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/replayed \d+ events of \d+ streams \(2 workflows\) in [\d.]+ s: [\d,]+ events\/s/);
      expect(run.stdout).toContain("incremental rebuild (catch-up subscription");
      expect(run.stdout).toContain("result: equal");
    });

    it("reads the store `npm start` is configured with (DATA_DIR)", async () => {
      const run = await baton(["replay"], { DATA_DIR: dir, BATON_EVENT_STORE: "file" });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`file store in ${dir}`);
    });

    it("compares with a running server's REST answers", async () => {
      const run = await baton(["replay", "--data-dir", dir, "--url", server.url]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`live server at ${server.url} (GET /api/workflow/{id} for 2 workflows; the server holds 2`);
      expect(run.stdout).toContain("result: equal");
    });

    it("exits 1 with a summary when the live state differs from the replayed one", async () => {
      const stale = await mkdtemp(join(tmpdir(), "baton-cli-stale-"));
      copies.push(stale);
      await cp(dir, stale, { recursive: true });
      // The server moves on; the copy does not.
      await http(server.url, "GET", "/api/tasks/poll/batch/cli_task?workerid=late-worker&count=1&timeout=0");
      const run = await baton(["replay", "--data-dir", stale, "--url", server.url]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toContain("result: DIFFERENT");
      expect(run.stdout).toContain(`workflows.${pending}:`);
      expect(run.stdout).toMatch(new RegExp(`workflows\\.${pending}\\.tasks\\[0\\]\\.status: replayed "SCHEDULED", live "IN_PROGRESS"`));
    });
  });

  describe("audit", () => {
    it("prints the timeline as an aligned table", async () => {
      const run = await baton(["audit", done, "--data-dir", dir]);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^TIME\s+REV\s+EVENT\s+TASK\s+STATUS\s+SOURCE$/);
      expect(lines).toHaveLength(1 + 8);
      const columns = ["REV", "EVENT", "TASK", "STATUS", "SOURCE"].map((title) => lines[0]!.indexOf(title));
      const row = (event: string, ref = "") => lines.find((line) => line.includes(` ${event} `) && line.includes(ref))!;
      expect(row("WorkflowStarted")).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\s+0\s+WorkflowStarted\s+RUNNING\s+rest POST \/api\/workflow$/);
      expect(row("TaskStarted", "first")).toMatch(/TaskStarted\s+first\s+IN_PROGRESS\s+worker cli-worker$/);
      expect(row("TaskCompleted", "second")).toMatch(/TaskCompleted\s+second\s+COMPLETED\s+worker cli-worker$/);
      expect(lines.at(-1)).toMatch(/WorkflowCompleted\s+COMPLETED\s+worker cli-worker$/);
      for (const line of lines.slice(1)) {
        expect(line.slice(columns[0]!).match(/^\d+ /), line).not.toBeNull();
        expect(line[columns[1]! - 1], line).toBe(" ");
        expect(line.slice(columns[3]!).match(/^[A-Z_]+ /), line).not.toBeNull();
      }
    });

    it("prints the timeline as JSON with --json", async () => {
      const run = await baton(["audit", done, "--data-dir", dir, "--json"]);
      expect(run.code, run.stderr).toBe(0);
      const timeline = JSON.parse(run.stdout);
      expect(timeline.map((e: { type: string }) => e.type)).toContain("WorkflowCompleted");
      expect(timeline).toEqual((await http(server.url, "GET", `/api/workflow/${done}/timeline`)).json());
    });
  });

  describe("state", () => {
    it("prints the Conductor JSON as it was after a revision", async () => {
      const run = await baton(["state", done, "--at", "2", "--data-dir", dir]);
      expect(run.code, run.stderr).toBe(0);
      const json = JSON.parse(run.stdout);
      expect(json).toMatchObject({ workflowId: done, status: "RUNNING" });
      expect(json.tasks.map((t: { referenceTaskName: string; status: string }) => [t.referenceTaskName, t.status])).toEqual([
        ["first", "IN_PROGRESS"],
      ]);
      const latest = JSON.parse((await baton(["state", done, "--at", "7", "--data-dir", dir])).stdout);
      expect(latest).toEqual((await http(server.url, "GET", `/api/workflow/${done}`)).json());
    });

    it("prints the Conductor JSON as it was at a time", async () => {
      const timeline = (await http(server.url, "GET", `/api/workflow/${done}/timeline`)).json();
      const end = timeline.at(-1);
      const run = await baton(["state", done, "--at", end.time, "--data-dir", dir]);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).status).toBe("COMPLETED");
      const byEpoch = await baton(["state", done, "--at", String(timeline[0].timeMs), "--data-dir", dir]);
      expect(JSON.parse(byEpoch.stdout).status).toBe("RUNNING");
    });
  });

  describe("bad input exits 2 with a message", () => {
    const cases: [string, () => string[], Record<string, string>, RegExp][] = [
      ["an unknown workflow id", () => ["audit", "no-such-id", "--data-dir", dir], {}, /no workflow with id 'no-such-id' in the file store in /],
      ["an unknown flag", () => ["replay", "--data-dir", dir, "--fast"], {}, /replay: Unknown option '--fast'/],
      ["a missing argument", () => ["audit", "--data-dir", dir], {}, /audit: expected <workflowId>, got none/],
      ["a missing --at", () => ["state", done, "--data-dir", dir], {}, /state: --at <revision\|time> is required/],
      ["a revision out of range", () => ["state", done, "--at", "99", "--data-dir", dir], {}, /--at 99: revision: expected a whole number from 0 to 7/],
      ["an unparsable time", () => ["state", done, "--at", "last tuesday", "--data-dir", dir], {}, /--at last tuesday: time: expected an ISO 8601/],
      ["a directory without a log", () => ["replay", "--data-dir", join(dir, "missing")], {}, /cannot open the file store .*no event log at/],
      ["the memory store", () => ["replay"], { BATON_EVENT_STORE: "memory" }, /BATON_EVENT_STORE=memory keeps events inside the server process/],
      ["an unknown command", () => ["rewind"], {}, /unknown command 'rewind'/],
      ["an unreachable server", () => ["replay", "--data-dir", dir, "--url", "http://127.0.0.1:1"], {}, /cannot reach Baton at http:\/\/127\.0\.0\.1:1/],
    ];
    it.each(cases)("%s", async (_name, args, env, message) => {
      const run = await baton(args(), env);
      expect(run.stderr).toMatch(message);
      expect(run.code, run.stderr).toBe(2);
    });
  });
});
