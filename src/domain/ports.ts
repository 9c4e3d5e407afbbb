/**
 * Ports: the I/O the core needs, as types only. Adapters in `src/adapters`
 * implement them; the domain and projections never import an adapter.
 */

/** Where a change came from, kept on every event for audit. */
export interface EventSource {
  kind: "rest" | "graphql" | "worker" | "timer" | "router" | "system" | "cli";
  /** e.g. "POST /api/tasks", a worker id, a Kafka topic/partition/offset. */
  detail?: string;
  /** The bus message that caused the change (router, event handlers), for the audit timeline. */
  message?: { topic: string; partition: number; offset: string; key?: string };
  /**
   * The caller's W3C `traceparent` (REST), carried to the events the change causes: stored as
   * the event's `traceparent` metadata, not inside `source`.
   */
  traceparent?: string;
}

/** Metadata stored beside every event's data. */
export interface EventMetadata {
  correlationId?: string;
  /** The command or message that caused this event. */
  causationId?: string;
  source?: EventSource;
  /** The W3C trace the change belongs to: the request's, else the workflow's (the one it was started in). */
  traceparent?: string;
  [key: string]: unknown;
}

/** An event about to be appended. `id` makes re-appending the same event idempotent. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  metadata?: EventMetadata;
}

/** An event as stored: with its stream revision and global position. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  streamId: string;
  /** 0-based index of the event within its stream. */
  revision: number;
  /**
   * Strictly increasing position in the store's global order. The memory and
   * file stores number densely from 0; EventStoreDB's are its log's commit
   * positions (gaps, not from 0), so compare positions, never count on them.
   */
  position: number;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  /** Epoch milliseconds at which the store recorded the event. */
  created: number;
}

/**
 * What the appender believes about the stream: `no_stream` (must not exist),
 * `stream_exists`, `any`, or the revision of its last event.
 */
export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | number;

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextExpectedRevision: number;
  /** Global position of the last appended event. */
  position: number;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  direction?: "forwards" | "backwards";
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events at positions >= this one. Defaults to 0. */
  fromPosition?: number;
  maxCount?: number;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * How much of a stream a store keeps readable: events older than `maxAgeSeconds`
 * (by `created`) or beyond the newest `maxCount` leave stream reads
 * (EventStoreDB's `$maxAge` / `$maxCount` stream metadata; its scavenge then
 * frees the space).
 */
export interface StreamLimits {
  maxAgeSeconds?: number;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** Deliver events at positions >= this one: first the stored ones, then live ones. */
  fromPosition?: number;
  /** Called once when the stored events have all been delivered. */
  onCaughtUp?: () => void;
}

/**
 * The store of record. Appends are atomic per call: either every event of the
 * call is stored, contiguously, or none is. A stale `expected` revision throws
 * `ConcurrencyError`. Re-appending events whose ids are already the stream's
 * latest events at the expected position is a no-op that returns the same result.
 */
export interface EventStore {
  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream; an unknown stream yields an empty array. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up subscription to every event in global order; `handler` is awaited in order. */
  subscribeToAll(handler: (event: RecordedEvent) => void | Promise<void>, options?: SubscribeOptions): Subscription;
  /**
   * Bounds a stream that would otherwise grow without end (the cluster's
   * heartbeats). Optional: a store without it keeps every event (the file
   * store, which serves one process and never holds heartbeats).
   */
  limitStream?(streamId: string, limits: StreamLimits): Promise<void>;
  close(): Promise<void>;
}

/** Outcome of evaluating user code or a filter: a value, or why it failed. */
export type Evaluation<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Runs user JavaScript (INLINE tasks, `javascript` evaluators, loop and event
 * conditions) in a sandbox with bounded time and memory. Synchronous, so the
 * decider can use it; the adapter prepares the sandbox before the engine starts.
 * `bindings` become globals of the script (Conductor binds `$`).
 */
export interface ScriptEvaluator {
  evaluate(expression: string, bindings: Record<string, unknown>): Evaluation<unknown>;
}

/** Runs a jq filter (JSON_JQ_TRANSFORM); `value` holds every result the filter produced. */
export interface JqEvaluator {
  evaluate(filter: string, input: unknown): Evaluation<unknown[]>;
}

/**
 * Runs user code where it cannot block the server: a pool of worker threads
 * with hard time and memory limits (Node, Deno, Bun), or in-thread with
 * QuickJS's interrupt where there are no threads (workerd). A missing method
 * means that language is not available. Every limit comes back as an error
 * naming the limit, never as a hang.
 */
export interface UserCodeRunner {
  javascript?(expression: string, bindings: Record<string, unknown>): Promise<Evaluation<unknown>>;
  jq?(filter: string, input: unknown): Promise<Evaluation<unknown[]>>;
  /** Stops the workers; later evaluations fail. */
  close(): Promise<void>;
}

/** A message on the bus (Kafka record or in-process equivalent). */
export interface BusMessage {
  key?: string;
  /** The payload, already serialised (JSON text for Baton's own messages). */
  value: string;
  headers?: Record<string, string>;
}

