/**
 * DAG runs with several Baton processes on one store (issue 12, with the
 * partitioned ownership of issue 13): the monitor drives a run only on the
 * process that owns its workflow's partition, whichever process got the
 * request and the hand-off, so Airflow is triggered and polled for each run by
 * one process; when that process leaves, the new owner takes the run over from
 * the read side and finishes it.
 *
 * Two engines share a memory store (their read models follow it as EventStoreDB's
 * `$all` would) and one memory bus on which every subscriber gets every message:
 * both airflow-adapters record each request and both monitors are handed each
 * run, the worst case for "polled once".
 */
import { afterEach, describe, expect, it } from "vitest";
import { createLocalAirflow } from "../../src/adapters/airflow/local.ts";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { partitionOf } from "../../src/domain/cluster/partitions.ts";
import type { Airflow } from "../../src/domain/ports.ts";
import { type DagRuns, startDagRuns } from "../../src/engine/dagruns/dag-runs.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { eventually } from "../support/baton.ts";

const PARTITIONS = 16;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

type Call = { node: string; kind: "trigger" | "state"; dagRunId: string };

describe("DAG runs across processes sharing one store", () => {
  it("each run is triggered and polled only by the owner of its workflow; a leaving owner's running run is finished by the new owner", async () => {
    const store = createMemoryEventStore();
    const bus = createMemoryBus();
    const calls: Call[] = [];
    const gates = new Map<string, Promise<void>>();
    // One Airflow both processes talk to; a run waits at its workflow's gate, if any.
    const airflow = createLocalAirflow({ dags: { slow: async ({ conf }) => void (await gates.get(String(conf.workflowId))) } });
    const countedBy = (node: string): Airflow => ({
      ...airflow,
      trigger: (run) => (calls.push({ node, kind: "trigger", dagRunId: run.dagRunId }), airflow.trigger(run)),
      state: (dagId, dagRunId) => (calls.push({ node, kind: "state", dagRunId }), airflow.state(dagId, dagRunId)),
    });

    const boot = async (node: string) => {
      const engine = await createEngine({ store, bus, sweepIntervalMs: 50, cluster: { nodeId: node, partitions: PARTITIONS, heartbeatMs: 40, takeoverMs: 400 } });
      const dagRuns = await startDagRuns({
        store,
        bus,
        airflow: countedBy(node),
        knownRuns: () => engine.models.dagRuns.values(),
        owns: engine.owns,
        onRunChange: engine.onDagRunChange,
        intervalMs: 30,
      });
      let open = true;
      const close = async () => {
        if (!open) return;
        open = false;
        await dagRuns.close();
        await engine.close();
      };
      closers.push(close);
      return { node, engine, dagRuns, close };
    };
    const a = await boot("a");
    const b = await boot("b");
    await eventually(async () => ([a, b].every((p) => p.engine.ownershipStatus().members?.length === 2) ? true : undefined), 5_000, 20);
    const ownerOf = (workflowId: string) => (a.engine.ownershipStatus().partitions.owned.includes(partitionOf(workflowId, PARTITIONS)) ? "a" : "b");

    // Workflow ids on both members' partitions.
    const ids: string[] = [];
    for (let n = 0; ids.filter((id) => ownerOf(id) === "a").length < 3 || ids.filter((id) => ownerOf(id) === "b").length < 3; n++) {
      const id = `wf-${n}`;
      if (ids.filter((x) => ownerOf(x) === ownerOf(id)).length < 3) ids.push(id);
    }
    const ask = (workflowId: string) =>
      bus.publish("airflow-trigger-requests", { key: workflowId, value: JSON.stringify({ workflowId, taskId: "ask", data: { dag_id: "slow", dag_run_id: `run-${workflowId}` } }) });
    for (const id of ids) await ask(id);

    const published = (engine: Engine, dagRunId: string) => engine.models.dagRuns.get(dagRunId)?.completionPublished === true;
    await eventually(async () => (ids.every((id) => published(a.engine, `run-${id}`)) ? true : undefined), 10_000, 20);
    for (const id of ids) {
      const runCalls = calls.filter((c) => c.dagRunId === `run-${id}`);
      expect(new Set(runCalls.map((c) => c.node)), `processes that called Airflow for run-${id}`).toEqual(new Set([ownerOf(id)]));
      expect(runCalls.filter((c) => c.kind === "trigger"), `triggers of run-${id}`).toHaveLength(1);
      expect(runCalls.some((c) => c.kind === "state")).toBe(true);
      const types = (await store.readStream(`dagrun-run-${id}`)).map((e) => e.type);
      expect(types.filter((t) => t === "DagRunRequested" || t === "DagRunCompletionPublished")).toEqual(["DagRunRequested", "DagRunCompletionPublished"]);
    }

    // A run of b's workflow, running when b leaves: a takes it over and finishes it, b calls Airflow no more.
    let n = 100;
    while (ownerOf(`wf-${n}`) !== "b") n++;
    const held = `wf-${n}`;
    let release!: () => void;
    gates.set(held, new Promise<void>((resolve) => (release = resolve)));
    await ask(held);
    await eventually(async () => (a.engine.models.dagRuns.get(`run-${held}`)?.airflowState === "running" ? true : undefined), 10_000, 20);
    expect(new Set(calls.filter((c) => c.dagRunId === `run-${held}`).map((c) => c.node))).toEqual(new Set(["b"]));
    await b.close();
    const afterB = calls.length;
    await eventually(async () => (a.engine.ownershipStatus().partitions.owned.length === PARTITIONS ? true : undefined), 5_000, 10);
    await eventually(async () => (calls.slice(afterB).some((c) => c.dagRunId === `run-${held}` && c.node === "a") ? true : undefined), 5_000, 10);
    release();
    await eventually(async () => (published(a.engine, `run-${held}`) ? true : undefined), 10_000, 20);
    expect(calls.slice(afterB).filter((c) => c.dagRunId === `run-${held}`).every((c) => c.node === "a")).toBe(true);
    const types = (await store.readStream(`dagrun-run-${held}`)).map((e) => e.type);
    expect(types.filter((t) => t === "DagRunTriggered")).toHaveLength(1);
    expect(types.filter((t) => t === "DagRunCompletionPublished")).toHaveLength(1);
    expect(a.engine.models.dagRuns.get(`run-${held}`)).toMatchObject({ phase: "succeeded", airflowState: "success" });
  });
});
