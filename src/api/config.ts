import * as v from "valibot";
import { parseOrThrow } from "../domain/definitions/validate.ts";
import { RouterMappingsJsonSchema } from "../domain/router/mappings.ts";
import { parseEgressRule } from "../engine/system/egress-policy.ts";
import { AIRFLOW_SETTINGS_MESSAGE, airflowSettingsComplete, DAG_RUN_CONFIG_ENTRIES } from "./config-dag-runs.ts";
import { isServiceName, SERVICE_NAMES } from "../services/names.ts";

const integer = (name: string, min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, `${name} must be a whole number`),
    v.transform(Number),
    v.minValue(min, `${name} must be >= ${min}`),
    v.maxValue(max, `${name} must be <= ${max}`),
  );

const boolean = (name: string) =>
  v.pipe(
    v.picklist(["true", "false", "1", "0"], `${name} must be true or false`),
    v.transform((value) => value === "true" || value === "1"),
  );

/** A comma-separated list of HTTP egress rules (host, *.domain, address or CIDR), each checked. */
const egressRules = (name: string) =>
  v.pipe(
    v.string(),
    v.transform((value) => value.split(",").map((rule) => rule.trim()).filter((rule) => rule !== "")),
    v.check((rules) => rules.every((rule) => isEgressRule(rule)), `${name} must be a comma-separated list of host names, *.domain, addresses or CIDR ranges`),
  );

function isEgressRule(rule: string): boolean {
  try {
    parseEgressRule(rule, "rule");
    return true;
  } catch {
    return false;
  }
}

const url = (name: string) =>
  v.pipe(v.string(), v.regex(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, `${name} must be an http:// or https:// URL with host and optional port`));

const bucket = (name: string) =>
  v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, `${name} must be an S3 bucket name (3-63 lowercase letters, digits, '.', '-')`));

