/**
 * `npx tsx bench/dagruns.ts [workflows] [pollMs]`: workflows whose KAFKA_PUBLISH
 * asks for a local DAG run (output + stats to the file store), all started at
 * once, in process on the memory store and bus (bench/dag-run-load.ts). Reports
 * the time until every workflow COMPLETED, and the Airflow calls the monitor made.
 */
import { createLocalAirflow } from "../src/adapters/airflow/local.ts";
import { runDagRunLoad, writeParseOutput } from "./dag-run-load.ts";

const count = Number(process.argv[2] ?? 200);
const pollMs = Number(process.argv[3] ?? 100);
const { seconds, completed, calls } = await runDagRunLoad({
  count,
  pollMs,
  timeoutMs: 120_000,
  airflowOf: async (objects) => {
    const write = writeParseOutput(objects);
    return { airflow: createLocalAirflow({ dags: { parse: async ({ conf }) => write(conf) } }), close: async () => undefined };
  },
});
console.log(
  `${count} workflows, each one local DAG run (poll interval ${pollMs} ms, 10 Airflow calls at once): ${completed} COMPLETED in ${seconds.toFixed(2)} s ` +
    `(${(count / seconds).toFixed(0)} workflows/s); Airflow calls: ${calls.trigger} triggers, ${calls.state} state polls`,
);
