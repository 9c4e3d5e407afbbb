/**
 * The Airflow bridge the configuration asks for (BATON_AIRFLOW and the
 * BATON_DAG_* settings): the Airflow adapter, the monitor resumed from the
 * read models, and the airflow-adapter service on the engine's bus. Undefined
 * when BATON_DAG_RUNS is false.
 */
import { createLocalAirflow, type LocalDag } from "../adapters/airflow/local.ts";
import { createMwaaAirflow, type InvokeRestApi } from "../adapters/airflow/mwaa.ts";
import { type CreateCliToken, createMwaaCliAirflow } from "../adapters/airflow/mwaa-cli.ts";
import { createRestAirflow } from "../adapters/airflow/rest.ts";
import type { Airflow, Bus, EventStore, ObjectStore } from "../domain/ports.ts";
import { type DagRuns, type DagRunsDeps, startDagRuns } from "../engine/dagruns/dag-runs.ts";
import type { ReadModels } from "../projections/read-models.ts";
import type { Config } from "./config.ts";

type DagRunSettings = Pick<
  Config,
  | "BATON_AIRFLOW"
  | "BATON_DAG_RUNS"
  | "AIRFLOW_URL"
  | "AIRFLOW_USERNAME"
  | "AIRFLOW_PASSWORD"
  | "MWAA_ENVIRONMENT"
  | "MWAA_REGION"
  | "BATON_MWAA_ROUTE"
  | "MWAA_CLI_URL"
  | "BATON_DAG_TRIGGER_TOPIC"
  | "BATON_DAG_POLL_INTERVAL_MS"
  | "BATON_DAG_MONITOR_CONCURRENCY"
  | "BATON_DAG_TIMEOUT_MS"
  | "BATON_DAG_TRIGGER_ATTEMPTS"
  | "BATON_DAG_TRIGGER_BACKOFF_MS"
  | "BATON_DAG_OUTPUT_PREFIX"
  | "BATON_ROUTER_TOPIC"
>;

export interface DagRunsOpenDeps {
  engine: { bus: Bus; models: Pick<ReadModels, "dagRuns">; owns?: (workflowId: string) => boolean; onDagRunChange?: DagRunsDeps["onRunChange"] };
  store: EventStore;
  /** Baton's object store, where artifacts end up (MinIO in the original system). */
  objects?: ObjectStore;
  /** Where DAGs write (AIRFLOW_S3_BUCKET); Baton's own store when absent. */
  dagObjects?: ObjectStore;
  /** DAGs for the local executor. */
  localDags?: Record<string, LocalDag>;
  /** MWAA's InvokeRestApi (the Node entry loads the AWS SDK client), required with BATON_AIRFLOW=mwaa. */
  mwaaInvoke?: InvokeRestApi;
  /** MWAA's CreateCliToken, for BATON_MWAA_ROUTE=cli-token (or `auto` without InvokeRestApi). */
  mwaaCreateCliToken?: CreateCliToken;
  logError?: (message: string, fields?: Record<string, unknown>) => void;
  /** False when the airflow-adapter runs among the in-process data services, which then consume the request topic. */
  triggerRequests?: boolean;
}

export function airflowFor(config: DagRunSettings, deps: Pick<DagRunsOpenDeps, "localDags" | "mwaaInvoke" | "mwaaCreateCliToken" | "logError">): Airflow {
  switch (config.BATON_AIRFLOW) {
    case "local":
      return createLocalAirflow({
        dags: deps.localDags ?? {},
        onDagError: (dagId, dagRunId, error) => deps.logError?.("a local DAG failed", { dagId, dagRunId, error: String(error) }),
      });
    case "airflow2":
    case "airflow3":
      return createRestAirflow({
        version: config.BATON_AIRFLOW === "airflow2" ? 2 : 3,
        baseUrl: config.AIRFLOW_URL!,
        username: config.AIRFLOW_USERNAME!,
        password: config.AIRFLOW_PASSWORD!,
      });
    case "mwaa": {
      const route = config.BATON_MWAA_ROUTE;
      const environment = config.MWAA_ENVIRONMENT!;
      if (deps.mwaaInvoke && route !== "cli-token") return createMwaaAirflow({ environment, region: config.MWAA_REGION, invoke: deps.mwaaInvoke });
      if (deps.mwaaCreateCliToken && route !== "invoke-rest-api") {
        return createMwaaCliAirflow({ environment, region: config.MWAA_REGION, createCliToken: deps.mwaaCreateCliToken, ...(config.MWAA_CLI_URL ? { baseUrl: config.MWAA_CLI_URL } : {}) });
      }
      throw new Error(`BATON_AIRFLOW=mwaa (BATON_MWAA_ROUTE=${route}) needs the Node entry (npm start), which loads the AWS SDK's MWAA client`);
    }
    default: {
      const _exhaustive: never = config.BATON_AIRFLOW;
      throw new Error(`unknown BATON_AIRFLOW ${String(_exhaustive)}`);
    }
  }
}

export async function openDagRuns(config: DagRunSettings, deps: DagRunsOpenDeps): Promise<DagRuns | undefined> {
  if (!config.BATON_DAG_RUNS) return undefined;
  const { engine, store, objects } = deps;
  return startDagRuns({
    store,
    bus: engine.bus,
    airflow: airflowFor(config, deps),
    ...(objects ? { artifacts: { source: deps.dagObjects ?? objects, target: objects } } : {}),
    knownRuns: () => engine.models.dagRuns.values(),
    // With several processes on one store, each run is driven by the owner of its workflow's partition only.
    ...(engine.owns ? { owns: engine.owns } : {}),
    ...(engine.onDagRunChange ? { onRunChange: engine.onDagRunChange } : {}),
    triggerTopic: config.BATON_DAG_TRIGGER_TOPIC,
    completionTopic: config.BATON_ROUTER_TOPIC,
    intervalMs: config.BATON_DAG_POLL_INTERVAL_MS,
    concurrency: config.BATON_DAG_MONITOR_CONCURRENCY,
    timeoutMs: config.BATON_DAG_TIMEOUT_MS,
    triggerAttempts: config.BATON_DAG_TRIGGER_ATTEMPTS,
    triggerBackoffMs: config.BATON_DAG_TRIGGER_BACKOFF_MS,
    outputPrefix: config.BATON_DAG_OUTPUT_PREFIX,
    logError: deps.logError,
    ...(deps.triggerRequests === false ? { triggerRequests: false } : {}),
  });
}