/** `all`, `none`, or a comma-separated list of service names, each known. */
const serviceList = (name: string) =>
  v.pipe(
    v.string(),
    v.transform((value) => value.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")),
    v.check(
      (names) => names.length === 1 && (names[0] === "all" || names[0] === "none") || names.every(isServiceName),
      `${name} must be all, none, or a comma-separated list of ${SERVICE_NAMES.join(", ")}`,
    ),
    v.transform((names) => (names[0] === "all" ? [...SERVICE_NAMES] : names[0] === "none" ? [] : [...new Set(names)]) as (typeof SERVICE_NAMES)[number][]),
  );

/** Environment variables Baton reads, with their defaults. */
export const ConfigSchema = v.object({
  PORT: v.optional(integer("PORT", 0, 65535), "8080"),
  HOST: v.optional(v.pipe(v.string(), v.nonEmpty("HOST must not be empty")), "0.0.0.0"),
  BATON_EVENT_STORE: v.optional(
    v.picklist(["file", "memory", "esdb"], "BATON_EVENT_STORE must be one of file, memory, esdb"),
    "file",
  ),
  /** EventStoreDB connection string, required when BATON_EVENT_STORE is esdb. */
  ESDB_URL: v.optional(
    v.pipe(v.string(), v.regex(/^esdb(\+discover)?:\/\//, "ESDB_URL must be an esdb:// or esdb+discover:// connection string")),
  ),
  DATA_DIR: v.optional(v.pipe(v.string(), v.nonEmpty("DATA_DIR must not be empty")), "./data"),
  BATON_FSYNC: v.optional(boolean("BATON_FSYNC"), "true"),
  /** The file store's cache of decoded records, in MiB of log; the events themselves stay on disk. */
  BATON_READ_CACHE_MB: v.optional(integer("BATON_READ_CACHE_MB", 0, 65_536), "4"),
  /** Records the file store indexes in memory; older ones are frozen into index segments on disk. */
  BATON_INDEX_HOT_RECORDS: v.optional(integer("BATON_INDEX_HOT_RECORDS", 1, 100_000_000), "100000"),
  BATON_SWEEP_INTERVAL_MS: v.optional(integer("BATON_SWEEP_INTERVAL_MS", 10, 60_000), "250"),
  /** Memory bounds: finished workflows kept whole, finished workflows kept searchable, streams the write side caches. */
  BATON_FINISHED_IN_MEMORY: v.optional(integer("BATON_FINISHED_IN_MEMORY", 0, 10_000_000), "1000"),
  BATON_SEARCHABLE_FINISHED: v.optional(integer("BATON_SEARCHABLE_FINISHED", 0, 100_000_000), "50000"),
  BATON_WRITE_CACHE_SIZE: v.optional(integer("BATON_WRITE_CACHE_SIZE", 0, 10_000_000), "5000"),
  /** Events between two read-model checkpoints in DATA_DIR/checkpoints (Node entry; 0 turns them off). */
  BATON_CHECKPOINT_EVERY: v.optional(integer("BATON_CHECKPOINT_EVERY", 0, 100_000_000), "50000"),
  /** Workflow limits (domain/workflow/limits.ts): DO_WHILE iterations, events per decision, dynamic fork branches, sub-workflow depth. */
  BATON_MAX_LOOP_ITERATIONS: v.optional(integer("BATON_MAX_LOOP_ITERATIONS", 1, 100_000_000), "1000"),
  BATON_MAX_DECISION_EVENTS: v.optional(integer("BATON_MAX_DECISION_EVENTS", 10, 10_000_000), "250"),
  BATON_MAX_DYNAMIC_FORK_BRANCHES: v.optional(integer("BATON_MAX_DYNAMIC_FORK_BRANCHES", 1, 10_000_000), "1000"),
  BATON_MAX_SUBWORKFLOW_DEPTH: v.optional(integer("BATON_MAX_SUBWORKFLOW_DEPTH", 0, 1_000_000), "32"),
  /** User code (INLINE/javascript, conditions, jq): worker threads, waiting evaluations, time and memory limits, evaluations per decision. */
  BATON_USER_CODE_WORKERS: v.optional(integer("BATON_USER_CODE_WORKERS", 1, 64), "2"),
  BATON_USER_CODE_QUEUE: v.optional(integer("BATON_USER_CODE_QUEUE", 0, 1_000_000), "1000"),
  BATON_SCRIPT_TIMEOUT_MS: v.optional(integer("BATON_SCRIPT_TIMEOUT_MS", 1, 600_000), "500"),
  BATON_JQ_TIMEOUT_MS: v.optional(integer("BATON_JQ_TIMEOUT_MS", 1, 600_000), "500"),
  BATON_SCRIPT_MEMORY_MB: v.optional(integer("BATON_SCRIPT_MEMORY_MB", 1, 4096), "32"),
  BATON_USER_CODE_HEAP_MB: v.optional(integer("BATON_USER_CODE_HEAP_MB", 8, 65_536), "128"),
  BATON_EVALUATIONS_PER_DECISION: v.optional(integer("BATON_EVALUATIONS_PER_DECISION", 1, 100_000), "100"),
  /** Several Baton processes on one EventStoreDB share the work by partition (ownership.ts); off: this process does all of it. */
  BATON_CLUSTER: v.optional(boolean("BATON_CLUSTER"), "false"),
  /** Partitions workflows hash onto; the same on every member. */
  BATON_PARTITIONS: v.optional(integer("BATON_PARTITIONS", 1, 4096), "64"),
  /** How often a member heartbeats into the store and re-reads the members. */
  BATON_HEARTBEAT_MS: v.optional(integer("BATON_HEARTBEAT_MS", 50, 60_000), "1000"),
  /** A member silent this long is dead; its partitions are taken over within this plus one heartbeat. */
  BATON_TAKEOVER_MS: v.optional(integer("BATON_TAKEOVER_MS", 100, 600_000), "5000"),
  /** This member's name (default: host, process id and a random suffix, new on every start). */
  BATON_NODE_ID: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._:-]{1,100}$/, "BATON_NODE_ID must be 1-100 letters, digits, '.', '_', ':' or '-'"))),
  /** The sink-pattern event router: on or off, its completion topic, event type -> task ref mappings, hold time. */
  BATON_ROUTER_ENABLED: v.optional(boolean("BATON_ROUTER_ENABLED"), "true"),
  BATON_ROUTER_TOPIC: v.optional(v.pipe(v.string(), v.trim(), v.nonEmpty("BATON_ROUTER_TOPIC must not be empty")), "conductor-events"),
  BATON_ROUTER_MAPPINGS: v.optional(RouterMappingsJsonSchema, "{}"),
  BATON_ROUTER_HOLD_MS: v.optional(integer("BATON_ROUTER_HOLD_MS", 0, 7 * 24 * 3600_000), "300000"),
  BATON_ROUTER_CONCURRENCY: v.optional(integer("BATON_ROUTER_CONCURRENCY", 1, 1024), "32"),
  BATON_SHUTDOWN_TIMEOUT_MS: v.optional(integer("BATON_SHUTDOWN_TIMEOUT_MS", 100, 3600_000), "10000"),
  /** While the engine starts, an API request waits this long for it before the 503 "Baton is starting" (0: answer at once). */
  BATON_START_HOLD_MS: v.optional(integer("BATON_START_HOLD_MS", 0, 600_000), "30000"),
  BATON_ROUTER_HOLD_GRACE_MS: v.optional(integer("BATON_ROUTER_HOLD_GRACE_MS", 0, 60_000), "500"),
  /** EVENT tasks with a `conductor:<name>` sink wait for their reply as if `asyncComplete: true` (off: Conductor's rule). */
  BATON_EVENT_SINK_WAITS: v.optional(boolean("BATON_EVENT_SINK_WAITS"), "false"),
  /** Topics for KAFKA_PUBLISH, EVENT sinks and event handlers: in-process, or Kafka at KAFKA_BROKERS. */
  BATON_BUS: v.optional(v.picklist(["memory", "kafka"], "BATON_BUS must be one of memory, kafka"), "memory"),
  /** Comma-separated host:port list, required when BATON_BUS is kafka. */
  KAFKA_BROKERS: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\s*[^\s,]+:\d+\s*(,\s*[^\s,]+:\d+\s*)*$/, "KAFKA_BROKERS must be a comma-separated list of host:port"),
      v.transform((value) => value.split(",").map((broker) => broker.trim())),
    ),
  ),
  /** Prefix of the Kafka consumer groups Baton joins. */
  KAFKA_GROUP_ID: v.optional(v.pipe(v.string(), v.nonEmpty("KAFKA_GROUP_ID must not be empty")), "baton"),
  /** Create topics and their dead-letter topics before first use. */
  KAFKA_CREATE_TOPICS: v.optional(boolean("KAFKA_CREATE_TOPICS"), "true"),
  /** How long a consumer group waits for a silent member before handing its partitions on (the broker allows 6 s to 5 min by default). */
  KAFKA_SESSION_TIMEOUT_MS: v.optional(integer("KAFKA_SESSION_TIMEOUT_MS", 1_000, 3600_000), "30000"),
  /** HTTP task egress: only these hosts/ranges when set; never these (added to the link-local and cloud-metadata defaults unless BATON_HTTP_DENY_DEFAULTS is false). */
  BATON_HTTP_ALLOW: v.optional(egressRules("BATON_HTTP_ALLOW"), ""),
  BATON_HTTP_DENY: v.optional(egressRules("BATON_HTTP_DENY"), ""),
  BATON_HTTP_DENY_DEFAULTS: v.optional(boolean("BATON_HTTP_DENY_DEFAULTS"), "true"),
  /** Where the ingestion service keeps inputs and configurations: files under DATA_DIR/objects, S3, or MinIO's client on S3_*. */
  BATON_OBJECT_STORE: v.optional(v.picklist(["fs", "s3", "minio"], "BATON_OBJECT_STORE must be one of fs, s3, minio"), "fs"),
  S3_ENDPOINT: v.optional(url("S3_ENDPOINT")),
  S3_REGION: v.optional(v.pipe(v.string(), v.nonEmpty("S3_REGION must not be empty")), "us-east-1"),
  S3_BUCKET: v.optional(bucket("S3_BUCKET")),
  S3_ACCESS_KEY_ID: v.optional(v.pipe(v.string(), v.nonEmpty("S3_ACCESS_KEY_ID must not be empty"))),
  S3_SECRET_ACCESS_KEY: v.optional(v.pipe(v.string(), v.nonEmpty("S3_SECRET_ACCESS_KEY must not be empty"))),
  S3_FORCE_PATH_STYLE: v.optional(boolean("S3_FORCE_PATH_STYLE"), "false"),
  /** Input limits at the edge (src/api/input-limits.ts): body bytes, JSON nesting, search query size, GraphQL document size. */
  BATON_MAX_BODY_BYTES: v.optional(integer("BATON_MAX_BODY_BYTES", 1024, 1024 * 1024 * 1024), String(4 * 1024 * 1024)),
  BATON_MAX_JSON_DEPTH: v.optional(integer("BATON_MAX_JSON_DEPTH", 8, 512), "128"),
  BATON_MAX_SEARCH_QUERY_CHARS: v.optional(integer("BATON_MAX_SEARCH_QUERY_CHARS", 16, 1_000_000), "4096"),
  BATON_MAX_SEARCH_QUERY_DEPTH: v.optional(integer("BATON_MAX_SEARCH_QUERY_DEPTH", 1, 100), "16"),
  BATON_MAX_GRAPHQL_TOKENS: v.optional(integer("BATON_MAX_GRAPHQL_TOKENS", 100, 1_000_000), "20000"),
  /** The MinIO server holding the raw-data bucket that deployed workflows may name as their input. */
  MINIO_ENDPOINT: v.optional(url("MINIO_ENDPOINT")),
  MINIO_ACCESS_KEY: v.optional(v.pipe(v.string(), v.nonEmpty("MINIO_ACCESS_KEY must not be empty"))),
  MINIO_SECRET_KEY: v.optional(v.pipe(v.string(), v.nonEmpty("MINIO_SECRET_KEY must not be empty"))),
  MINIO_REGION: v.optional(v.pipe(v.string(), v.nonEmpty("MINIO_REGION must not be empty")), "us-east-1"),
  MINIO_RAW_DATA_BUCKET: v.optional(bucket("MINIO_RAW_DATA_BUCKET"), "raw-data"),
  /** The Airflow bridge (config-dag-runs.ts). */
  ...DAG_RUN_CONFIG_ENTRIES,
  /** Authentication (src/api/auth): off for local use, or required on every route but the public ones. */
  BATON_AUTH: v.optional(v.picklist(["off", "required"], "BATON_AUTH must be one of off, required"), "off"),
  /** The HMAC secret tokens are signed with; generated into DATA_DIR/auth-secret when absent (file store). */
  BATON_AUTH_SECRET: v.optional(v.pipe(v.string(), v.minLength(32, "BATON_AUTH_SECRET must be at least 32 characters"))),
  BATON_TOKEN_TTL_SECONDS: v.optional(integer("BATON_TOKEN_TTL_SECONDS", 1, 7 * 24 * 3600), "3600"),
  /** Browser origins allowed to call Baton from their pages (CORS); none by default. */
  BATON_CORS_ORIGINS: v.optional(
    v.pipe(
      v.string(),
      v.transform((value) => value.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "")),
      v.check(
        (origins) => origins.every((origin) => /^https?:\/\/[^\s/]+$/.test(origin)),
        "BATON_CORS_ORIGINS must be a comma-separated list of origins such as https://console.example.com (scheme and host, optional port, no path)",
      ),
    ),
    "",
  ),
  /** GraphiQL on GET /graphql; it loads its assets from a CDN, so it is off unless asked for. */
  BATON_GRAPHIQL: v.optional(boolean("BATON_GRAPHIQL"), "false"),
  /** The web console at `/` (built into dist/console by `npm start`). */
  BATON_CONSOLE: v.optional(boolean("BATON_CONSOLE"), "true"),
  /** The seed's data services Baton runs in its own process, on its bus (src/services); unset: all on the in-process bus, none on Kafka. */
  BATON_SERVICES: v.optional(serviceList("BATON_SERVICES")),
  /** email-validator: share of requests answered with a simulated failure (0..1), to show failure and retry. */
  BATON_EMAIL_VALIDATOR_FAULT_RATE: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, "BATON_EMAIL_VALIDATOR_FAULT_RATE must be a number from 0 to 1"),
      v.transform(Number),
    ),
    "0",
  ),
  /** email-validator: look up MX records (off: syntax and domain-name checks only). */
  BATON_EMAIL_VALIDATOR_MX_CHECK: v.optional(boolean("BATON_EMAIL_VALIDATOR_MX_CHECK"), "true"),
  BATON_EMAIL_VALIDATOR_DNS_TIMEOUT_MS: v.optional(integer("BATON_EMAIL_VALIDATOR_DNS_TIMEOUT_MS", 100, 60_000), "5000"),
  /** phone-validator: the country numbers without a +<country code> are read in (ISO 3166-1 alpha-2). */
  BATON_PHONE_DEFAULT_COUNTRY: v.optional(
    v.pipe(v.string(), v.toUpperCase(), v.regex(/^[A-Z]{2}$/, "BATON_PHONE_DEFAULT_COUNTRY must be an ISO 3166-1 alpha-2 country code such as US")),
  ),
  /** enricher, reverse-email: a JSON file of {companies, people} to look up in, instead of the bundled sample. */
  BATON_DIRECTORY_FILE: v.optional(v.pipe(v.string(), v.nonEmpty("BATON_DIRECTORY_FILE must not be empty"))),
  /**
   * Where the fan-out orchestrator's original API (examples/fanout-orchestrator) is mounted, e.g. `/fanout`;
   * unset, it is not. Never `/` or `/api...`: its `/api/tasks` would shadow Conductor's.
   */
  BATON_FANOUT_API_PREFIX: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^(\/[A-Za-z0-9._~-]+)+$/, "BATON_FANOUT_API_PREFIX must be a path like /fanout (no trailing slash)"),
      v.check((prefix) => !/^\/api(\/|$)/.test(prefix), "BATON_FANOUT_API_PREFIX must not start with /api (it would clash with Conductor's /api/tasks)"),
    ),
  ),
  BATON_FANOUT_WORKFLOW: v.optional(v.pipe(v.string(), v.nonEmpty("BATON_FANOUT_WORKFLOW must not be empty")), "fanout_orchestration"),
  BATON_FANOUT_TOPIC: v.optional(v.pipe(v.string(), v.nonEmpty("BATON_FANOUT_TOPIC must not be empty")), "fanout-orchestrate-requests"),
  /** Mounts `POST /api/contact` (examples/contact-form), which publishes ContactFormSubmitted on BATON_CONTACT_TOPIC. */
  BATON_CONTACT_API: v.optional(boolean("BATON_CONTACT_API"), "false"),
  BATON_CONTACT_TOPIC: v.optional(v.pipe(v.string(), v.nonEmpty("BATON_CONTACT_TOPIC must not be empty")), "contact-form-submitted"),
  /** Logs: least severe level written, and JSON lines or a pretty line (auto: pretty on a terminal). */
  BATON_LOG_LEVEL: v.optional(v.picklist(["debug", "info", "warn", "error"], "BATON_LOG_LEVEL must be one of debug, info, warn, error"), "info"),
  BATON_LOG_FORMAT: v.optional(v.picklist(["auto", "json", "pretty"], "BATON_LOG_FORMAT must be one of auto, json, pretty"), "auto"),
});

