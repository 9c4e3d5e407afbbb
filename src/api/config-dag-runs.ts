/**
 * The Airflow bridge's settings (DAG runs), merged into the configuration
 * schema (config.ts). Each message names its variable.
 */
import * as v from "valibot";

const whole = (name: string, min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, `${name} must be a whole number`),
    v.transform(Number),
    v.minValue(min, `${name} must be >= ${min}`),
    v.maxValue(max, `${name} must be <= ${max}`),
  );

const nonEmpty = (name: string) => v.pipe(v.string(), v.trim(), v.nonEmpty(`${name} must not be empty`));

export const DAG_RUN_CONFIG_ENTRIES = {
  /** Which Airflow runs DAGs: the in-process local executor, Airflow 2 or 3 over REST, or AWS MWAA. */
  BATON_AIRFLOW: v.optional(v.picklist(["local", "airflow2", "airflow3", "mwaa"], "BATON_AIRFLOW must be one of local, airflow2, airflow3, mwaa"), "local"),
  /** Run the airflow-adapter service and the DAG-run monitor in this process. */
  BATON_DAG_RUNS: v.optional(v.pipe(v.picklist(["true", "false", "1", "0"], "BATON_DAG_RUNS must be true or false"), v.transform((value) => value === "true" || value === "1")), "true"),
  AIRFLOW_URL: v.optional(v.pipe(v.string(), v.regex(/^https?:\/\/[^\s/]+(:\d+)?(\/[^\s]*)?$/, "AIRFLOW_URL must be an http:// or https:// URL"))),
  AIRFLOW_USERNAME: v.optional(nonEmpty("AIRFLOW_USERNAME")),
  AIRFLOW_PASSWORD: v.optional(nonEmpty("AIRFLOW_PASSWORD")),
  MWAA_ENVIRONMENT: v.optional(nonEmpty("MWAA_ENVIRONMENT")),
  MWAA_REGION: v.optional(nonEmpty("MWAA_REGION"), "us-east-1"),
  /** How MWAA is called: `InvokeRestApi`, the CLI token, or `auto` (InvokeRestApi when the installed SDK has it, else the CLI token). */
  BATON_MWAA_ROUTE: v.optional(
    v.picklist(["auto", "invoke-rest-api", "cli-token"], "BATON_MWAA_ROUTE must be one of auto, invoke-rest-api, cli-token"),
    "auto",
  ),
  /** Where the CLI route posts `/aws_mwaa/cli` instead of `https://<WebServerHostname>` (a proxy or VPC endpoint; tests' fake). */
  MWAA_CLI_URL: v.optional(v.pipe(v.string(), v.regex(/^https?:\/\/[^\s/]+(:\d+)?(\/[^\s]*)?$/, "MWAA_CLI_URL must be an http:// or https:// URL"))),
  /** The bucket DAGs write output and stats to (with the S3_* endpoint and keys); unset: Baton's own object store. */
  AIRFLOW_S3_BUCKET: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "AIRFLOW_S3_BUCKET must be an S3 bucket name"))),
  BATON_DAG_TRIGGER_TOPIC: v.optional(nonEmpty("BATON_DAG_TRIGGER_TOPIC"), "airflow-trigger-requests"),
  BATON_DAG_POLL_INTERVAL_MS: v.optional(whole("BATON_DAG_POLL_INTERVAL_MS", 10, 3_600_000), "10000"),
  BATON_DAG_MONITOR_CONCURRENCY: v.optional(whole("BATON_DAG_MONITOR_CONCURRENCY", 1, 1000), "10"),
  BATON_DAG_TIMEOUT_MS: v.optional(whole("BATON_DAG_TIMEOUT_MS", 1000, 30 * 24 * 3_600_000), "3600000"),
  BATON_DAG_TRIGGER_ATTEMPTS: v.optional(whole("BATON_DAG_TRIGGER_ATTEMPTS", 1, 100), "3"),
  BATON_DAG_TRIGGER_BACKOFF_MS: v.optional(whole("BATON_DAG_TRIGGER_BACKOFF_MS", 0, 600_000), "2000"),
  /** Where a DAG writes output and stats; `{dagId}` and `{dagRunId}` are filled in and passed to it as `conf.output_prefix`. */
  BATON_DAG_OUTPUT_PREFIX: v.optional(
    v.pipe(v.string(), v.regex(/^[^\s]*\{dagRunId\}[^\s]*\/$/, "BATON_DAG_OUTPUT_PREFIX must contain {dagRunId} and end with '/'")),
    "dagruns/{dagId}/{dagRunId}/",
  ),
};

interface AirflowSettings {
  BATON_AIRFLOW: "local" | "airflow2" | "airflow3" | "mwaa";
  AIRFLOW_URL?: string;
  AIRFLOW_USERNAME?: string;
  AIRFLOW_PASSWORD?: string;
  MWAA_ENVIRONMENT?: string;
}

/** The REST adapters need a URL and credentials, MWAA an environment name. */
export const airflowSettingsComplete = (config: AirflowSettings) =>
  config.BATON_AIRFLOW === "local" ||
  (config.BATON_AIRFLOW === "mwaa"
    ? config.MWAA_ENVIRONMENT !== undefined
    : config.AIRFLOW_URL !== undefined && config.AIRFLOW_USERNAME !== undefined && config.AIRFLOW_PASSWORD !== undefined);

export const AIRFLOW_SETTINGS_MESSAGE =
  "BATON_AIRFLOW=airflow2|airflow3 needs AIRFLOW_URL, AIRFLOW_USERNAME and AIRFLOW_PASSWORD; BATON_AIRFLOW=mwaa needs MWAA_ENVIRONMENT";
