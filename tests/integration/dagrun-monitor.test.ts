import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalAirflow } from "../../src/adapters/airflow/local.ts";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";
import { AirflowCallError } from "../../src/domain/dagrun/airflow-error.ts";
import type { DagRunRequestedData } from "../../src/domain/dagrun/events.ts";
import type { Airflow, Bus, EventStore } from "../../src/domain/ports.ts";
import { createDagRunMonitor, type DagRunMonitor } from "../../src/engine/dagruns/monitor.ts";
import { createCommandHandler } from "../../src/engine/command-handler.ts";
import { dagRunDecider } from "../../src/domain/dagrun/decider.ts";
import { consumeMonitorQueue, requestDagRun } from "../../src/engine/dagruns/request-dag-run.ts";
import { ValidationError } from "../../src/domain/errors.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function requestOf(dagRunId: string, fields: Partial<DagRunRequestedData> = {}): DagRunRequestedData {
  return {
    dagRunId,
    dagId: "name_parse",
    conf: { output_prefix: `dagruns/name_parse/${dagRunId}/` },
    workflowId: "wf-1",
    taskId: "t1",
    eventType: "name_parse_completed",
    requestedAt: Date.now(),
    timeoutMs: 60_000,
    ...fields,
  };
}

async function request(store: EventStore, data: DagRunRequestedData) {
  const handle = createCommandHandler({ store, newId: () => crypto.randomUUID() });
  await handle(dagRunDecider, `dagrun-${data.dagRunId}`, { type: "RequestDagRun", request: data }, () => undefined, {});
}

const eventTypes = async (store: EventStore, id: string) => (await store.readStream(`dagrun-${id}`)).map((e) => e.type);

function completions(bus: Bus) {
  const received: any[] = [];
  bus.subscribe("conductor-events", async (m) => {
    received.push(JSON.parse(m.value));
  });
  return received;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An Airflow whose answers the test scripts. */
function scriptedAirflow(answers: { trigger?: (() => "created" | "exists")[]; state?: () => string } = {}) {
  const triggers = [...(answers.trigger ?? [])];
  const airflow: Airflow & { triggerCalls: number; stateCalls: number } = {
    kind: "scripted",
    triggerCalls: 0,
    stateCalls: 0,
    async trigger(run) {
      airflow.triggerCalls++;
      const next = triggers.shift();
      return { outcome: next ? next() : "created", url: `scripted:${run.dagRunId}` };
    },
    async state() {
      airflow.stateCalls++;
      return answers.state ? answers.state() : "success";
    },
  };
  return airflow;
}

function monitorOf(deps: Partial<Parameters<typeof createDagRunMonitor>[0]> & { store: EventStore; bus: Bus; airflow: Airflow }): DagRunMonitor {
  const monitor = createDagRunMonitor({ intervalMs: 20, ...deps });
  closers.push(() => monitor.close());
  return monitor;
}

describe("local executor", () => {
  it("runs a DAG function with Airflow's states: queued, running, success; a throwing DAG ends failed", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const airflow = createLocalAirflow({
      dags: {
        slow: async () => gate,
        broken: async () => {
          throw new Error("bad input");
        },
      },
    });
    expect(await airflow.trigger({ dagId: "slow", dagRunId: "r1", conf: {} })).toEqual({ outcome: "created", url: "local:dags/slow/dagRuns/r1" });
    expect(await airflow.state("slow", "r1")).toBe("queued");
    await new Promise((r) => setTimeout(r, 5));
    expect(await airflow.state("slow", "r1")).toBe("running");
    expect((await airflow.trigger({ dagId: "slow", dagRunId: "r1", conf: {} })).outcome).toBe("exists");
    release();
    await airflow.settled("slow", "r1");
    expect(await airflow.state("slow", "r1")).toBe("success");
    await airflow.trigger({ dagId: "broken", dagRunId: "r2", conf: {} });
    await airflow.settled("broken", "r2");
    expect(await airflow.state("broken", "r2")).toBe("failed");
  });

  it("refuses an unknown DAG and an unknown run, as not worth retrying", async () => {
    const airflow = createLocalAirflow({ dags: { known: async () => {} } });
    const unknownDag = await airflow.trigger({ dagId: "nope", dagRunId: "r", conf: {} }).catch((e: unknown) => e);
    expect(unknownDag).toBeInstanceOf(AirflowCallError);
    expect(unknownDag).toMatchObject({ transient: false, message: "local executor: no DAG 'nope' (registered: known)" });
    await expect(airflow.state("known", "missing")).rejects.toMatchObject({ transient: false });
  });
});