export type Config = v.InferOutput<typeof ConfigSchema>;

const esdbNeedsUrl = v.forward(
  v.check(
    (config: Config) => config.BATON_EVENT_STORE !== "esdb" || config.ESDB_URL !== undefined,
    "ESDB_URL is required when BATON_EVENT_STORE is esdb (e.g. esdb://localhost:2113?tls=false)",
  ),
  ["ESDB_URL"],
);

const clusterNeedsEsdb = v.forward(
  v.check(
    (config: Config) => !config.BATON_CLUSTER || config.BATON_EVENT_STORE === "esdb",
    "BATON_CLUSTER needs BATON_EVENT_STORE=esdb (the file store allows one process, the memory store is private to one)",
  ),
  ["BATON_CLUSTER"],
);

const takeoverAfterHeartbeats = v.forward(
  v.check(
    (config: Config) => config.BATON_TAKEOVER_MS >= 2 * config.BATON_HEARTBEAT_MS,
    "BATON_TAKEOVER_MS must be at least twice BATON_HEARTBEAT_MS, or one late heartbeat would look like a death",
  ),
  ["BATON_TAKEOVER_MS"],
);

const kafkaNeedsBrokers = v.forward(
  v.check(
    (config: Config) => config.BATON_BUS !== "kafka" || config.KAFKA_BROKERS !== undefined,
    "KAFKA_BROKERS is required when BATON_BUS is kafka (e.g. 127.0.0.1:9092)",
  ),
  ["KAFKA_BROKERS"],
);

