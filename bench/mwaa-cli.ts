/**
 * `npx tsx bench/mwaa-cli.ts [workflows] [pollMs] [cliLatencyMs]`: workflows
 * whose KAFKA_PUBLISH asks for a DAG run of one DAG, all started at once, in
 * process, first on the local executor (the floor), then on MWAA's CLI-token
 * route against the local fake of `/aws_mwaa/cli` (tests/support/fake-mwaa-cli.ts)
 * answering after `cliLatencyMs`. Reports the time until every workflow
 * COMPLETED on each, their ratio, and the CLI commands the route sent against
 * the monitor's state polls (polls of one DAG waiting together share a list-runs).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalAirflow } from "../src/adapters/airflow/local.ts";
import { createMwaaCliAirflow } from "../src/adapters/airflow/mwaa-cli.ts";
import { createMemoryBus } from "../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../src/adapters/eventstore/memory.ts";
import { createFsObjectStore } from "../src/adapters/storage/fs.ts";
import type { Airflow, ObjectStore } from "../src/domain/ports.ts";
import { parseWorkflowDef } from "../src/domain/definitions/check-workflow-def.ts";
import { startDagRuns } from "../src/engine/dagruns/dag-runs.ts";
import { createEngine } from "../src/engine/engine.ts";
import { createEventRouter } from "../src/engine/router/event-router.ts";
import { startFakeMwaaCli } from "../tests/support/fake-mwaa-cli.ts";

const count = Number(process.argv[2] ?? 100);
const pollMs = Number(process.argv[3] ?? 100);
const latencyMs = Number(process.argv[4] ?? 20);

const writeOutput = (objects: ObjectStore) => async (conf: Record<string, unknown>) => {
  await objects.put(`${conf.output_prefix}out.csv`, `name\n${String(conf.name)}\n`);
  await objects.put(`${conf.output_prefix}parse_Stats.jsonl`, '{"records":1}\n');
};

async function run(label: string, airflowOf: (objects: ObjectStore) => Promise<{ airflow: Airflow; close: () => Promise<void> }>) {
  const dir = await mkdtemp(join(tmpdir(), "baton-bench-mwaa-"));
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
  const results = await Promise.all(ids.map((id) => engine.waitForWorkflow(id, Date.now() + 300_000)));
  const seconds = (performance.now() - started) / 1000;
  const completed = results.filter((w) => w.status === "COMPLETED").length;
  const calls = { ...dagRuns.monitor.calls };
  await dagRuns.close();
  await router.close();
  await engine.close();
  await close();
  await rm(dir, { recursive: true, force: true });
  console.log(`${label}: ${completed}/${count} COMPLETED in ${seconds.toFixed(2)} s; ${calls.trigger} triggers, ${calls.state} state polls`);
  return { seconds, calls };
}

const floor = await run("local executor (floor)", async (objects) => {
  const write = writeOutput(objects);
  return { airflow: createLocalAirflow({ dags: { parse: async ({ conf }) => write(conf) } }), close: async () => undefined };
});
let commands = 0;
const mwaa = await run(`MWAA CLI route, fake /aws_mwaa/cli answering after ${latencyMs} ms`, async (objects) => {
  const write = writeOutput(objects);
  const fake = await startFakeMwaaCli({ dags: ["parse"], latencyMs, onTrigger: ({ conf }) => write(conf) });
  const airflow = createMwaaCliAirflow({ environment: "bench", region: "us-east-1", createCliToken: fake.createCliToken, baseUrl: fake.url });
  return {
    airflow,
    close: async () => {
      commands = fake.commands.length;
      await fake.close();
    },
  };
});
console.log(
  `ratio MWAA CLI / local: ${(mwaa.seconds / floor.seconds).toFixed(2)}x; CLI commands sent: ${commands} ` +
    `(${mwaa.calls.trigger} triggers + list-runs shared by ${mwaa.calls.state} state polls: ${((commands - mwaa.calls.trigger) / Math.max(1, mwaa.calls.state)).toFixed(2)} commands a poll)`,
);
