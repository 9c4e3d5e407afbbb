import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { ValidationError } from "../../src/domain/errors.ts";

describe("configuration from the environment", () => {
  it("applies the embedded defaults", () => {
    expect(loadConfig({})).toEqual({
      PORT: 8080,
      HOST: "0.0.0.0",
      BATON_EVENT_STORE: "file",
      DATA_DIR: "./data",
      BATON_FSYNC: true,
      BATON_HTTP_ALLOW: [],
      BATON_HTTP_DENY: [],
      BATON_HTTP_DENY_DEFAULTS: true,
      BATON_READ_CACHE_MB: 4,
      BATON_INDEX_HOT_RECORDS: 100000,
      BATON_SWEEP_INTERVAL_MS: 250,
      BATON_FINISHED_IN_MEMORY: 1000,
      BATON_SEARCHABLE_FINISHED: 50000,
      BATON_WRITE_CACHE_SIZE: 5000,
      BATON_CHECKPOINT_EVERY: 50000,
      BATON_MAX_LOOP_ITERATIONS: 1000,
      BATON_MAX_DECISION_EVENTS: 250,
      BATON_MAX_DYNAMIC_FORK_BRANCHES: 1000,
      BATON_MAX_SUBWORKFLOW_DEPTH: 32,
      BATON_USER_CODE_WORKERS: 2,
      BATON_USER_CODE_QUEUE: 1000,
      BATON_SCRIPT_TIMEOUT_MS: 500,
      BATON_JQ_TIMEOUT_MS: 500,
      BATON_SCRIPT_MEMORY_MB: 32,
      BATON_USER_CODE_HEAP_MB: 128,
      BATON_EVALUATIONS_PER_DECISION: 100,
      BATON_CLUSTER: false,
      BATON_PARTITIONS: 64,
      BATON_HEARTBEAT_MS: 1000,
      BATON_TAKEOVER_MS: 5000,
      BATON_BUS: "memory",
      KAFKA_GROUP_ID: "baton",
      KAFKA_CREATE_TOPICS: true,
      KAFKA_SESSION_TIMEOUT_MS: 30000,
      BATON_ROUTER_ENABLED: true,
      BATON_ROUTER_TOPIC: "conductor-events",
      BATON_ROUTER_MAPPINGS: {},
      BATON_ROUTER_HOLD_MS: 300000,
      BATON_ROUTER_HOLD_GRACE_MS: 500,
      BATON_SHUTDOWN_TIMEOUT_MS: 10000,
      BATON_START_HOLD_MS: 30000,
      BATON_ROUTER_CONCURRENCY: 32,
      BATON_EVENT_SINK_WAITS: false,
      BATON_LOG_LEVEL: "info",
      BATON_LOG_FORMAT: "auto",
      BATON_OBJECT_STORE: "fs",
      S3_REGION: "us-east-1",
      S3_FORCE_PATH_STYLE: false,
      MINIO_REGION: "us-east-1",
      MINIO_RAW_DATA_BUCKET: "raw-data",
      BATON_AIRFLOW: "local",
      BATON_DAG_RUNS: true,
      MWAA_REGION: "us-east-1",
      BATON_MWAA_ROUTE: "auto",
      BATON_DAG_TRIGGER_TOPIC: "airflow-trigger-requests",
      BATON_DAG_POLL_INTERVAL_MS: 10000,
      BATON_DAG_MONITOR_CONCURRENCY: 10,
      BATON_DAG_TIMEOUT_MS: 3600000,
      BATON_DAG_TRIGGER_ATTEMPTS: 3,
      BATON_DAG_TRIGGER_BACKOFF_MS: 2000,
      BATON_DAG_OUTPUT_PREFIX: "dagruns/{dagId}/{dagRunId}/",
      BATON_AUTH: "off",
      BATON_TOKEN_TTL_SECONDS: 3600,
      BATON_CORS_ORIGINS: [],
      BATON_GRAPHIQL: false,
      BATON_FANOUT_WORKFLOW: "fanout_orchestration",
      BATON_FANOUT_TOPIC: "fanout-orchestrate-requests",
      BATON_CONTACT_API: false,
      BATON_CONTACT_TOPIC: "contact-form-submitted",
      BATON_CONSOLE: true,
      BATON_MAX_BODY_BYTES: 4194304,
      BATON_MAX_JSON_DEPTH: 128,
      BATON_MAX_SEARCH_QUERY_CHARS: 4096,
      BATON_MAX_SEARCH_QUERY_DEPTH: 16,
      BATON_MAX_GRAPHQL_TOKENS: 20000,
      BATON_EMAIL_VALIDATOR_FAULT_RATE: 0,
      BATON_EMAIL_VALIDATOR_MX_CHECK: true,
      BATON_EMAIL_VALIDATOR_DNS_TIMEOUT_MS: 5000,
    });
    expect(loadConfig({ PORT: "9090", BATON_EVENT_STORE: "memory", BATON_FSYNC: "false" })).toMatchObject({
      PORT: 9090,
      BATON_EVENT_STORE: "memory",
      BATON_FSYNC: false,
    });
  });

  it.each([
    [{ PORT: "eighty" }, /PORT must be a whole number/],
    [{ PORT: "70000" }, /PORT must be <= 65535/],
    [{ BATON_EVENT_STORE: "postgres" }, /BATON_EVENT_STORE must be one of file, memory/],
    [{ BATON_FSYNC: "sometimes" }, /BATON_FSYNC must be true or false/],
    [{ BATON_READ_CACHE_MB: "lots" }, /BATON_READ_CACHE_MB must be a whole number/],
    [{ BATON_INDEX_HOT_RECORDS: "0" }, /BATON_INDEX_HOT_RECORDS must be >= 1/],
    [{ BATON_EVENT_STORE: "esdb" }, /ESDB_URL: ESDB_URL is required when BATON_EVENT_STORE is esdb/],
    [{ BATON_EVENT_STORE: "esdb", ESDB_URL: "http://localhost:2113" }, /ESDB_URL must be an esdb:\/\/ or esdb\+discover:\/\/ connection string/],
    [{ BATON_BUS: "rabbit" }, /BATON_BUS must be one of memory, kafka/],
    [{ BATON_CLUSTER: "true" }, /BATON_CLUSTER: BATON_CLUSTER needs BATON_EVENT_STORE=esdb/],
    [{ BATON_PARTITIONS: "0" }, /BATON_PARTITIONS must be >= 1/],
    [{ BATON_HEARTBEAT_MS: "1000", BATON_TAKEOVER_MS: "1500" }, /BATON_TAKEOVER_MS: BATON_TAKEOVER_MS must be at least twice BATON_HEARTBEAT_MS/],
    [{ BATON_NODE_ID: "a b" }, /BATON_NODE_ID must be 1-100 letters/],
    [{ BATON_BUS: "kafka" }, /KAFKA_BROKERS is required when BATON_BUS is kafka/],
    [{ BATON_BUS: "kafka", KAFKA_BROKERS: "localhost" }, /KAFKA_BROKERS must be a comma-separated list of host:port/],
    [{ KAFKA_CREATE_TOPICS: "maybe" }, /KAFKA_CREATE_TOPICS must be true or false/],
    [{ KAFKA_SESSION_TIMEOUT_MS: "500" }, /KAFKA_SESSION_TIMEOUT_MS must be >= 1000/],
    [{ BATON_START_HOLD_MS: "soon" }, /BATON_START_HOLD_MS must be a whole number/],
    [{ BATON_MAX_LOOP_ITERATIONS: "0" }, /BATON_MAX_LOOP_ITERATIONS must be >= 1/],
    [{ BATON_MAX_DECISION_EVENTS: "5" }, /BATON_MAX_DECISION_EVENTS must be >= 10/],
    [{ BATON_MAX_DYNAMIC_FORK_BRANCHES: "many" }, /BATON_MAX_DYNAMIC_FORK_BRANCHES must be a whole number/],
    [{ BATON_MAX_SUBWORKFLOW_DEPTH: "-1" }, /BATON_MAX_SUBWORKFLOW_DEPTH must be a whole number/],
    [{ BATON_AUTH: "on" }, /BATON_AUTH must be one of off, required/],
    [{ BATON_AUTH_SECRET: "short" }, /BATON_AUTH_SECRET must be at least 32 characters/],
    [{ BATON_AUTH: "required", BATON_EVENT_STORE: "esdb", ESDB_URL: "esdb://localhost:2113" }, /BATON_AUTH_SECRET is required when BATON_AUTH is required with BATON_EVENT_STORE=esdb/],
    [{ BATON_TOKEN_TTL_SECONDS: "0" }, /BATON_TOKEN_TTL_SECONDS must be >= 1/],
    [{ BATON_CORS_ORIGINS: "https://ok.example, *" }, /BATON_CORS_ORIGINS must be a comma-separated list of origins/],
    [{ BATON_CORS_ORIGINS: "https://console.example.com/app" }, /BATON_CORS_ORIGINS must be a comma-separated list of origins/],
    [{ BATON_GRAPHIQL: "yes" }, /BATON_GRAPHIQL must be true or false/],
    [{ BATON_CONSOLE: "on" }, /BATON_CONSOLE must be true or false/],
    [{ BATON_EVENT_SINK_WAITS: "conductor" }, /BATON_EVENT_SINK_WAITS must be true or false/],
    [{ BATON_SCRIPT_TIMEOUT_MS: "0" }, /BATON_SCRIPT_TIMEOUT_MS must be >= 1/],
    [{ BATON_USER_CODE_WORKERS: "two" }, /BATON_USER_CODE_WORKERS must be a whole number/],
    [{ BATON_MAX_BODY_BYTES: "4MB" }, /BATON_MAX_BODY_BYTES must be a whole number/],
    [{ BATON_MAX_JSON_DEPTH: "5000" }, /BATON_MAX_JSON_DEPTH must be <= 512/],
    [{ BATON_MAX_SEARCH_QUERY_DEPTH: "0" }, /BATON_MAX_SEARCH_QUERY_DEPTH must be >= 1/],
    [{ BATON_MAX_GRAPHQL_TOKENS: "many" }, /BATON_MAX_GRAPHQL_TOKENS must be a whole number/],
  ])("rejects %o naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ValidationError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("reads the authentication settings", () => {
    expect(
      loadConfig({ BATON_AUTH: "required", BATON_AUTH_SECRET: "x".repeat(32), BATON_TOKEN_TTL_SECONDS: "600", BATON_CORS_ORIGINS: "https://a.example, http://localhost:3000" }),
    ).toMatchObject({ BATON_AUTH: "required", BATON_TOKEN_TTL_SECONDS: 600, BATON_CORS_ORIGINS: ["https://a.example", "http://localhost:3000"] });
  });

  it("reads the Kafka bus settings", () => {
    expect(
      loadConfig({ BATON_BUS: "kafka", KAFKA_BROKERS: "127.0.0.1:9092, kafka-2:9093", KAFKA_GROUP_ID: "orders", KAFKA_CREATE_TOPICS: "false" }),
    ).toMatchObject({ BATON_BUS: "kafka", KAFKA_BROKERS: ["127.0.0.1:9092", "kafka-2:9093"], KAFKA_GROUP_ID: "orders", KAFKA_CREATE_TOPICS: false });
  });

  it("reads the EVENT sink option", () => {
    expect(loadConfig({ BATON_EVENT_SINK_WAITS: "true" })).toMatchObject({ BATON_EVENT_SINK_WAITS: true });
    expect(loadConfig({ BATON_EVENT_SINK_WAITS: "0" })).toMatchObject({ BATON_EVENT_SINK_WAITS: false });
  });

  it("mounts the fan-out compatibility API only under a prefix that cannot shadow Conductor's /api", () => {
    expect(loadConfig({}).BATON_FANOUT_API_PREFIX).toBeUndefined();
    expect(loadConfig({ BATON_FANOUT_API_PREFIX: "/compat/fanout" })).toMatchObject({ BATON_FANOUT_API_PREFIX: "/compat/fanout", BATON_FANOUT_WORKFLOW: "fanout_orchestration" });
    expect(() => loadConfig({ BATON_FANOUT_API_PREFIX: "/api" })).toThrow("BATON_FANOUT_API_PREFIX must not start with /api");
    expect(() => loadConfig({ BATON_FANOUT_API_PREFIX: "/api/legacy" })).toThrow("BATON_FANOUT_API_PREFIX must not start with /api");
    expect(() => loadConfig({ BATON_FANOUT_API_PREFIX: "/" })).toThrow("BATON_FANOUT_API_PREFIX must be a path like /fanout");
    expect(() => loadConfig({ BATON_FANOUT_API_PREFIX: "/fanout/" })).toThrow("BATON_FANOUT_API_PREFIX must be a path like /fanout");
  });
});
