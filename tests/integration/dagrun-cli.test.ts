/** `baton audit` and `baton replay` on a file store holding DAG runs, run in process (runCli). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { runCli } from "../../src/cli/baton.ts";
import { dagRunDecider } from "../../src/domain/dagrun/decider.ts";
import type { DagRunCommand } from "../../src/domain/dagrun/commands.ts";
import { createCommandHandler } from "../../src/engine/command-handler.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-dagrun-cli-"));
  const store = await openFileEventStore({ dir, fsync: false });
  const handle = createCommandHandler({ store, newId: () => crypto.randomUUID() });
  const commands: DagRunCommand[] = [
    {
      type: "RequestDagRun",
      request: { dagRunId: "wf-9-t1", dagId: "email_hygiene", conf: {}, workflowId: "wf-9", taskId: "t1", eventType: "email_hygiene_completed", requestedAt: 1_000, timeoutMs: 60_000 },
    },
    { type: "RecordTrigger", url: "local:dags/email_hygiene/dagRuns/wf-9-t1", existing: false, at: 1_100 },
    { type: "ObserveState", state: "running", at: 1_200 },
    { type: "ObserveState", state: "failed", at: 1_300 },
    { type: "RecordCompletionPublished", topic: "conductor-events", at: 1_400 },
  ];
  for (const command of commands) await handle(dagRunDecider, "dagrun-wf-9-t1", command, () => undefined, { source: { kind: "system", detail: "dag-run monitor" } });
  await store.close();
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (text) => out.push(text), err: { write: (text: string) => err.push(text) }, env: { BATON_EVENT_STORE: "file", DATA_DIR: dir } });
  return { code, stdout: out.join("\n"), stderr: err.join("") };
}

describe("baton CLI on DAG runs", () => {
  it("audit <dagRunId> prints the run's events", async () => {
    const run = await cli(["audit", "wf-9-t1"]);
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.split("\n");
    expect(rows[0]).toMatch(/^TIME\s+REV\s+EVENT\s+DETAIL\s+SOURCE$/);
    expect(rows.slice(1).map((row) => row.split(/\s{2,}/)[2])).toEqual([
      "DagRunRequested",
      "DagRunTriggered",
      "DagRunStateObserved",
      "DagRunStateObserved",
      "DagRunFailed",
      "DagRunCompletionPublished",
    ]);
    expect(run.stdout).toContain("DAG run 'wf-9-t1' of DAG 'email_hygiene' ended failed");
    expect(run.stdout).toContain("failed on conductor-events as email_hygiene_completed");
    const json = JSON.parse((await cli(["audit", "wf-9-t1", "--json"])).stdout) as { revision: number; type: string }[];
    expect(json.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("replay rebuilds DAG runs and finds the full and incremental rebuilds equal", async () => {
    const run = await cli(["replay"]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/\(0 workflows, 1 DAG runs\)/);
    expect(run.stdout).toContain("DAG runs");
    expect(run.stdout).toContain("result: equal");
  });

  it("an id that is neither a workflow nor a DAG run is still an unknown workflow", async () => {
    const run = await cli(["audit", "nope"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no workflow with id 'nope'/);
  });
});
