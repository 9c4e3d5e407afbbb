/**
 * `npx tsx bench/dagruns.ts [workflows] [pollMs]`: workflows whose KAFKA_PUBLISH
 * asks for a local DAG run (output + stats to the file store), all started at
 * once, in process on the memory store and bus. Reports the time until every
 * workflow COMPLETED, and the Airflow calls the monitor made.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalAirflow } from "../src/adapters/airflow/local.ts";
import { createMemoryBus } from "../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../src/adapters/eventstore/memory.ts";
import { createFsObjectStore } from "../src/adapters/storage/fs.ts";
import { parseWorkflowDef } from "../src/domain/definitions/check-workflow-def.ts";
import { startDagRuns } from "../src/engine/dagruns/dag-runs.ts";
import { createEngine } from "../src/engine/engine.ts";
import { createEventRouter } from "../src/engine/router/event-router.ts";

const count = Number(process.argv[2] ?? 200);
const pollMs = Number(process.argv[3] ?? 100);
const dir = await mkdtemp(join(tmpdir(), "baton-bench-dagruns-"));
const objects = createFsObjectStore(dir);
const store = createMemoryEventStore();
const bus = createMemoryBus();
const engine = await createEngine({ store, bus, sweepIntervalMs: 50, eventSinks: { conductorSinksWait: true } });
const router = await createEventRouter({ engine, bus, store });
const airflow = createLocalAirflow({
  dags: {
    parse: async ({ conf }) => {
      await objects.put(`${conf.output_prefix}out.csv`, `name\n${String(conf.name)}\n`);
      await objects.put(`${conf.output_prefix}parse_Stats.jsonl`, '{"records":1}\n');
    },
  },
});
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
const results = await Promise.all(ids.map((id) => engine.waitForWorkflow(id, Date.now() + 120_000)));
const elapsed = performance.now() - started;
const completed = results.filter((w) => w.status === "COMPLETED").length;
console.log(
  `${count} workflows, each one local DAG run (poll interval ${pollMs} ms, 10 Airflow calls at once): ${completed} COMPLETED in ${(elapsed / 1000).toFixed(2)} s ` +
    `(${(count / (elapsed / 1000)).toFixed(0)} workflows/s); Airflow calls: ${dagRuns.monitor.calls.trigger} triggers, ${dagRuns.monitor.calls.state} state polls`,
);
await dagRuns.close();
await router.close();
await engine.close();
await rm(dir, { recursive: true, force: true });