const objectStoreNeedsBucket = v.forward(
  v.check(
    (config: Config) => config.BATON_OBJECT_STORE === "fs" || config.S3_BUCKET !== undefined,
    "S3_BUCKET is required when BATON_OBJECT_STORE is s3 or minio",
  ),
  ["S3_BUCKET"],
);

const minioStoreNeedsEndpoint = v.forward(
  v.check(
    (config: Config) => config.BATON_OBJECT_STORE !== "minio" || (config.S3_ENDPOINT !== undefined && config.S3_ACCESS_KEY_ID !== undefined && config.S3_SECRET_ACCESS_KEY !== undefined),
    "S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required when BATON_OBJECT_STORE is minio",
  ),
  ["S3_ENDPOINT"],
);

const s3KeysTogether = v.forward(
  v.check(
    (config: Config) => (config.S3_ACCESS_KEY_ID === undefined) === (config.S3_SECRET_ACCESS_KEY === undefined),
    "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together",
  ),
  ["S3_SECRET_ACCESS_KEY"],
);

const rawDataNeedsKeys = v.forward(
  v.check(
    (config: Config) => config.MINIO_ENDPOINT === undefined || (config.MINIO_ACCESS_KEY !== undefined && config.MINIO_SECRET_KEY !== undefined),
    "MINIO_ACCESS_KEY and MINIO_SECRET_KEY are required when MINIO_ENDPOINT is set",
  ),
  ["MINIO_ACCESS_KEY"],
);

