/**
 * The configuration reference: what each variable of `ConfigSchema` means.
 * The README's table is generated from the schema (names, defaults) and
 * these meanings (`npm run docs:config`); tests/unit/config-reference.test.ts
 * fails when a variable has no meaning here or the README differs.
 */
import { ConfigSchema } from "./config.ts";

type Variable = keyof typeof ConfigSchema.entries;

interface Reference {
  /** Markdown for the table's meaning column. */
  meaning: string;
  /** The default column when the schema's default says too little (none, or a computed one). */
  shownDefault?: string;
}

export const CONFIG_REFERENCE: Record<Variable, Reference> = {
  PORT: { meaning: "HTTP port (`0` picks a free one)" },
  HOST: { meaning: "interface to listen on" },
  BATON_EVENT_STORE: { meaning: "`file` (durable, `DATA_DIR`), `memory` (lost on exit) or `esdb` (EventStoreDB at `ESDB_URL`; Node entry only)" },
  ESDB_URL: { meaning: "EventStoreDB connection string, required with `BATON_EVENT_STORE=esdb`, e.g. `esdb://localhost:2113?tls=false`" },
  DATA_DIR: { meaning: "where the file store keeps `events.log`, and `baton.lock` while a server has it open (one server per directory)" },
  BATON_FSYNC: { meaning: "fdatasync every group of appends before acknowledging it" },
  BATON_READ_CACHE_MB: { meaning: "the file store's cache of decoded records, in MiB of log (events stay on disk; `0` reads every record from disk)" },
  BATON_INDEX_HOT_RECORDS: {
    meaning:
      "records (appends) the file store indexes in memory, about 60 bytes each; once twice as many are, the oldest move to index segments in `DATA_DIR/index`, leaving about 8 bytes per stream in memory ([memory](#memory-and-start-up))",
  },
  BATON_SWEEP_INTERVAL_MS: { meaning: "how often overdue timeouts are looked for (and system tasks whose retry delay has passed)" },
  BATON_FINISHED_IN_MEMORY: { meaning: "finished workflows the read models keep whole; older ones leave memory and are read back from the store when asked for ([memory](#memory-and-start-up))" },
  BATON_SEARCHABLE_FINISHED: { meaning: "finished workflows that left memory and search still finds (by a digest of about 0.5 KB each); older ones are found by id only" },
  BATON_WRITE_CACHE_SIZE: { meaning: "streams whose folded state the write side keeps between commands (least recently used leave first)" },
  BATON_CHECKPOINT_EVERY: { meaning: "events between two read-model checkpoints in `DATA_DIR/checkpoints` (also written on shutdown; `0` turns them off; not with the memory store)" },
  BATON_USER_CODE_WORKERS: { meaning: "worker threads that run user code (INLINE/`javascript`, loop and handler conditions, jq); see [User code limits](#user-code-limits)" },
  BATON_USER_CODE_QUEUE: { meaning: "evaluations that may wait for a worker; more fail at once" },
  BATON_SCRIPT_TIMEOUT_MS: { meaning: "wall-clock limit of one JavaScript evaluation" },
  BATON_JQ_TIMEOUT_MS: { meaning: "wall-clock limit of one jq filter" },
  BATON_SCRIPT_MEMORY_MB: { meaning: "QuickJS memory of one JavaScript evaluation" },
  BATON_USER_CODE_HEAP_MB: { meaning: "V8 heap of each worker (Node)" },
  BATON_EVALUATIONS_PER_DECISION: { meaning: "distinct evaluations one command may run (e.g. a loop of INLINE bodies in one decision)" },
  BATON_BUS: { meaning: "topics for `KAFKA_PUBLISH`, EVENT sinks, event handlers and the router: `memory` (in-process) or `kafka` ([Kafka bus](#kafka-bus); Node entry only)" },
  KAFKA_BROKERS: { meaning: "comma-separated `host:port` list, required with `BATON_BUS=kafka`" },
  KAFKA_GROUP_ID: { meaning: "prefix of the consumer groups Baton joins (`<prefix>.<topic>`, `<prefix>.<subscriber>.<topic>`)" },
  KAFKA_CREATE_TOPICS: { meaning: "create topics and their `.dlq` topics (broker defaults for partitions/replication) before first use" },
  KAFKA_SESSION_TIMEOUT_MS: { meaning: "how long Baton's consumer groups wait for a silent (killed) member before its partitions move and a joining member is let in; a clean stop leaves at once; the broker bounds it (`group.min/max.session.timeout.ms`, 6 s to 30 min by default)" },
  BATON_ROUTER_ENABLED: { meaning: "run the [event router](#event-router-sink-pattern)" },
  BATON_ROUTER_TOPIC: { meaning: "topic the router consumes completion events from" },
  BATON_ROUTER_MAPPINGS: { meaning: "JSON object eventType -> task reference, e.g. `{\"email_validation_completed\": \"validate_email_ref\"}` (the router's last matching rule)" },
  BATON_ROUTER_HOLD_MS: { meaning: "how long the router holds a completion whose task does not wait yet" },
  BATON_SHUTDOWN_TIMEOUT_MS: { meaning: "how long SIGTERM/SIGINT wait for an orderly stop before the process exits anyway (a second signal exits at once)" },
  BATON_START_HOLD_MS: { meaning: "while the process starts (store, Kafka groups, read models), an API request waits this long for it before the 503 \"Baton is starting\"; `/health*` and `/metrics` answer at once; `0`: answer 503 at once" },
  BATON_ROUTER_HOLD_GRACE_MS: { meaning: "how long the router keeps a completion that beat its task in hand, unrecorded, before holding it (0: hold at once)" },
  BATON_ROUTER_CONCURRENCY: { meaning: "completions the router handles at once per partition, in order per workflow (1: one at a time)" },
  BATON_HTTP_ALLOW: { meaning: "HTTP tasks may call only these (comma-separated host names, `*.domain`, addresses, CIDR ranges); empty: anything not denied ([egress](#http-task-egress-policy))" },
  BATON_HTTP_DENY: { meaning: "HTTP tasks may never call these, whatever `BATON_HTTP_ALLOW` says (e.g. `127.0.0.0/8,::1` keeps them off Baton's own API)" },
  BATON_HTTP_DENY_DEFAULTS: { meaning: "also deny link-local ranges (`169.254.0.0/16`, `fe80::/10`) and the cloud metadata addresses and names" },
  BATON_EVENT_SINK_WAITS: { meaning: "`true`: an `EVENT` whose sink is `conductor:<name>` waits for its reply as if `asyncComplete: true` (the seed's workflows); `false` is Conductor's rule ([the seed's documents](#the-seeds-documents-as-written))" },
  BATON_OBJECT_STORE: { meaning: "where the [ingestion service](#ingestion-service) keeps runs: `fs` (files under `DATA_DIR/objects`), `s3` (`@aws-sdk/client-s3` on `S3_*`) or `minio` (the `minio` client on `S3_*`; Node entry only for both)" },
  S3_ENDPOINT: { meaning: "S3-compatible endpoint URL (`http(s)://host[:port]`); required with `minio`", shownDefault: "AWS" },
  S3_REGION: { meaning: "region used for signing" },
  S3_BUCKET: { meaning: "bucket for runs, required with `s3` and `minio`" },
  S3_ACCESS_KEY_ID: { meaning: "access key id (set with `S3_SECRET_ACCESS_KEY` or neither; required with `minio`)", shownDefault: "SDK default chain" },
  S3_SECRET_ACCESS_KEY: { meaning: "secret key (set with `S3_ACCESS_KEY_ID` or neither; required with `minio`)", shownDefault: "SDK default chain" },
  S3_FORCE_PATH_STYLE: { meaning: "path-style URLs (`host/bucket/key`), which most S3-compatible servers need" },
  MINIO_ENDPOINT: { meaning: "the MinIO server holding the raw-data bucket deployed workflows may take input from (`http(s)://host:port`)" },
  MINIO_ACCESS_KEY: { meaning: "its access key, required with `MINIO_ENDPOINT`" },
  MINIO_SECRET_KEY: { meaning: "its secret key, required with `MINIO_ENDPOINT`" },
  MINIO_REGION: { meaning: "its region" },
  MINIO_RAW_DATA_BUCKET: { meaning: "the raw-data bucket's name" },
  BATON_AUTH: { meaning: "`off` (every route open, for local use) or `required` ([authentication](#authentication))" },
  BATON_AUTH_SECRET: { meaning: "HMAC secret tokens are signed with (32+ characters); without it one is generated into `DATA_DIR/auth-secret` (file store) or per process (memory store); required with `esdb`", shownDefault: "generated" },
  BATON_TOKEN_TTL_SECONDS: { meaning: "how long a token from `POST /api/token` is valid" },
  BATON_CORS_ORIGINS: { meaning: "comma-separated browser origins allowed to call Baton (`https://console.example.com`); none: no CORS headers for any origin" },
  BATON_GRAPHIQL: { meaning: "a browser opening `GET /graphql` is redirected to the console's GraphiQL at `/graphiql` (local assets; needs `BATON_CONSOLE`)" },
  BATON_MAX_BODY_BYTES: { meaning: "largest request body, REST, GraphQL and ingestion ([input limits](#input-limits))", shownDefault: "`4194304` (4 MiB)" },
  BATON_MAX_JSON_DEPTH: { meaning: "deepest nesting of objects/arrays in a JSON body, GraphQL document or variables, or bus message (at most 512)" },
  BATON_MAX_SEARCH_QUERY_CHARS: { meaning: "longest search `query`" },
  BATON_MAX_SEARCH_QUERY_DEPTH: { meaning: "deepest parenthesis nesting in a search `query` (at most 100)" },
  BATON_MAX_GRAPHQL_TOKENS: { meaning: "most lexical tokens in a GraphQL document" },
  BATON_LOG_LEVEL: { meaning: "least severe log line written: `debug` (adds one line per HTTP request), `info`, `warn` or `error` ([logs](#operations-logs-metrics-health-api-description))" },
  BATON_LOG_FORMAT: { meaning: "`json` (one object per line: `time`, `level`, `message`, `requestId`, `workflowId`, …), `pretty` (for people), or `auto`: pretty when stdout is a terminal, else JSON" },
  BATON_MAX_LOOP_ITERATIONS: { meaning: "iterations one DO_WHILE may run ([Workflow limits](#workflow-limits))" },
  BATON_MAX_DECISION_EVENTS: { meaning: "events one decision emits before the engine stores them and continues in a follow-up command (min 10)" },
  BATON_MAX_DYNAMIC_FORK_BRANCHES: { meaning: "branches one FORK_JOIN_DYNAMIC may start" },
  BATON_MAX_SUBWORKFLOW_DEPTH: { meaning: "how deep SUB_WORKFLOWs may nest below a workflow started from outside, recursion included (`0`: no sub-workflows)" },
  BATON_CLUSTER: { meaning: "share the work with other Baton processes on the same EventStoreDB by partition ([several processes](#several-processes-on-one-eventstoredb)); needs `BATON_EVENT_STORE=esdb`" },
  BATON_PARTITIONS: { meaning: "partitions workflows hash onto; the same on every member" },
  BATON_HEARTBEAT_MS: { meaning: "how often a member heartbeats into the store and re-reads the members" },
  BATON_TAKEOVER_MS: { meaning: "a member silent this long is dead; its partitions move within this plus one heartbeat (at least twice `BATON_HEARTBEAT_MS`)" },
  BATON_NODE_ID: { meaning: "this member's name (new on every start by default)", shownDefault: "host-pid-random" },
  BATON_AIRFLOW: { meaning: "who runs DAGs: `local` (TypeScript DAGs in process), `airflow2` (REST `/api/v1`, basic auth), `airflow3` (REST `/api/v2`, token from `/auth/token`) or `mwaa` (InvokeRestApi or the CLI token, `BATON_MWAA_ROUTE`; Node entry, needs `@aws-sdk/client-mwaa`) ([MWAA](#mwaa))" },
  BATON_DAG_RUNS: { meaning: "run the DAG-run monitor in this process, and the airflow-adapter unless it runs as a data service here (`BATON_SERVICES`) ([DAG runs](#dag-runs-and-the-airflow-bridge))" },
  MWAA_ENVIRONMENT: { meaning: "the MWAA environment, required with `mwaa` (credentials: the AWS SDK's default chain)", shownDefault: "—, `us-east-1`" },
  MWAA_REGION: { meaning: "the MWAA environment, required with `mwaa` (credentials: the AWS SDK's default chain)", shownDefault: "—, `us-east-1`" },
  BATON_MWAA_ROUTE: { meaning: "how `mwaa` calls Airflow: `invoke-rest-api` (REST through `InvokeRestApi`), `cli-token` (`CreateCliToken` + the web server's `/aws_mwaa/cli`), `auto`: `invoke-rest-api` when the installed SDK has it, else `cli-token` (3.523.0, the one installed here, has not)" },
  MWAA_CLI_URL: { meaning: "where the `cli-token` route posts `/aws_mwaa/cli` instead of `https://<WebServerHostname>` (a proxy; tests' fake)" },
  AIRFLOW_S3_BUCKET: { meaning: "the bucket DAGs write output and stats to (on the `S3_*` endpoint and keys); its artifacts are copied to Baton's object store. Unset: DAGs write to Baton's store and nothing is copied" },
  BATON_DAG_TRIGGER_TOPIC: { meaning: "the topic DAG-run requests arrive on" },
  BATON_DAG_POLL_INTERVAL_MS: { meaning: "how often the monitor asks Airflow for each run's state" },
  BATON_DAG_MONITOR_CONCURRENCY: { meaning: "Airflow calls in flight at once" },
  BATON_DAG_TIMEOUT_MS: { meaning: "a run not finished this long after its request times out (the completion says so)" },
  BATON_DAG_TRIGGER_ATTEMPTS: { meaning: "trigger attempts on transient errors (network, 5xx, 429) and the first back-off, doubled after each", shownDefault: "`3`, `2000`" },
  BATON_DAG_TRIGGER_BACKOFF_MS: { meaning: "trigger attempts on transient errors (network, 5xx, 429) and the first back-off, doubled after each", shownDefault: "`3`, `2000`" },
  BATON_DAG_OUTPUT_PREFIX: { meaning: "where a DAG writes output and stats (given to it as `conf.output_prefix`)" },
  BATON_SERVICES: { meaning: "the [data services](#data-services) Baton runs in its own process, on its bus: `all`, `none`, or a comma-separated list of `email-validator`, `phone-validator`, `enricher`, `reverse-email`, `airflow-adapter`, `email-hygiene` (the last two are left out of `all`'s default when `BATON_DAG_RUNS=false`)", shownDefault: "`all` on the in-process bus, `none` on Kafka" },
  BATON_EMAIL_VALIDATOR_FAULT_RATE: { meaning: "share of email validation requests (0 to 1) answered with a simulated failure, to show failure and retry" },
  BATON_EMAIL_VALIDATOR_MX_CHECK: { meaning: "look up MX records (`false`: syntax and domain-name checks only, for machines without DNS)" },
  BATON_EMAIL_VALIDATOR_DNS_TIMEOUT_MS: { meaning: "time-out of one DNS query (two tries)" },
  BATON_PHONE_DEFAULT_COUNTRY: { meaning: "the country (ISO 3166-1 alpha-2, e.g. `US`) numbers without `+<country code>` are read in, unless the request gives `default_country`" },
  BATON_DIRECTORY_FILE: { meaning: "a JSON file `{companies: [...], people: [...]}` the enricher and reverse-email look up in (checked at start, errors name the field)", shownDefault: "bundled sample" },
  BATON_FANOUT_API_PREFIX: { meaning: "mount the fan-out orchestrator's original API (see [Examples](#examples)) under this path, e.g. `/fanout`; never `/` or `/api...`", shownDefault: "unset" },
  BATON_FANOUT_WORKFLOW: { meaning: "the workflow that API starts and reads" },
  BATON_FANOUT_TOPIC: { meaning: "the bus topic `POST <prefix>/api/orchestrate` queues requests on" },
  BATON_CONTACT_API: { meaning: "mount `POST /api/contact` (the contact-form example), which publishes `ContactFormSubmitted`" },
  BATON_CONTACT_TOPIC: { meaning: "the bus topic it publishes on" },
  AIRFLOW_URL: { meaning: "the Airflow API server, required with `airflow2`/`airflow3`" },
  AIRFLOW_USERNAME: { meaning: "its user, required with `airflow2`/`airflow3`" },
  AIRFLOW_PASSWORD: { meaning: "that user's password, required with `airflow2`/`airflow3`" },
  BATON_CONSOLE: { meaning: "serve the web [console](#console) at `/` and GraphiQL at `/graphiql` (Node, Deno and Bun entries)" },
};

/** Markers around the generated table in README.md. */
export const TABLE_START = "<!-- configuration table: generated by `npm run docs:config` from src/api/config.ts -->";
export const TABLE_END = "<!-- end of configuration table -->";

/** The Markdown table, one row per variable in the schema's order. */
export function configurationTable(): string {
  const rows = Object.entries(ConfigSchema.entries).map(([name, schema]) => {
    const reference = CONFIG_REFERENCE[name as Variable];
    const fallback = (schema as { default?: unknown }).default;
    const shown = reference.shownDefault ?? (fallback === undefined || fallback === "" ? "—" : `\`${String(fallback)}\``);
    return `| \`${name}\` | ${shown} | ${reference.meaning} |`;
  });
  return ["| variable | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

/** `readme` with the text between the markers replaced by the generated table. */
export function withConfigurationTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no configuration table markers (${TABLE_START} ... ${TABLE_END})`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configurationTable()}\n${readme.slice(end)}`;
}
