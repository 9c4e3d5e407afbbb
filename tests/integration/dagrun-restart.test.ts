/**
 * A restart of Baton (the Node entry, file store) while a DAG runs on an
 * Airflow 2 server: the new process resumes the run from its stream, never
 * triggers it again, and the workflow completes once the run ends.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { type RunningServer, startServer } from "../../src/api/node.ts";
import { eventually, http, removeDir } from "../support/baton.ts";
import { startFakeAirflow } from "../support/fake-airflow.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

const WORKFLOW = {
  name: "hygiene_on_airflow",
  tasks: [
    {
      name: "request",
      taskReferenceName: "request_ref",
      type: "KAFKA_PUBLISH",
      inputParameters: {
        kafka_request: {
          topic: "airflow-trigger-requests",
          value: { workflowId: "${workflow.workflowId}", taskId: "email_hygiene_task", data: { dag_id: "email_hygiene", completion_event_type: "email_hygiene_completed" } },
        },
      },
    },
    { name: "wait", taskReferenceName: "wait_ref", type: "EVENT", sink: "conductor:email_hygiene_completed" },
  ],
};

describe("DAG runs across a restart", () => {
  it("resume from the streams: one trigger, one completion, the workflow COMPLETED", async () => {
    const airflow = await startFakeAirflow({ version: 2, dags: ["email_hygiene"], hold: true });
    closers.push(airflow.close);
    const dataDir = await mkdtemp(join(tmpdir(), "baton-dagrun-restart-"));
    closers.push(() => removeDir(dataDir));
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      BATON_EVENT_STORE: "file",
      DATA_DIR: dataDir,
      BATON_FSYNC: "false",
      BATON_EVENT_SINK_WAITS: "true",
      BATON_AIRFLOW: "airflow2",
      AIRFLOW_URL: airflow.url,
      AIRFLOW_USERNAME: "admin",
      AIRFLOW_PASSWORD: "secret",
      BATON_DAG_POLL_INTERVAL_MS: "30",
    });
    let server: RunningServer | undefined = await startServer(config);
    closers.push(async () => server?.close());
    const url = () => `http://127.0.0.1:${server!.port}`;
    await http(url(), "POST", "/api/metadata/workflow", WORKFLOW);
    const workflowId = (await http(url(), "POST", "/api/workflow", { name: "hygiene_on_airflow", input: {} })).text;
    const running = await eventually(async () => {
      const runs = (await http(url(), "GET", `/api/dagruns?workflowId=${workflowId}`)).json() as any[];
      return runs[0]?.airflowState === "running" ? runs[0] : undefined;
    }, 10_000, 20);
    expect(running.status).toBe("TRIGGERED");

    await server.close();
    server = undefined;
    server = await startServer(config);
    expect(server.dagRuns?.resumed).toBe(1);
    airflow.release();
    const done = await eventually(async () => {
      const workflow = (await http(url(), "GET", `/api/workflow/${workflowId}`)).json();
      return workflow.status === "COMPLETED" ? workflow : undefined;
    }, 10_000, 20);
    expect(done.tasks[1]).toMatchObject({ referenceTaskName: "wait_ref", status: "COMPLETED", outputData: { status: "success", dag_id: "email_hygiene" } });

    expect(airflow.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    const run = (await http(url(), "GET", `/api/dagruns/${running.id}`)).json();
    const types = run.events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === "DagRunTriggered")).toHaveLength(1);
    expect(types.filter((t: string) => t === "DagRunCompletionPublished")).toHaveLength(1);
    expect(types.slice(-3)).toEqual(["DagRunSucceeded", "DagRunArtifactsSynced", "DagRunCompletionPublished"]);
  });
});