const airflowNeedsItsSettings = v.forward(v.check((config: Config) => airflowSettingsComplete(config), AIRFLOW_SETTINGS_MESSAGE), ["BATON_AIRFLOW"]);
const sharedStoreNeedsAuthSecret = v.forward(
  v.check(
    (config: Config) => config.BATON_AUTH !== "required" || config.BATON_EVENT_STORE !== "esdb" || config.BATON_AUTH_SECRET !== undefined,
    "BATON_AUTH_SECRET is required when BATON_AUTH is required with BATON_EVENT_STORE=esdb (every process must sign tokens alike)",
  ),
  ["BATON_AUTH_SECRET"],
);

/**
 * Reads the configuration from an environment map (e.g. `process.env`), or
 * throws a ValidationError naming the variable and what it expects.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const known: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.entries)) {
    const value = env[key];
    if (value !== undefined && value !== "") known[key] = value;
  }
  return parseOrThrow(
    v.pipe(ConfigSchema, esdbNeedsUrl, clusterNeedsEsdb, takeoverAfterHeartbeats, kafkaNeedsBrokers, objectStoreNeedsBucket, minioStoreNeedsEndpoint, s3KeysTogether, rawDataNeedsKeys, sharedStoreNeedsAuthSecret, airflowNeedsItsSettings),
    known,
    "configuration",
  );
}
