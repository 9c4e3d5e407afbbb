/**
 * `npx tsx bench/seed-workflows.ts [workflows] [addresses] [pollMs]`: the
 * seed's email hygiene workflow through the Node entry on the embedded
 * defaults (file event store with fsync, in-process bus, file object store,
 * local executor): `workflows` deploys through `POST /workflow/deploy`, each
 * with `addresses` lines of input, all at once; reports the time until every
 * one COMPLETED and checks each run's stats.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/api/config.ts";
import { startServer } from "../src/api/node.ts";

const count = Number(process.argv[2] ?? 100);
const addresses = Number(process.argv[3] ?? 1000);
const pollMs = process.argv[4] ?? "100";
const dir = await mkdtemp(join(tmpdir(), "baton-bench-seed-"));
const server = await startServer(
  loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dir, BATON_DAG_POLL_INTERVAL_MS: pollMs, BATON_EMAIL_VALIDATOR_MX_CHECK: "false" }),
);
const url = `http://127.0.0.1:${server.port}`;
const workflow = JSON.parse(await readFile(new URL("../src/services/workflows/email_hygiene.json", import.meta.url), "utf8"));
const input = Array.from({ length: addresses }, (_, i) => (i % 10 === 9 ? `broken address ${i}` : `Person.${i % 900}@Example.com`)).join("\n");

const started = Date.now();
const ids = await Promise.all(
  Array.from({ length: count }, async (_, i) => {
    const response = await fetch(`${url}/workflow/deploy`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflow, workflow_id: `bench-hygiene-${i}`, trigger_conductor: true, input: { input_data: input } }),
    });
    if (response.status !== 200) throw new Error(`deploy ${i}: ${response.status} ${await response.text()}`);
    return `bench-hygiene-${i}`;
  }),
);
const deployedMs = Date.now() - started;
const done = await Promise.all(ids.map((id) => server.engine.waitForWorkflow(id, Date.now() + 300_000)));
const elapsed = Date.now() - started;
const notCompleted = done.filter((w) => w.status !== "COMPLETED");
if (notCompleted.length > 0) throw new Error(`${notCompleted.length} not COMPLETED: ${notCompleted[0]!.reasonForIncompletion}`);
const stats = JSON.parse(await readFile(fileURLToPath((done[0]!.output as { stats_url: string }).stats_url), "utf8"));
console.log(
  `${count} email hygiene deploys of ${addresses} addresses each: deployed in ${deployedMs} ms, all COMPLETED in ${elapsed} ms (${((count / elapsed) * 1000).toFixed(1)} workflows/s, poll ${pollMs} ms)`,
  stats,
);
await server.close();
await rm(dir, { recursive: true, force: true });
