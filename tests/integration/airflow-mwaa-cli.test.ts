/**
 * MWAA's CLI-token route end to end against a local fake of the web server's
 * `/aws_mwaa/cli` (tests/support/fake-mwaa-cli.ts; no AWS here): the adapter is
 * chosen from configuration as on `npm start` (BATON_AIRFLOW=mwaa,
 * BATON_MWAA_ROUTE=auto with only CreateCliToken, MWAA_CLI_URL at the fake),
 * and a workflow's KAFKA_PUBLISH -> DAG run -> monitor -> completion -> EVENT
 * completes; a failed run fails the workflow naming the failed task.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";
import { loadConfig } from "../../src/api/config.ts";
import { airflowFor } from "../../src/api/open-dag-runs.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { startDagRuns } from "../../src/engine/dagruns/dag-runs.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createEventRouter } from "../../src/engine/router/event-router.ts";
import { startFakeMwaaCli } from "../support/fake-mwaa-cli.ts";
import { nameParseWorkflow } from "../support/name-parse-workflow.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

const NAME_PARSE = nameParseWorkflow({
  data: { dag_id: "name_parse_dag", name: "${workflow.input.name}", completion_event_type: "name_parse_completed" },
  asyncComplete: false,
  outputs: ["stats_url", "output_uri"],
});

async function boot(states?: string[]) {
  const dir = await mkdtemp(join(tmpdir(), "baton-mwaa-cli-"));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  const objects = createFsObjectStore(dir);
  // The fake's "DAG" writes the output and stats where the bridge's conf says, as the real DAGs do.
  const fake = await startFakeMwaaCli({
    dags: ["name_parse_dag"],
    ...(states ? { states } : {}),
    onTrigger: async ({ conf }) => {
      await objects.put(`${conf.output_prefix}output/names.csv`, `first,last\n${String(conf.name).replace(" ", ",")}\n`);
      await objects.put(`${conf.output_prefix}NameParse_Stats.jsonl`, `${JSON.stringify({ records: 1 })}\n`);
    },
  });
  closers.push(fake.close);
  const config = loadConfig({ BATON_AIRFLOW: "mwaa", MWAA_ENVIRONMENT: "prod-airflow", MWAA_CLI_URL: fake.url });
  const airflow = airflowFor(config, { mwaaCreateCliToken: fake.createCliToken });
  const store = createMemoryEventStore();
  const bus = createMemoryBus();
  const engine = await createEngine({ store, bus, sweepIntervalMs: 50, eventSinks: { conductorSinksWait: true } });
  closers.push(() => engine.close());
  const router = await createEventRouter({ engine, bus, store });
  closers.push(() => router.close());
  const dagRuns = await startDagRuns({ store, bus, airflow, artifacts: { source: objects, target: objects }, knownRuns: () => engine.models.dagRuns.values(), intervalMs: 20 });
  closers.push(() => dagRuns.close());
  await engine.registerWorkflowDef(parseWorkflowDef(NAME_PARSE), true, { kind: "rest" });
  return { engine, store, objects, fake };
}

describe("MWAA CLI-token route through the bridge (fake /aws_mwaa/cli)", () => {
  it("a workflow's DAG run is triggered and polled through the CLI to COMPLETED, with its output and stats", async () => {
    const { engine, store, objects, fake } = await boot();
    const id = await engine.startWorkflow({ name: "name_parse", input: { name: "Ada O'Lovelace" }, taskToDomain: {}, priority: 0 }, { kind: "rest" }, {});
    const workflow = await engine.waitForWorkflow(id, Date.now() + 10_000);
    expect(workflow.status, workflow.reasonForIncompletion).toBe("COMPLETED");

    const publish = workflow.tasks.find((t) => t.referenceTaskName === "dp_name_parse")!;
    const dagRunId = `${id}-${publish.taskId}-${publish.scheduledTime}`;
    const prefix = `dagruns/name_parse_dag/${dagRunId}/`;
    expect(workflow.output).toEqual({ stats_url: objects.uri(`${prefix}NameParse_Stats.jsonl`), output_uri: objects.uri(`${prefix}output/names.csv`) });
    expect(await new Response(await objects.get(`${prefix}output/names.csv`)).text()).toBe("first,last\nAda,O'Lovelace\n");

    // What reached the CLI: the trigger with the run id and the whole conf (quote included), then list-runs polls.
    const trigger = fake.commands[0]!;
    expect(trigger.contentType).toBe("text/plain");
    expect(trigger.authorization).toBe("Bearer cli-token-prod-airflow-1");
    expect(trigger.words.slice(0, 5)).toEqual(["dags", "trigger", "name_parse_dag", "-r", dagRunId]);
    expect(JSON.parse(trigger.words[6]!)).toMatchObject({ name: "Ada O'Lovelace", output_prefix: prefix });
    expect(fake.commands.slice(1).map((c) => c.words.join(" "))).toEqual([
      "dags list-runs -d name_parse_dag -o json",
      "dags list-runs -d name_parse_dag -o json",
      "dags list-runs -d name_parse_dag -o json",
    ]);
    expect(fake.tokensIssued()).toBe(1);
    expect(fake.maxInFlight()).toBe(1);
    const events = (await store.readStream(`dagrun-${dagRunId}`)).map((e) => e.type);
    expect(events[0]).toBe("DagRunRequested");
    expect(events).toContain("DagRunTriggered");
    expect(events).toContain("DagRunSucceeded");
    expect(events.at(-1)).toBe("DagRunCompletionPublished");
  });

  it("a failed run fails the workflow with the failed task the CLI names", async () => {
    const { engine } = await boot(["queued", "failed"]);
    const id = await engine.startWorkflow({ name: "name_parse", input: { name: "Plato" }, taskToDomain: {}, priority: 0 }, { kind: "rest" }, {});
    const failed = await engine.waitForWorkflow(id, Date.now() + 10_000);
    expect(failed.status).toBe("FAILED");
    const publish = failed.tasks.find((t) => t.referenceTaskName === "dp_name_parse")!;
    expect(failed.tasks.find((t) => t.referenceTaskName === "wait_name_parse_ref")!.reasonForIncompletion).toBe(
      `DAG run '${id}-${publish.taskId}-${publish.scheduledTime}' of DAG 'name_parse_dag' ended failed: task 'parse' failed (its log is not available through the MWAA CLI)`,
    );
  });
});