/** Where a delivered message came from, for audit (topic/partition/offset). */
export interface DeliveredMessage extends BusMessage {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Topics between Baton and other services: KAFKA_PUBLISH and EVENT tasks publish,
 * event handlers and the event router consume. Delivery is at-least-once and in
 * order per key; a handler's promise settles before the message counts as done.
 */
export interface Bus {
  publish(topic: string, message: BusMessage): Promise<{ partition: number; offset: string }>;
  subscribe(topic: string, handler: (message: DeliveredMessage) => Promise<void>, options?: BusSubscribeOptions): BusSubscription;
  close(): Promise<void>;
  /**
   * The topic a name is carried on (`kafka:orders` -> `orders`, the rule in
   * src/adapters/bus/topic-names.ts); may throw for a name the bus cannot carry.
   * A bus without it carries every name as given.
   */
  topicFor?(name: string): string;
}

/** How a bus subscription joins its topic (the in-process bus ignores both). */
export interface BusSubscribeOptions {
  /**
   * Names the subscriber: subscriptions with the same name on the same topic
   * share its messages (a Kafka consumer group, e.g. across engine instances);
   * different names each see every message. Default: one shared subscriber.
   */
  group?: string;
  /** Where a subscriber that has never consumed the topic starts: new messages only (default) or the whole topic. */
  from?: "latest" | "earliest";
  /**
   * Handle messages side by side, in order only among those this gives the
   * same key (a workflow id, say). Absent: one at a time, in order (per
   * partition on Kafka). A message's position is still acknowledged only once
   * it and every message before it were handled. The in-process bus honours it too.
   */
  orderKey?: (message: DeliveredMessage) => string;
  /** With `orderKey`: at most this many messages in hand at once (per partition on Kafka). Default 32. */
  concurrency?: number;
}

export interface BusSubscription {
  close(): Promise<void>;
  /** Resolves once messages published from then on will reach the handler (a Kafka consumer has joined its group). */
  ready?: Promise<void>;
}

/** What a store knows about one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  /**
   * The store's entity tag, without quotes. For a single-part upload on S3,
   * MinIO and the file store it is the hex MD5 of the content; multipart
   * uploads give `<md5>-<parts>`, which is not comparable across stores.
   */
  etag?: string;
}

/** Content to store: bytes, text, or a stream (with its size when known, which S3 needs to avoid a multipart upload). */
export type ObjectBody = Uint8Array | string | ReadableStream<Uint8Array>;

/**
 * Objects by key (`runs/<id>/input.in`): the ingestion service's input files,
 * service configurations and reports. Web streams keep the port the same on
 * every runtime. `get` of a missing key throws `NotFoundError`; `head` returns
 * undefined; `delete` of a missing key is a no-op.
 */
export interface ObjectStore {
  /** `fs`, `s3` or `minio`, for messages. */
  readonly kind: string;
  /** Where `key` lives, for other services: `s3://bucket/key` or `file:///abs/path`. */
  uri(key: string): string;
  put(key: string, body: ObjectBody, options?: { size?: number; contentType?: string }): Promise<ObjectInfo>;
  get(key: string): Promise<ReadableStream<Uint8Array>>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
  /** Copies within this store (server-side where the store can). */
  copy(sourceKey: string, targetKey: string): Promise<ObjectInfo>;
}

/**
 * Where a process keeps checkpoints of what it derived from the log (its read
 * models at a position), so a restart folds only the events after them. A
 * checkpoint is a cache: losing or refusing one costs a full rebuild, never
 * data. `load` of a missing checkpoint returns undefined.
 */
export interface CheckpointStore {
  load(name: string): Promise<string | undefined>;
  save(name: string, content: string): Promise<void>;
}

/** A DAG run to start on Airflow: its `dag_run_id` is chosen by Baton, so a repeat is recognised. */
export interface DagRunTrigger {
  dagId: string;
  dagRunId: string;
  conf: Record<string, unknown>;
}

/** What a trigger did: made the run, or found it already there (Airflow's 409), which Baton then monitors. */
export interface DagRunTriggered {
  outcome: "created" | "exists";
  /** Where a person can look at the run (the Airflow UI or API URL; `local:` for the local executor). */
  url: string;
}

/**
 * Airflow, whichever one (DESIGN.md §5): the local executor, Airflow 2 REST
 * v1, Airflow 3 REST v2 or MWAA. Failures throw `AirflowCallError`
 * (src/domain/dagrun/airflow-error.ts), which says whether trying again may help.
 */
export interface Airflow {
  /** `local`, `airflow2`, `airflow3` or `mwaa`, for messages. */
  readonly kind: string;
  trigger(run: DagRunTrigger): Promise<DagRunTriggered>;
  /** The run's state as Airflow names it (`queued`, `running`, `success`, `failed`, ...). */
  state(dagId: string, dagRunId: string): Promise<string>;
  /** Why a failed run failed, where the adapter can tell (the local executor: the DAG's error), for the completion's `error_message`. */
  failureOf?(dagId: string, dagRunId: string): Promise<string | undefined>;
}
