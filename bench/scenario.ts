/**
 * Runs ONE benchmark scenario in this process and writes its result as JSON to
 * the file named by `--out`. `bench/run.ts` starts one child process per
 * scenario so that scenarios do not share a JIT, heap or the SDK's
 * process-wide state.
 *
 *   tsx bench/scenario.ts --scenario stub|baton-file|baton-memory --out result.json
 *     [--workflows N] [--warmup N] [--inflight N] [--concurrency N] [--poll-interval MS]
 */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/api/config.ts";
import { startServer } from "../src/api/node.ts";
import { type LoadOptions, type LoadResult, runLoad } from "./load.ts";
import { startStubServer } from "./stub-server.ts";
import { TASK_TYPES } from "./workload.ts";

export const SCENARIOS = ["stub", "baton-memory", "baton-file"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface ScenarioResult extends LoadResult {
  scenario: Scenario;
  settings: Omit<LoadOptions, "serverUrl">;
  /** Size of Baton's event log after the run (file store only). */
  eventLogBytes?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string" },
      out: { type: "string" },
      workflows: { type: "string", default: "300" },
      warmup: { type: "string", default: "30" },
      inflight: { type: "string", default: "50" },
      concurrency: { type: "string", default: "10" },
      "poll-interval": { type: "string", default: "1" },
    },
  });
  const scenario = values.scenario as Scenario;
  if (!SCENARIOS.includes(scenario) || !values.out) throw new Error(`usage: --scenario ${SCENARIOS.join("|")} --out FILE`);
  const settings: Omit<LoadOptions, "serverUrl"> = {
    workflows: Number(values.workflows),
    warmup: Number(values.warmup),
    inflight: Number(values.inflight),
    observeIntervalMs: 2,
    stallTimeoutMs: 20_000,
    workers: { concurrency: Number(values.concurrency), pollInterval: Number(values["poll-interval"]) },
  };

  let dataDir: string | undefined;
  let server: { port: number; close(): Promise<void> };
  if (scenario === "stub") {
    server = await startStubServer({ chain: [...TASK_TYPES], host: "127.0.0.1", port: 0 });
  } else {
    const store = scenario === "baton-file" ? "file" : "memory";
    if (store === "file") dataDir = await mkdtemp(join(tmpdir(), "baton-bench-"));
    // BATON_FSYNC is left unset: the default (fsync on) is what is measured.
    const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", BATON_EVENT_STORE: store, DATA_DIR: dataDir });
    server = await startServer(config);
  }

  let result: ScenarioResult;
  try {
    const load = await runLoad({ ...settings, serverUrl: `http://127.0.0.1:${server.port}` });
    result = { scenario, settings, ...load };
    if (dataDir) result.eventLogBytes = (await stat(join(dataDir, "events.log"))).size;
  } finally {
    await server.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
  await writeFile(values.out, JSON.stringify(result));
  // Everything is closed now, so the process should exit by itself; if a handle
  // leaked, say so instead of hanging (the timer does not keep the process alive).
  setTimeout(() => {
    console.error(`bench: ${scenario}: handles still open 5 s after shutdown; forcing exit`);
    process.exit(process.exitCode ?? 0);
  }, 5000).unref();
}

main().catch((error: unknown) => {
  console.error(`bench: scenario failed:`, error);
  process.exit(1);
});
