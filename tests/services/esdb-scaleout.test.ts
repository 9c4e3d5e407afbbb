/**
 * Issue 13's scale-out test on the EventStoreDB stand-in (tests/support/esdb-standin,
 * not EventStoreDB): three Baton processes with BATON_CLUSTER share the work by
 * partition; official SDK workers poll all three; workflows mix SIMPLE tasks, a
 * WAIT timer, an EVENT reactor and a retried failure; one process is SIGKILLed
 * mid-run and started again. Then: every workflow COMPLETED; no task completion
 * stored twice; no task attempt handed to two workers; every timer fired once and
 * every failed attempt retried once; every EVENT claimed once; the workflows'
 * JSON equal on every process; `baton replay --url` equal on every process.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noopLogger, OrkesClients, type Task, TaskHandler } from "@io-orkes/conductor-javascript";
import { afterAll, describe, expect, it } from "vitest";
import { openEsdbEventStore } from "../../src/adapters/eventstore/esdb.ts";
import type { RecordedEvent } from "../../src/domain/ports.ts";
import { eventually, http } from "../support/baton.ts";
import { type EsdbStandin, startEsdbStandin } from "../support/esdb-standin/index.ts";
import { freePort, kill, startBatonProcess } from "../support/process.ts";
import { ownershipOf, runCli } from "../support/scaleout.ts";

const WORKFLOWS = 120;
const PARTITIONS = 24;
const HEARTBEAT_MS = 500;
const TAKEOVER_MS = 4000;

describe("three Baton processes on EventStoreDB (stand-in), one SIGKILLed", () => {
  let standin: EsdbStandin | undefined;
  const children = new Map<number, ChildProcess>();
  const dirs: string[] = [];
  const handlers: TaskHandler[] = [];
  afterAll(async () => {
    for (const handler of handlers) await handler.stopWorkers();
    for (const child of children.values()) await kill(child);
    await standin?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("completes every workflow, hands no attempt out twice, fires every timer once, and replays equal on every process", async () => {
    standin = await startEsdbStandin();
    const esdb = standin.connectionString;
    const ports = [await freePort(), await freePort(), await freePort()];
    const urls = ports.map((port) => `http://127.0.0.1:${port}`);
    const envOf = async () => {
      const dir = await mkdtemp(join(tmpdir(), "baton-scaleout-"));
      dirs.push(dir);
      return {
        BATON_EVENT_STORE: "esdb",
        ESDB_URL: esdb,
        DATA_DIR: dir,
        BATON_CLUSTER: "true",
        BATON_PARTITIONS: String(PARTITIONS),
        BATON_HEARTBEAT_MS: String(HEARTBEAT_MS),
        BATON_TAKEOVER_MS: String(TAKEOVER_MS),
        BATON_SWEEP_INTERVAL_MS: "100",
      };
    };
    const start = async (index: number) => children.set(index, await startBatonProcess(ports[index]!, await envOf()));
    await Promise.all([0, 1, 2].map(start));
    await eventually(async () => ((await Promise.all(urls.map(ownershipOf))).every((o) => o.members.length === 3) ? true : undefined), 20_000, 100);
    const shares = await Promise.all(urls.map(ownershipOf));
    expect(shares.flatMap((o) => o.partitions.owned).sort((a, b) => a - b)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));

    const defs = [
      { name: "sc_step", retryCount: 2, retryDelaySeconds: 0, responseTimeoutSeconds: 3, timeoutSeconds: 0 },
      { name: "sc_flaky", retryCount: 2, retryDelaySeconds: 1, responseTimeoutSeconds: 3, timeoutSeconds: 0 },
    ];
    expect((await http(urls[0]!, "POST", "/api/metadata/taskdefs", defs)).status).toBe(200);
    const definition = {
      name: "sc_flow",
      tasks: [
        { name: "sc_step", taskReferenceName: "one", inputParameters: { n: "${workflow.input.n}" } },
        { name: "pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "1 seconds" } },
        { name: "sc_flaky", taskReferenceName: "flaky", inputParameters: { v: "${one.output.v}" } },
        { name: "tell", taskReferenceName: "tell", type: "EVENT", sink: "sc_topic" },
        { name: "sc_step", taskReferenceName: "two", inputParameters: { n: "${flaky.output.v}" } },
      ],
      outputParameters: { v: "${two.output.v}" },
    };
    expect((await http(urls[1]!, "POST", "/api/metadata/workflow", definition)).status).toBe(200);
    await eventually(async () => ((await Promise.all(urls.map((url) => http(url, "GET", "/api/metadata/workflow/sc_flow")))).every((r) => r.status === 200) ? true : undefined));

    // SDK workers on every process; each records the attempts it was handed.
    const handedOut = new Map<string, number>();
    const record = (task: Task) => handedOut.set(String(task.taskId), (handedOut.get(String(task.taskId)) ?? 0) + 1);
    for (const url of urls) {
      delete process.env.CONDUCTOR_SERVER_URL;
      const clients = await OrkesClients.from({ serverUrl: url });
      const handler = new TaskHandler({
        client: clients.getClient(),
        scanForDecorated: false,
        logger: noopLogger,
        workers: [
          {
            taskDefName: "sc_step",
            concurrency: 4,
            pollInterval: 20,
            execute: async (task: Task) => (record(task), { status: "COMPLETED", outputData: { v: Number(task.inputData?.n) + 1 } }),
          },
          {
            taskDefName: "sc_flaky",
            concurrency: 4,
            pollInterval: 20,
            execute: async (task: Task) => {
              record(task);
              // The first attempt fails: its retry is a timer on the workflow's owner.
              if ((task.retryCount ?? 0) === 0) return { status: "FAILED", reasonForIncompletion: "first attempt fails", outputData: {} };
              return { status: "COMPLETED", outputData: { v: Number(task.inputData?.v) * 10 } };
            },
          },
        ],
      });
      handlers.push(handler);
      await handler.startWorkers();
    }

    const ids = await Promise.all(
      Array.from({ length: WORKFLOWS }, async (_, n) => (await http(urls[n % 3]!, "POST", "/api/workflow", { name: "sc_flow", input: { n } })).text),
    );
    expect(new Set(ids).size).toBe(WORKFLOWS);
    const statusesVia = async (url: string) =>
      Promise.all(ids.map(async (id) => (await http(url, "GET", `/api/workflow/${id}?includeTasks=false`)).json().status as string));

    // Mid-run: once some have completed and most have not, SIGKILL the second process.
    await eventually(async () => {
      const done = (await statusesVia(urls[0]!)).filter((s) => s === "COMPLETED").length;
      return done >= 10 ? done : undefined;
    }, 180_000, 100);
    const before = await statusesVia(urls[0]!);
    expect(before.filter((s) => s === "RUNNING").length).toBeGreaterThan(WORKFLOWS / 3);
    const victim = shares[1]!;
    const takeoversBefore = (await Promise.all([urls[0]!, urls[2]!].map(ownershipOf))).reduce((sum, o) => sum + o.takeovers, 0);
    const killedAt = Date.now();
    await kill(children.get(1)!);

    // The survivors take the dead member's partitions over within the takeover time (plus heartbeats and a loaded machine).
    const survivors = [urls[0]!, urls[2]!];
    await eventually(async () => {
      const now = await Promise.all(survivors.map(ownershipOf));
      return now.every((o) => !o.members.includes(victim.node)) && now.flatMap((o) => o.partitions.owned).length === PARTITIONS ? true : undefined;
    }, 20_000, 50);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(TAKEOVER_MS + 2 * HEARTBEAT_MS + 5_000);
    const after = await Promise.all(survivors.map(ownershipOf));
    expect(after.reduce((sum, o) => sum + o.takeovers, 0) - takeoversBefore).toBeGreaterThanOrEqual(victim.partitions.owned.length);
    expect(after.flatMap((o) => o.partitions.owned).sort((a, b) => a - b)).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));

    // Later the process comes back (a new member on the same port): its worker resumes polling it.
    await start(1);
    await eventually(async () => ((await Promise.all(urls.map(ownershipOf))).every((o) => o.members.length === 3) ? true : undefined), 20_000, 100);

    await eventually(async () => ((await statusesVia(urls[2]!)).every((s) => s === "COMPLETED") ? true : undefined), 120_000, 250);
    for (const handler of handlers.splice(0)) await handler.stopWorkers();

    // The same JSON on every process.
    for (const id of ids) {
      const [a, b, c] = await Promise.all(urls.map(async (url) => (await http(url, "GET", `/api/workflow/${id}`)).json()));
      expect(a.status).toBe("COMPLETED");
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    }

    const store = await openEsdbEventStore({ connectionString: esdb });
    let events: RecordedEvent[];
    try {
      events = (await store.readAll()).filter((e) => e.streamId.startsWith("workflow-"));
    } finally {
      await store.close();
    }
    const data = (e: RecordedEvent) => e.data as { taskId: string; taskType?: string; retriedTaskId?: string; workerId?: string };
    const count = (list: RecordedEvent[], key: (e: RecordedEvent) => string | undefined) => {
      const counts = new Map<string, number>();
      for (const e of list) {
        const k = key(e);
        if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      return counts;
    };
    const twice = (counts: Map<string, number>) => [...counts].filter(([, n]) => n > 1);

    // No task completion stored twice.
    const completions = count(events.filter((e) => e.type === "TaskCompleted"), (e) => data(e).taskId);
    expect(twice(completions)).toEqual([]);
    // No attempt handed to two workers (or twice to one), as the workers saw it and as the store recorded the claims.
    expect(twice(handedOut)).toEqual([]);
    expect(twice(count(events.filter((e) => e.type === "TaskStarted"), (e) => data(e).taskId))).toEqual([]);
    // Every WAIT timer fired once.
    const scheduled = events.filter((e) => e.type === "TaskScheduled");
    const waits = scheduled.filter((e) => data(e).taskType === "WAIT").map((e) => data(e).taskId);
    expect(waits).toHaveLength(WORKFLOWS);
    for (const taskId of waits) expect(completions.get(taskId)).toBe(1);
    // Every failed or timed-out attempt was retried once (a retry is a timer too).
    const ended = events.filter((e) => e.type === "TaskFailed" || e.type === "TaskTimedOut").map((e) => data(e).taskId);
    expect(ended.length).toBeGreaterThanOrEqual(WORKFLOWS);
    const retries = count(scheduled, (e) => data(e).retriedTaskId);
    for (const taskId of ended) expect(retries.get(taskId)).toBe(1);
    // Every EVENT task was claimed by a reactor once.
    const tells = scheduled.filter((e) => data(e).taskType === "EVENT").map((e) => data(e).taskId);
    expect(tells).toHaveLength(WORKFLOWS);
    const claims = count(events.filter((e) => e.type === "TaskStarted"), (e) => data(e).taskId);
    for (const taskId of tells) expect(claims.get(taskId)).toBe(1);

    // Replay equal to the live state on every process.
    for (const url of urls) {
      const replay = await runCli(["replay", "--url", url], { ...process.env, BATON_EVENT_STORE: "esdb", ESDB_URL: esdb });
      expect(replay.output).toMatch(/result: equal/);
      expect(replay.status).toBe(0);
    }
  }, 420_000);
});
