/**
 * The Airflow bridge end to end, in process: a workflow's KAFKA_PUBLISH asks
 * for a DAG run on `airflow-trigger-requests` (the seed's shape), the
 * airflow-adapter service records it and the monitor triggers a local DAG
 * that writes output and stats to the file object store, polls it to the end,
 * publishes the completion on `conductor-events`, and the router completes
 * the EVENT. The whole history is in the `dagrun-` and `workflow-` streams.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalAirflow } from "../../src/adapters/airflow/local.ts";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { createFsObjectStore } from "../../src/adapters/storage/fs.ts";
import { createApp } from "../../src/api/app.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { startDagRuns } from "../../src/engine/dagruns/dag-runs.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createEventRouter } from "../../src/engine/router/event-router.ts";
import { createDagRunResolvers } from "../../src/api/graphql/dag-runs.ts";
import { restartPointFor } from "../../src/projections/retry-suggestion.ts";
import { eventually } from "../support/baton.ts";
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

async function boot() {
  const dir = await mkdtemp(join(tmpdir(), "baton-dagrun-e2e-"));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  const objects = createFsObjectStore(dir);
  const store = createMemoryEventStore();
  const bus = createMemoryBus();
  const engine = await createEngine({ store, bus, sweepIntervalMs: 50, eventSinks: { conductorSinksWait: true } });
  closers.push(() => engine.close());
  const router = await createEventRouter({ engine, bus, store });
  closers.push(() => router.close());
  const failing = new Set<string>();
  /** Names whose run waits for the promise before it works (a test acts while the run is running). */
  const gates = new Map<string, Promise<void>>();
  const airflow = createLocalAirflow({
    dags: {
      // Splits the name into first and last, writes them and its statistics where the bridge said.
      name_parse_dag: async ({ conf }) => {
        const name = String(conf.name);
        await gates.get(name);
        if (failing.has(name)) throw new Error(`cannot parse '${name}'`);
        const [first, ...rest] = name.split(" ");
        await objects.put(`${conf.output_prefix}output/names.csv`, `first,last\n${first},${rest.join(" ")}\n`);
        await objects.put(`${conf.output_prefix}name_parse_Stats.jsonl`, `${JSON.stringify({ records: 1, parsed: 1 })}\n`);
      },
    },
  });
  const dagRuns = await startDagRuns({
    store,
    bus,
    airflow,
    artifacts: { source: objects, target: objects },
    knownRuns: () => engine.models.dagRuns.values(),
    intervalMs: 20,
  });
  closers.push(() => dagRuns.close());
  const app = createApp({ engine, router });
  await engine.registerWorkflowDef(parseWorkflowDef(NAME_PARSE), true, { kind: "rest" });
  return { engine, store, objects, app, failing, gates, dagRuns, router };
}

const readText = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

/** A GraphQL subscription over server-sent events on the in-process app: `next()` gives each pushed `data`. */
async function subscribeOverSse(app: ReturnType<typeof createApp>, query: string, variables: Record<string, unknown>) {
  const response = await app.request("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const pending: any[] = [];
  return {
    async next(): Promise<any> {
      while (pending.length === 0) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the subscription ended");
        buffered += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = message.split("\n").find((line) => line.startsWith("data:"));
          if (data && data.length > 5) {
            const body = JSON.parse(data.slice(5));
            expect(body.errors).toBeUndefined();
            if (body.data) pending.push(body.data);
          }
        }
      }
      return pending.shift();
    },
    close: () => reader.cancel(),
  };
}