describe("DAG-run monitor", () => {
  it("drives a local DAG to a published completion with the stats and output URIs, the whole history in the stream", async () => {
    const dir = await mkdtemp(join(tmpdir(), "baton-dagrun-"));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const objects = createFsObjectStore(dir);
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const received = completions(bus);
    const airflow = createLocalAirflow({
      dags: {
        name_parse: async ({ conf }) => {
          await objects.put(`${conf.output_prefix}parsed.csv`, "first,last\nAda,Lovelace\n");
          await objects.put(`${conf.output_prefix}name_parse_Stats.jsonl`, '{"records":1}\n');
        },
      },
    });
    const monitor = monitorOf({ store, bus, airflow, artifacts: { source: objects, target: objects } });
    await request(store, requestOf("wf-1-t1"));
    expect(monitor.own("wf-1-t1")).toBe(true);
    expect(monitor.own("wf-1-t1")).toBe(false);
    await until(() => received.length === 1, "the completion");
    const prefix = "dagruns/name_parse/wf-1-t1/";
    expect(received[0]).toMatchObject({
      workflowId: "wf-1",
      taskId: "t1",
      eventType: "name_parse_completed",
      data: {
        status: "success",
        dag_id: "name_parse",
        dag_run_id: "wf-1-t1",
        stats_url: objects.uri(`${prefix}name_parse_Stats.jsonl`),
        output_uri: objects.uri(`${prefix}parsed.csv`),
      },
    });
    expect(received[0].data.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    await until(async () => (await eventTypes(store, "wf-1-t1")).includes("DagRunCompletionPublished"), "the recorded completion");
    const history = (await store.readStream("dagrun-wf-1-t1")).map((e) => (e.type === "DagRunStateObserved" ? `observed ${(e.data as any).state}` : e.type));
    expect(history.slice(0, 2)).toEqual(["DagRunRequested", "DagRunTriggered"]);
    expect(history.slice(-4)).toEqual(["observed success", "DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]);
    // Only changes are recorded: each state at most once, in Airflow's order.
    const observed = history.filter((h) => h.startsWith("observed "));
    expect(["observed queued", "observed running", "observed success"].filter((h) => observed.includes(h))).toEqual(observed);
    const synced = (await store.readStream("dagrun-wf-1-t1")).find((e) => e.type === "DagRunArtifactsSynced")!.data as any;
    expect(synced.objects).toEqual([
      expect.objectContaining({ kind: "stats", size: 14, etag: expect.stringMatching(/^[0-9a-f]{32}$/) }),
      expect.objectContaining({ kind: "output", size: 24 }),
    ]);
    expect(monitor.owned()).toEqual([]);
  });

  it("copies artifacts between two stores, streamed and verified, in the original layout", async () => {
    const dir = await mkdtemp(join(tmpdir(), "baton-dagrun-"));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const s3 = createFsObjectStore(join(dir, "s3"));
    const minio = createFsObjectStore(join(dir, "minio"));
    await s3.put("dagruns/name_parse/r9/out/part-0.csv", "a,b\n");
    await s3.put("dagruns/name_parse/r9/name_parse_Stats.jsonl", "{}\n");
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const received = completions(bus);
    const monitor = monitorOf({ store, bus, airflow: scriptedAirflow(), artifacts: { source: s3, target: minio } });
    await request(store, requestOf("r9"));
    monitor.own("r9");
    await until(() => received.length === 1, "the completion");
    expect(received[0].data.stats_url).toBe(minio.uri("dagruns/name_parse/r9/name_parse_Stats.jsonl"));
    expect(received[0].data.output_uris).toEqual([minio.uri("dagruns/name_parse/r9/out/part-0.csv")]);
    expect((await minio.head("dagruns/name_parse/r9/out/part-0.csv"))?.etag).toBe((await s3.head("dagruns/name_parse/r9/out/part-0.csv"))?.etag);
  });

  it("retries a transient trigger error with doubling back-off, then fails the run with the reason", async () => {
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const received = completions(bus);
    const slept: number[] = [];
    let attempts = 0;
    const airflow: Airflow = {
      kind: "airflow2",
      async trigger() {
        attempts++;
        throw new AirflowCallError("airflow2: POST /dags/name_parse/dagRuns answered 503: busy", true, 503);
      },
      async state() {
        return "running";
      },
    };
    monitorOf({ store, bus, airflow, sleep: async (ms) => void slept.push(ms) }).own((await request(store, requestOf("r1")), "r1"));
    await until(() => received.length === 1, "the failed completion");
    expect(attempts).toBe(3);
    expect(slept).toEqual([2_000, 4_000]);
    expect(received[0].data).toMatchObject({
      status: "failed",
      error_message: "could not trigger DAG 'name_parse' (run 'r1') on airflow2 after 3 attempts: airflow2: POST /dags/name_parse/dagRuns answered 503: busy",
    });
  });

  it("gives up at once on an error that is not transient", async () => {
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const received = completions(bus);
    let attempts = 0;
    const airflow: Airflow = {
      kind: "airflow3",
      async trigger() {
        attempts++;
        throw new AirflowCallError("airflow3: POST /dags/x/dagRuns answered 404: DAG not found", false, 404);
      },
      async state() {
        return "running";
      },
    };
    await request(store, requestOf("r2"));
    monitorOf({ store, bus, airflow, sleep: async () => {} }).own("r2");
    await until(() => received.length === 1, "the failed completion");
    expect(attempts).toBe(1);
    expect(received[0].data.error_message).toMatch(/answered 404: DAG not found$/);
  });

  it("a 409 (run exists) monitors the existing run", async () => {
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const received = completions(bus);
    const airflow = scriptedAirflow({ trigger: [() => "exists"] });
    await request(store, requestOf("r3"));
    monitorOf({ store, bus, airflow }).own("r3");
    await until(() => received.length === 1, "the completion");
    const triggered = (await store.readStream("dagrun-r3")).find((e) => e.type === "DagRunTriggered")!;
    expect(triggered.data).toMatchObject({ existing: true, url: "scripted:r3" });
    expect(received[0].data.status).toBe("success");
    expect(received[0].data.error_message).toBeUndefined();
  });

  it("times a run out and publishes the failure", async () => {
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const received = completions(bus);
    let now = 0;
    const airflow = scriptedAirflow({ state: () => "running" });
    await request(store, requestOf("r4", { timeoutMs: 1_000, requestedAt: 0 }));
    const monitor = monitorOf({ store, bus, airflow, clock: () => now, intervalMs: 10 });
    monitor.own("r4");
    await until(async () => (await eventTypes(store, "r4")).includes("DagRunStateObserved"), "the first poll");
    now = 1_000;
    await until(() => received.length === 1, "the timeout");
    expect(received[0].data).toMatchObject({ status: "failed" });
    expect(received[0].data.error_message).toMatch(/did not finish within 1 s \(last state: running\)/);
    expect(await eventTypes(store, "r4")).toEqual(["DagRunRequested", "DagRunTriggered", "DagRunStateObserved", "DagRunTimedOut", "DagRunCompletionPublished"]);
  });

  it("resumes unfinished runs from the streams after a restart and monitors each once", async () => {
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const received = completions(bus);
    let state = "running";
    const first = scriptedAirflow({ state: () => state });
    const before = monitorOf({ store, bus, airflow: first });
    await request(store, requestOf("a"));
    await request(store, requestOf("b"));
    before.own("a");
    before.own("b");
    await until(async () => (await eventTypes(store, "a")).includes("DagRunStateObserved") && (await eventTypes(store, "b")).includes("DagRunStateObserved"), "both running");
    await before.close(); // the process stops
    // One run was requested but never triggered before the stop: the new monitor triggers it.
    await request(store, requestOf("c"));
    const after = scriptedAirflow({ state: () => state, trigger: [() => "created"] });
    const restarted = monitorOf({ store, bus, airflow: after });
    const known = ["a", "b", "c"].map((id) => ({ id, phase: id === "c" ? ("requested" as const) : ("triggered" as const), completionPublished: false }));
    expect(restarted.resume(known)).toBe(3);
    expect(restarted.resume(known)).toBe(0);
    expect(restarted.own("a")).toBe(false);
    state = "success";
    await until(() => received.length === 3, "three completions");
    expect(received.map((c) => c.data.dag_run_id).sort()).toEqual(["a", "b", "c"]);
    expect(after.triggerCalls).toBe(1);
    for (const id of ["a", "b"]) {
      const types = await eventTypes(store, id);
      expect(types.filter((t) => t === "DagRunTriggered")).toHaveLength(1);
      expect(types.filter((t) => t === "DagRunCompletionPublished")).toHaveLength(1);
    }
    // A finished run is not taken again.
    const third = monitorOf({ store, bus, airflow: scriptedAirflow() });
    expect(third.resume([{ id: "a", phase: "succeeded", completionPublished: true }])).toBe(0);
  });

  it("polls with bounded concurrency", async () => {
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    let active = 0;
    let peak = 0;
    let calls = 0;
    const airflow: Airflow = {
      kind: "slow",
      async trigger(run) {
        return { outcome: "created", url: run.dagRunId };
      },
      async state() {
        calls++;
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return "running";
      },
    };
    const monitor = monitorOf({ store, bus, airflow, concurrency: 4, intervalMs: 5 });
    for (let i = 0; i < 12; i++) {
      await request(store, requestOf(`p${i}`));
      monitor.own(`p${i}`);
    }
    await until(() => calls >= 36, "three rounds of polls");
    expect(peak).toBe(4);
  });

  it("a local run lost in a restart is run again under the same id, and completes", async () => {
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const received = completions(bus);
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const dags = {
      name_parse: async () => {
        runs++;
        if (runs === 1) await gate;
      },
    };
    const before = monitorOf({ store, bus, airflow: createLocalAirflow({ dags }) });
    await request(store, requestOf("lost"));
    before.own("lost");
    await until(async () => (await eventTypes(store, "lost")).includes("DagRunStateObserved"), "the first poll");
    await before.close();
    release();
    const after = monitorOf({ store, bus, airflow: createLocalAirflow({ dags }) });
    after.resume([{ id: "lost", phase: "triggered", completionPublished: false }]);
    await until(() => received.length === 1, "the completion");
    expect(runs).toBe(2);
    expect(received[0].data.status).toBe("success");
    expect((await eventTypes(store, "lost")).filter((t) => t === "DagRunTriggered")).toHaveLength(1);
  });

  it("requestDagRun records the request and hands the run over dag-monitor-queue; a malformed hand-off names the field", async () => {
    const store = createMemoryEventStore();
    const handlerErrors: unknown[] = [];
    const bus = createMemoryBus((error) => handlerErrors.push(error));
    const received = completions(bus);
    const monitor = monitorOf({ store, bus, airflow: scriptedAirflow() });
    const queue = consumeMonitorQueue({ bus, monitor });
    closers.push(() => queue.close());
    const handOffs: string[] = [];
    bus.subscribe("dag-monitor-queue", async (m) => void handOffs.push(m.value), { group: "observer" });
    const handle = createCommandHandler({ store, newId: () => crypto.randomUUID() });
    await requestDagRun({ handle, bus }, requestOf("q1"), { kind: "system" });
    await until(() => received.length === 1, "the completion");
    expect(handOffs.map((v) => JSON.parse(v))).toEqual([{ dagRunId: "q1", dagId: "name_parse", workflowId: "wf-1" }]);
    await bus.publish("dag-monitor-queue", { value: JSON.stringify({ dagId: "x" }) });
    await until(() => handlerErrors.length === 1, "the refusal");
    expect(handlerErrors[0]).toBeInstanceOf(ValidationError);
    expect((handlerErrors[0] as ValidationError).fieldErrors[0]!.path).toBe("dagRunId");
  });
});
