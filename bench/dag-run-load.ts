/**
 * The DAG-run benchmarks' load (bench/dagruns.ts, bench/mwaa-cli.ts): `count`
 * workflows whose KAFKA_PUBLISH asks for a run of one DAG (`parse`, writing an
 * output and a stats file), all started at once, in process on the memory store
 * and bus with the monitor polling every `pollMs`; resolves once every one ended.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryBus } from "../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../src/adapters/eventstore/memory.ts";
import { createFsObjectStore } from "../src/adapters/storage/fs.ts";
import { parseWorkflowDef } from "../src/domain/definitions/check-workflow-def.ts";
import type { Airflow, ObjectStore } from "../src/domain/ports.ts";
import { startDagRuns } from "../src/engine/dagruns/dag-runs.ts";
import { createEngine } from "../src/engine/engine.ts";
import { createEventRouter } from "../src/engine/router/event-router.ts";

/** What the `parse` DAG writes for a run, wherever it runs. */
export const writeParseOutput = (objects: ObjectStore) => async (conf: Record<string, unknown>) => {
  await objects.put(`${conf.output_prefix}out.csv`, `name\n${String(conf.name)}\n`);
  await objects.put(`${conf.output_prefix}parse_Stats.jsonl`, '{"records":1}\n');
};

export interface DagRunLoad {
  count: number;
  pollMs: number;
  timeoutMs: number;
  /** The Airflow to run the `parse` DAG on, given the object store its output goes to. */
  airflowOf(objects: ObjectStore): Promise<{ airflow: Airflow; close: () => Promise<void> }>;
}

export async function runDagRunLoad({ count, pollMs, timeoutMs, airflowOf }: DagRunLoad) {
  const dir = await mkdtemp(join(tmpdir(), "baton-bench-dagruns-"));
  const objects = createFsObjectStore(dir);
  const store = createMemoryEventStore();
  const bus = createMemoryBus();
  const engine = await createEngine({ store, bus, sweepIntervalMs: 50, eventSinks: { conductorSinksWait: true } });
  const router = await createEventRouter({ engine, bus, store });
  const { airflow, close } = await airflowOf(objects);
  const dagRuns = await startDagRuns({ store, bus, airflow, artifacts: { source: objects, target: objects }, knownRuns: () => engine.models.dagRuns.values(), intervalMs: pollMs });
  await engine.registerWorkflowDef(
    parseWorkflowDef({
      name: "bench_dag",
      tasks: [
        {
          name: "ask",
          taskReferenceName: "ask",
          type: "KAFKA_PUBLISH",
          inputParameters: { kafka_request: { topic: "airflow-trigger-requests", value: { workflowId: "${workflow.workflowId}", taskId: "ask", data: { dag_id: "parse", name: "${workflow.input.name}", completion_event_type: "parse_completed" } } } },
        },
        { name: "wait", taskReferenceName: "wait", type: "EVENT", sink: "conductor:parse_completed" },
      ],
    }),
    true,
    { kind: "cli" },
  );
  const started = performance.now();
  const ids = await Promise.all(Array.from({ length: count }, (_, i) => engine.startWorkflow({ name: "bench_dag", input: { name: `n${i}` }, taskToDomain: {}, priority: 0 }, { kind: "cli" }, {})));
  const results = await Promise.all(ids.map((id) => engine.waitForWorkflow(id, Date.now() + timeoutMs)));
  const seconds = (performance.now() - started) / 1000;
  const completed = results.filter((w) => w.status === "COMPLETED").length;
  const calls = { ...dagRuns.monitor.calls };
  await dagRuns.close();
  await router.close();
  await engine.close();
  await close();
  await rm(dir, { recursive: true, force: true });
  return { seconds, completed, calls };
}