describe("DAG runs end to end (local executor, in-process bus, file object store)", () => {
  it("KAFKA_PUBLISH -> DAG run -> completion -> EVENT -> COMPLETED, with output, stats and the whole history", async () => {
    const { engine, store, objects, app } = await boot();
    const id = await engine.startWorkflow({ name: "name_parse", input: { name: "Ada Lovelace" }, taskToDomain: {}, priority: 0 }, { kind: "rest" }, {});
    const workflow = await engine.waitForWorkflow(id, Date.now() + 10_000);
    expect(workflow.status, workflow.reasonForIncompletion).toBe("COMPLETED");

    const publishTask = workflow.tasks.find((t) => t.referenceTaskName === "dp_name_parse")!;
    const dagRunId = `${id}-${publishTask.taskId}-${publishTask.scheduledTime}`;
    const prefix = `dagruns/name_parse_dag/${dagRunId}/`;
    // The business outcome: the parsed names and the statistics, where the completion says.
    expect(workflow.output).toEqual({ stats_url: objects.uri(`${prefix}name_parse_Stats.jsonl`), output_uri: objects.uri(`${prefix}output/names.csv`) });
    expect(await readText(await objects.get(`${prefix}output/names.csv`))).toBe("first,last\nAda,Lovelace\n");
    expect(JSON.parse(await readText(await objects.get(`${prefix}name_parse_Stats.jsonl`)))).toEqual({ records: 1, parsed: 1 });
    const eventTask = workflow.tasks.find((t) => t.referenceTaskName === "wait_name_parse_ref")!;
    expect(eventTask).toMatchObject({ status: "COMPLETED", workerId: "baton:router", outputData: { status: "success", dag_id: "name_parse_dag", dag_run_id: dagRunId } });

    // The DAG run's history, in its own stream.
    const history = (await store.readStream(`dagrun-${dagRunId}`)).map((e) => e.type);
    expect(history[0]).toBe("DagRunRequested");
    expect(history[1]).toBe("DagRunTriggered");
    expect(history.slice(-3)).toEqual(["DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]);
    // The workflow's: the request published, the EVENT completed by the router from the completion message.
    const workflowEvents = await store.readStream(`workflow-${id}`);
    const eventCompleted = workflowEvents.find((e) => e.type === "TaskCompleted" && (e.data as { taskId?: string }).taskId === eventTask.taskId);
    expect(eventCompleted?.metadata.source).toMatchObject({ kind: "router", message: { topic: "conductor-events" } });

    // REST: the run by workflow, and with its events.
    const listed = await eventually(async () => {
      const runs = (await (await app.request(`/api/dagruns?workflowId=${id}`)).json()) as any[];
      return runs[0]?.completionPublished ? runs : undefined;
    }, 5_000, 20);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: dagRunId, dagId: "name_parse_dag", workflowId: id, status: "SUCCEEDED", airflowState: "success", statsUrl: objects.uri(`${prefix}name_parse_Stats.jsonl`) });
    const one = (await (await app.request(`/api/dagruns/${dagRunId}`)).json()) as any;
    expect(one.events.map((e: { type: string }) => e.type)).toEqual(history);
    const missing = await app.request("/api/dagruns/nope");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe("No DAG run 'nope'");
  });

  it("a failing DAG fails the workflow with the reason; the suggested rerun triggers a new DAG run that succeeds", async () => {
    const { engine, failing, store } = await boot();
    failing.add("Plato");
    const id = await engine.startWorkflow({ name: "name_parse", input: { name: "Plato" }, taskToDomain: {}, priority: 0 }, { kind: "rest" }, {});
    const failed = await engine.waitForWorkflow(id, Date.now() + 10_000);
    expect(failed.status).toBe("FAILED");
    const firstPublish = failed.tasks.find((t) => t.referenceTaskName === "dp_name_parse")!;
    const firstRun = `${id}-${firstPublish.taskId}-${firstPublish.scheduledTime}`;
    expect(failed.tasks.find((t) => t.referenceTaskName === "wait_name_parse_ref")!.reasonForIncompletion).toBe(
      `DAG run '${firstRun}' of DAG 'name_parse_dag' ended failed: cannot parse 'Plato'`,
    );
    const suggestion = restartPointFor(failed)!;
    expect(suggestion.reRunFromTaskRefName).toBe("dp_name_parse");

    failing.delete("Plato");
    await engine.rerun(id, { reRunFromTaskId: firstPublish.taskId }, { kind: "rest" });
    const rerun = await eventually(async () => {
      const w = engine.getWorkflow(id);
      return w.status === "COMPLETED" ? w : undefined;
    }, 10_000, 20);
    const secondPublish = rerun.tasks.filter((t) => t.referenceTaskName === "dp_name_parse").at(-1)!;
    // A rerun schedules the same task id again: its new scheduled time makes a new run.
    expect(secondPublish.scheduledTime).toBeGreaterThan(firstPublish.scheduledTime!);
    const secondRun = `${id}-${secondPublish.taskId}-${secondPublish.scheduledTime}`;
    expect(engine.models.dagRunsByWorkflow.get(id)).toEqual([firstRun, secondRun]);
    expect((await store.readStream(`dagrun-${firstRun}`)).map((e) => e.type)).toContain("DagRunFailed");
    expect((await store.readStream(`dagrun-${secondRun}`)).map((e) => e.type)).toContain("DagRunSucceeded");
  });

  it("GraphQL: dagRunUpdates follows the run as it happens; dagRuns and dagRun(id) with its events", async () => {
    const { engine, app } = await boot();
    const updates = createDagRunResolvers(engine).Subscription.dagRunUpdates.subscribe(undefined, { filter: { dagId: "name_parse_dag" } });
    const seen: string[] = [];
    const following = (async () => {
      for await (const run of updates) {
        seen.push(`${run.status}${run.airflowState ? `/${run.airflowState}` : ""}`);
        if (run.completionPublished) break;
      }
    })();
    const id = await engine.startWorkflow({ name: "name_parse", input: { name: "Grace Hopper" }, taskToDomain: {}, priority: 0 }, { kind: "rest" }, {});
    await engine.waitForWorkflow(id, Date.now() + 10_000);
    await following;
    expect(seen[0]).toBe("REQUESTED");
    expect(seen[1]).toBe("TRIGGERED");
    expect(seen.slice(-3)).toEqual(["SUCCEEDED/success", "SUCCEEDED/success", "SUCCEEDED/success"]);

    const graphql = async (query: string, variables: Record<string, unknown>) =>
      (await (await app.request("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) })).json()) as any;
    const list = await graphql("query($w: String) { dagRuns(filter: {workflowId: $w}) { id status statsUrl outputUris } }", { w: id });
    expect(list.errors).toBeUndefined();
    expect(list.data.dagRuns).toHaveLength(1);
    expect(list.data.dagRuns[0]).toMatchObject({ status: "SUCCEEDED", statsUrl: expect.stringMatching(/name_parse_Stats\.jsonl$/), outputUris: [expect.stringMatching(/output\/names\.csv$/)] });
    const one = await graphql("query($id: ID!) { dagRun(id: $id) { workflowId artifacts { kind size } events { revision type } } }", { id: list.data.dagRuns[0].id });
    expect(one.data.dagRun.workflowId).toBe(id);
    expect(one.data.dagRun.artifacts).toEqual([{ kind: "stats", size: 25 }, { kind: "output", size: 24 }]);
    expect(one.data.dagRun.events[0]).toEqual({ revision: 0, type: "DagRunRequested" });
    expect(one.data.dagRun.events.at(-1).type).toBe("DagRunCompletionPublished");
    const missing = await graphql("{ dagRun(id: \"nope\") { id } }", {});
    expect(missing.errors[0]).toMatchObject({ message: "No DAG run 'nope'", extensions: { code: "NOT_FOUND" } });
  });

  it("GraphQL: workflowEvents carries the progress of the DAG runs the workflow asked for, live and in store order", async () => {
    const { engine, app, gates } = await boot();
    let release!: () => void;
    gates.set("Katherine Johnson", new Promise<void>((resolve) => (release = resolve)));
    const id = await engine.startWorkflow({ name: "name_parse", input: { name: "Katherine Johnson" }, taskToDomain: {}, priority: 0 }, { kind: "rest" }, {});
    const feed = await subscribeOverSse(app, "subscription($id: ID!) { workflowEvents(workflowId: $id) { workflowId stream dagRunId revision position type data } }", { id });
    const seen: { workflowId: string; stream: string; dagRunId: string | null; revision: number; position: number; type: string; data: any }[] = [];
    const until = async (done: (e: (typeof seen)[number]) => boolean) => {
      for (;;) {
        const { workflowEvents: event } = await feed.next();
        seen.push(event);
        if (done(event)) return event;
      }
    };
    try {
      // While the DAG runs (it waits at its gate), Airflow's "running" reaches the workflow's feed.
      const running = await until((e) => e.type === "DagRunStateObserved" && e.data.state === "running");
      expect((await engine.loadWorkflow(id)).status).toBe("RUNNING");
      expect(running.workflowId).toBe(id);
      release();
      // The completion's record may land after the workflow completed (the monitor records it once published).
      await until(() => seen.some((e) => e.type === "WorkflowCompleted") && seen.some((e) => e.type === "DagRunCompletionPublished"));
    } finally {
      release();
      await feed.close();
    }

    const workflow = await engine.loadWorkflow(id);
    const publishTask = workflow.tasks.find((t) => t.referenceTaskName === "dp_name_parse")!;
    const dagRunId = `${id}-${publishTask.taskId}-${publishTask.scheduledTime}`;
    const ofRun = seen.filter((e) => e.stream === `dagrun-${dagRunId}`);
    const ofWorkflow = seen.filter((e) => e.stream === `workflow-${id}`);
    expect(ofRun.length + ofWorkflow.length).toBe(seen.length);
    expect(ofRun.every((e) => e.dagRunId === dagRunId) && ofWorkflow.every((e) => e.dagRunId === null)).toBe(true);
    // Every event of both streams once, each stream's in order, all in store order.
    expect(ofRun.map((e) => e.revision)).toEqual(ofRun.map((_, i) => i));
    expect(ofWorkflow.map((e) => e.revision)).toEqual(ofWorkflow.map((_, i) => i));
    expect(seen.map((e) => e.position)).toEqual([...seen.map((e) => e.position)].sort((a, b) => a - b));
    expect(ofRun.map((e) => e.type)).toEqual((await engine.readDagRunEvents(dagRunId)).map((e) => e.type));
    expect(ofRun[0]!.type).toBe("DagRunRequested");
    expect(ofRun.at(-1)!.type).toBe("DagRunCompletionPublished");
    // The run succeeded and its artifacts were synced before the EVENT task its completion completes.
    const eventTask = workflow.tasks.find((t) => t.referenceTaskName === "wait_name_parse_ref")!;
    const eventCompleted = seen.findIndex((e) => e.type === "TaskCompleted" && e.data.taskId === eventTask.taskId);
    expect(eventCompleted).toBeGreaterThan(0);
    expect(seen.findIndex((e) => e.type === "DagRunArtifactsSynced")).toBeLessThan(eventCompleted);

    // Afterwards, from the store: the same feed; without the DAG runs when asked; from a revision, only what follows it.
    const replay = await subscribeOverSse(app, "subscription($id: ID!) { workflowEvents(workflowId: $id) { stream revision } }", { id });
    const replayed: string[] = [];
    for (let i = 0; i < seen.length; i++) replayed.push(JSON.stringify((await replay.next()).workflowEvents));
    await replay.close();
    expect(replayed).toEqual(seen.map((e) => JSON.stringify({ stream: e.stream, revision: e.revision })));
    const onlyWorkflow = await subscribeOverSse(app, "subscription($id: ID!) { workflowEvents(workflowId: $id, dagRuns: false) { stream } }", { id });
    const own: string[] = [];
    for (let i = 0; i < ofWorkflow.length; i++) own.push((await onlyWorkflow.next()).workflowEvents.stream);
    await onlyWorkflow.close();
    expect(own).toEqual(ofWorkflow.map(() => `workflow-${id}`));
    const lastFew = ofWorkflow.length - 2;
    const later = await subscribeOverSse(app, "subscription($id: ID!, $from: Int) { workflowEvents(workflowId: $id, fromRevision: $from) { stream revision type } }", { id, from: lastFew });
    const first = (await later.next()).workflowEvents;
    await later.close();
    const expectedFirst = seen.find((e) => e.position > ofWorkflow[lastFew - 1]!.position)!;
    expect(first).toEqual({ stream: expectedFirst.stream, revision: expectedFirst.revision, type: expectedFirst.type });
  });

  it("a request without dag_id fails the EVENT with a reason naming the field", async () => {
    const { engine } = await boot();
    const broken = structuredClone(NAME_PARSE) as any;
    broken.name = "no_dag";
    delete broken.tasks[0].inputParameters.kafka_request.value.data.dag_id;
    await engine.registerWorkflowDef(parseWorkflowDef(broken), true, { kind: "rest" });
    const id = await engine.startWorkflow({ name: "no_dag", input: { name: "x" }, taskToDomain: {}, priority: 0 }, { kind: "rest" }, {});
    const failed = await engine.waitForWorkflow(id, Date.now() + 10_000);
    expect(failed.status).toBe("FAILED");
    expect(failed.tasks[1]!.reasonForIncompletion).toBe("DAG run request: data.dag_id is required (a non-empty string; dagId is accepted too)");
    expect(engine.models.dagRunsByWorkflow.get(id)).toBeUndefined();
  });
});
