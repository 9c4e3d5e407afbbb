/**
 * `npx tsx bench/mwaa-cli.ts [workflows] [pollMs] [cliLatencyMs]`: workflows
 * whose KAFKA_PUBLISH asks for a DAG run of one DAG, all started at once, in
 * process, first on the local executor (the floor), then on MWAA's CLI-token
 * route against the local fake of `/aws_mwaa/cli` (tests/support/fake-mwaa-cli.ts)
 * answering after `cliLatencyMs`. Reports the time until every workflow
 * COMPLETED on each, their ratio, and the CLI commands the route sent against
 * the monitor's state polls (polls of one DAG waiting together share a list-runs).
 */
import { createLocalAirflow } from "../src/adapters/airflow/local.ts";
import { createMwaaCliAirflow } from "../src/adapters/airflow/mwaa-cli.ts";
import type { Airflow, ObjectStore } from "../src/domain/ports.ts";
import { startFakeMwaaCli } from "../tests/support/fake-mwaa-cli.ts";
import { runDagRunLoad, writeParseOutput } from "./dag-run-load.ts";

const count = Number(process.argv[2] ?? 100);
const pollMs = Number(process.argv[3] ?? 100);
const latencyMs = Number(process.argv[4] ?? 20);

async function run(label: string, airflowOf: (objects: ObjectStore) => Promise<{ airflow: Airflow; close: () => Promise<void> }>) {
  const { seconds, completed, calls } = await runDagRunLoad({ count, pollMs, timeoutMs: 300_000, airflowOf });
  console.log(`${label}: ${completed}/${count} COMPLETED in ${seconds.toFixed(2)} s; ${calls.trigger} triggers, ${calls.state} state polls`);
  return { seconds, calls };
}

const floor = await run("local executor (floor)", async (objects) => {
  const write = writeParseOutput(objects);
  return { airflow: createLocalAirflow({ dags: { parse: async ({ conf }) => write(conf) } }), close: async () => undefined };
});
let commands = 0;
const mwaa = await run(`MWAA CLI route, fake /aws_mwaa/cli answering after ${latencyMs} ms`, async (objects) => {
  const write = writeParseOutput(objects);
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
