/**
 * The Bus port on Kafka (kafkajs). Node-only: import it from composition roots.
 *
 * - Publishing: one idempotent producer (acks=all, one request in flight, so a
 *   key's messages stay in order through retries), Java-compatible partitioning
 *   by key, headers as UTF-8 strings; what is published while a request is in
 *   flight goes out together in the next (kafka-publisher.ts). Baton's sink names become topic names
 *   through `kafkaTopicFor` (`kafka:orders` -> `orders`).
 * - Consuming: each subscription is one consumer in the group
 *   `<groupId>.<topic>` (or `<groupId>.<name>.<topic>` for a named subscriber),
 *   so the same subscription in several processes shares the partitions while
 *   different subscribers each see every message. A partition's records are
 *   handled one at a time, in order (unless the subscription gives an
 *   `orderKey`, below); partitions run side by side.
 * - At-least-once: offsets are committed only after the handler's promise
 *   resolved (auto-commit off). A handler that throws is retried in place with
 *   backoff; when the attempts run out, or at once for a record that cannot be
 *   decoded or a handler's ValidationError, the record is copied to the
 *   dead-letter topic (`<topic>.dlq`) with the reason in its headers, and the
 *   partition moves on. A crash between handling and committing redelivers.
 * - A subscription with an `orderKey` handles a fetched batch's records side
 *   by side, in order per key (the router: per workflow), and commits only up
 *   to the first record not yet handled.
 * - Broker outages: client retries are sized so a broker restart of tens of
 *   seconds is ridden out; a consumer that gives up is restarted, and resumes
 *   from its last committed offset.
 */
import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type KafkaMessage,
  logLevel,
  type LogEntry,
  type Producer,
  type RetryOptions,
} from "kafkajs";
import type { Bus, BusMessage, BusSubscribeOptions, BusSubscription, DeliveredMessage } from "../../domain/ports.ts";
import { IllegalStateError } from "../../domain/errors.ts";
import { runOrderedBatch } from "./kafka-batch.ts";
import { createBatchingPublisher, recordingPartitioner } from "./kafka-publisher.ts";
import { deadLetterRecord, type DeadLetterKind, decodeRecord } from "./kafka-records.ts";
import { DEFAULT_CONDUCTOR_TOPIC_PREFIX, defaultDeadLetterTopic, kafkaTopicFor } from "./kafka-topics.ts";

export interface KafkaBusLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface KafkaBusOptions {
  /** `host:port` of one or more brokers. */
  brokers: string[];
  clientId?: string;
  /** Prefix of every consumer group this bus creates. Default `baton`. */
  groupId?: string;
  /** Create topics (and their dead-letter topics) before first use. Default true. */
  createTopics?: boolean;
  /** Partitions / replication of topics this bus creates; the broker's defaults when absent. */
  numPartitions?: number;
  replicationFactor?: number;
  /** Topic prefix for `conductor:<queue>` sinks, or false to reject them. Default `conductor.`. */
  conductorTopicPrefix?: string | false;
  /** The dead-letter topic of a topic. Default `<topic>.dlq`. */
  deadLetterTopic?: (topic: string) => string;
  /** How often a handler runs for one record before it is dead-lettered. Default 3. */
  handlerAttempts?: number;
  /** Wait before the first handler retry; doubles each time. Default 200 ms. */
  handlerRetryDelayMs?: number;
  /** Partitions of one subscription handled side by side. Default 3. */
  partitionsConsumedConcurrently?: number;
  /** How long the group waits for a silent consumer before handing its partitions to others. Default 30 s (the broker's minimum is 6 s). */
  sessionTimeoutMs?: number;
  /** Handled offsets are committed at the end of each fetched batch and at least this often. Default 200 ms. */
  commitIntervalMs?: number;
  /** kafkajs client retries (connections, metadata, produce). */
  retry?: RetryOptions;
  logger?: KafkaBusLogger;
  /** Least severe kafkajs log entry passed to the logger. Default WARN. */
  logLevel?: logLevel;
  clock?: () => number;
}

/** A subscription whose `ready` is always present: it resolves once the consumer has joined its group. */
export interface KafkaSubscription extends BusSubscription {
  ready: Promise<void>;
  /** The consumer group id this subscription uses. */
  groupId: string;
}

export interface KafkaBus extends Bus {
  subscribe(topic: string, handler: (message: DeliveredMessage) => Promise<void>, options?: BusSubscribeOptions): KafkaSubscription;
  /** The Kafka topic a Baton bus name maps to. */
  topicFor(name: string): string;
}

/**
 * Sized so a broker that is gone for ~10-30 s costs waiting, not messages:
 * waits grow from 300 ms to 5 s, over about a minute in all.
 */
const DEFAULT_RETRY: RetryOptions = { initialRetryTime: 300, maxRetryTime: 5_000, retries: 15, factor: 0.2, multiplier: 2 };

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const isValidation = (error: unknown) => (error as { kind?: unknown } | null)?.kind === "validation";
/** Records of one partition in hand at once for a subscription with an `orderKey`, unless it says otherwise. */
const DEFAULT_KEYED_CONCURRENCY = 32;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Tries of a subscription's start that fail with an error kafkajs calls retriable (about 15 s in all). */
const START_ATTEMPTS = 10;
const isRetriable = (error: unknown): boolean => (error as { retriable?: unknown } | null)?.retriable === true;

/** Connects a producer and an admin client to `brokers`; rejects if no broker answers within the retries. */
export async function createKafkaBus(options: KafkaBusOptions): Promise<KafkaBus> {
  const logger = options.logger ?? { info: () => {}, error: () => {} };
  const clock = options.clock ?? Date.now;
  const groupPrefix = options.groupId ?? "baton";
  const createTopics = options.createTopics ?? true;
  const conductorPrefix = options.conductorTopicPrefix ?? DEFAULT_CONDUCTOR_TOPIC_PREFIX;
  const deadLetterTopic = options.deadLetterTopic ?? defaultDeadLetterTopic;
  const attempts = Math.max(1, options.handlerAttempts ?? 3);
  const retryDelayMs = options.handlerRetryDelayMs ?? 200;
  const commitIntervalMs = options.commitIntervalMs ?? 200;
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const minLevel = options.logLevel ?? logLevel.WARN;

  const kafka = new Kafka({
    clientId: options.clientId ?? "baton",
    brokers: options.brokers,
    retry,
    connectionTimeout: 3_000,
    logLevel: minLevel,
    logCreator:
      () =>
      ({ level, label, log }: LogEntry) => {
        const { message, ...fields } = log;
        // Bounded retries on the idempotent producer are deliberate: Baton's
        // contract is at-least-once, and a publish must fail rather than hang.
        if (message.startsWith("Limiting retries for the idempotent producer")) return;
        // kafkajs logs a CreateTopics answer naming an existing topic (every restart) as an
        // error; a real failure rejects createTopics and is reported where it is called.
        if (message.startsWith("Response CreateTopics")) return;
        // "Response <api>" entries are error codes kafkajs retries (a coordinator
        // still loading, a leader moving): worth a note, not an alarm.
        if (level <= logLevel.ERROR && !message.startsWith("Response ")) logger.error(`kafka: ${message}`, { level: label, ...fields });
        else logger.info(`kafka: ${message}`, { level: label, error: fields.error, broker: fields.broker });
      },
  });

  const partitioner = recordingPartitioner();
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: partitioner.createPartitioner,
    allowAutoTopicCreation: true,
    retry,
  });
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    await producer.connect();
  } catch (error) {
    await admin.disconnect();
    throw error;
  }

  const publisher = createBatchingPublisher(producer, partitioner.partitionOf);
  const subscriptions = new Set<KafkaSubscription>();
  const created = new Map<string, Promise<void>>();
  let closed = false;

  /**
   * Creates the topics once per process (concurrent callers share the request).
   * A failure (no permission, say, for topics that exist anyway) is logged and
   * tried again next time; the produce or subscribe that follows reports what
   * really stops it.
   */
  function ensureTopics(topics: string[]): Promise<void> {
    if (!createTopics) return Promise.resolve();
    const missing = topics.filter((topic) => !created.has(topic));
    if (missing.length > 0) {
      const request = admin
        .createTopics({
          topics: missing.map((topic) => ({
            topic,
            ...(options.numPartitions ? { numPartitions: options.numPartitions } : {}),
            ...(options.replicationFactor ? { replicationFactor: options.replicationFactor } : {}),
          })),
          waitForLeaders: true,
        })
        .then(
          () => undefined,
          (error: unknown) => {
            for (const topic of missing) created.delete(topic);
            logger.error("kafka: could not create topics", { topics: missing, error: errorText(error) });
          },
        );
      for (const topic of missing) created.set(topic, request);
    }
    return Promise.all(topics.map((topic) => created.get(topic))).then(() => undefined);
  }

  async function deadLetter(
    record: KafkaMessage,
    source: { topic: string; partition: number; groupId: string },
    kind: DeadLetterKind,
    reason: string,
    tries: number,
  ): Promise<void> {
    const target = deadLetterTopic(source.topic);
    await ensureTopics([target]);
    await producer.send({
      topic: target,
      acks: -1,
      messages: [deadLetterRecord(record, { ...source, offset: record.offset }, kind, reason, tries, clock())],
    });
    logger.error("kafka: record sent to the dead-letter topic", {
      topic: source.topic,
      partition: source.partition,
      offset: record.offset,
      deadLetterTopic: target,
      kind,
      reason,
    });
  }

  function subscribe(
    name: string,
    handler: (message: DeliveredMessage) => Promise<void>,
    subscribeOptions: BusSubscribeOptions = {},
  ): KafkaSubscription {
    if (closed) throw new IllegalStateError("the Kafka bus is closed");
    const topic = kafkaTopicFor(name, conductorPrefix);
    const groupId = subscribeOptions.group ? `${groupPrefix}.${subscribeOptions.group}.${topic}` : `${groupPrefix}.${topic}`;
    const from = subscribeOptions.from ?? "latest";
    let active = true;
    let consumer: Consumer | undefined;
    let restartTimer: ReturnType<typeof setTimeout> | undefined;

    /** A record as the handler gets it, or why it cannot be decoded. */
    function prepare(record: KafkaMessage, partition: number): { ok: true; message: DeliveredMessage } | { ok: false; reason: string } {
      const decoded = decodeRecord(record);
      return decoded.ok ? { ok: true, message: { ...decoded.message, topic, partition, offset: record.offset } } : decoded;
    }

    /** Runs the handler until it succeeds; false when the subscription closed meanwhile (leave the record uncommitted). */
    async function deliver(
      record: KafkaMessage,
      partition: number,
      heartbeat: () => Promise<void>,
      prepared = prepare(record, partition),
    ): Promise<boolean> {
      const source = { topic, partition, groupId };
      if (!prepared.ok) {
        await deadLetter(record, source, "decode", prepared.reason, 0);
        return true;
      }
      const message = prepared.message;
      for (let attempt = 1; ; attempt++) {
        try {
          await handler(message);
          return true;
        } catch (error) {
          if (!active) return false;
          if (attempt >= attempts || isValidation(error)) {
            await deadLetter(record, source, "handler", errorText(error), attempt);
            return true;
          }
          logger.error("kafka: handler failed, retrying", { topic, partition, offset: record.offset, attempt, error: errorText(error) });
          await sleep(retryDelayMs * 2 ** (attempt - 1));
          if (!active) return false;
          await heartbeat();
        }
      }
    }

    /**
     * One fetched batch of a partition, through runOrderedBatch (kafka-batch.ts):
     * one record at a time in order, or with an `orderKey` side by side (at most
     * `concurrency` at once), in order per key.
     */
    async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
      const { partition, messages: records } = batch;
      const orderKey = subscribeOptions.orderKey;
      const prepared = records.map((record) => prepare(record, partition));
      await runOrderedBatch({
        offsets: records.map((record) => record.offset),
        // Undecodable records share one key: they only go to the dead-letter topic.
        keyOf: (index) => {
          const item = prepared[index]!;
          return !orderKey ? "" : item.ok ? orderKey(item.message) : "\u0000undecodable";
        },
        limit: orderKey ? Math.max(1, subscribeOptions.concurrency ?? DEFAULT_KEYED_CONCURRENCY) : 1,
        handle: (index) => deliver(records[index]!, partition, heartbeat, prepared[index]),
        resolveOffset,
        commit: async (offset) => {
          await consumer?.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
        },
        heartbeat,
        keepGoing: () => active && isRunning() && !isStale(),
        clock,
        commitIntervalMs,
      });
    }

    /**
     * "latest" must hold from `ready` on, across restarts: partitions this group
     * has never committed get the topic's current end committed as their start.
     * Otherwise kafkajs would resolve "latest" only at its first fetch, and a
     * crash before the first commit would skip what came in meanwhile.
     */
    async function pinStartToEnd(instance: Consumer, assigned: number[]): Promise<void> {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const unset = new Set(
        (committed?.partitions ?? []).filter((p) => p.offset === "-1" && assigned.includes(p.partition)).map((p) => p.partition),
      );
      if (unset.size === 0) return;
      const ends = await admin.fetchTopicOffsets(topic);
      await instance.commitOffsets(
        ends.filter((end) => unset.has(end.partition)).map((end) => ({ topic, partition: end.partition, offset: end.high })),
      );
    }

    async function startConsumer(): Promise<void> {
      const instance = kafka.consumer({
        groupId,
        retry: { ...retry, restartOnFailure: async () => active },
        maxWaitTimeInMs: 500, // as Java's fetch.max.wait.ms: also bounds the pause while start offsets are pinned
        sessionTimeout,
        heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
        allowAutoTopicCreation: createTopics,
      });
      consumer = instance;
      const joined = new Promise<void>((resolve) =>
        instance.on(instance.events.GROUP_JOIN, (event) => {
          const assigned = event.payload.memberAssignment[topic] ?? [];
          if (from !== "latest" || assigned.length === 0) return resolve();
          // kafkajs calls this before its first fetch after the join: hold the
          // topic until the start positions are committed.
          instance.pause([{ topic }]);
          void pinStartToEnd(instance, assigned)
            .catch((error) => logger.error("kafka: could not record the group's start offsets", { groupId, topic, error: errorText(error) }))
            .finally(() => {
              // kafkajs throws from resume() when the consumer crashed meanwhile (a fresh broker
              // answering "does not host this topic-partition"); its restart resumes fetching.
              try {
                instance.resume([{ topic }]);
              } catch (error) {
                logger.error("kafka: could not resume the topic after recording start offsets", { groupId, topic, error: errorText(error) });
              }
              resolve();
            });
        }),
      );
      instance.on(instance.events.CRASH, (event) => {
        const { error, restart } = event.payload;
        logger.error("kafka: consumer crashed", { groupId, restart, error: errorText(error) });
        // kafkajs restarts it after retriable errors; anything else gets a fresh consumer.
        if (!restart && active) {
          restartTimer = setTimeout(() => {
            void instance
              .disconnect()
              .catch(() => {})
              .then(() => (active ? startConsumer() : undefined))
              .catch((startError) => logger.error("kafka: consumer restart failed", { groupId, error: errorText(startError) }));
          }, retry.maxRetryTime ?? 5_000);
        }
      });
      await instance.connect();
      await instance.subscribe({ topics: [topic], fromBeginning: from === "earliest" });
      await instance.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
        eachBatch,
      });
      await joined;
    }

    const ready = (async () => {
      await ensureTopics([topic, deadLetterTopic(topic)]);
      for (let attempt = 1; ; attempt++) {
        if (!active) return;
        try {
          await startConsumer();
          break;
        } catch (error) {
          // A topic another process created a moment ago (its createTopics answered
          // "exists" here without waiting) has no leader yet: the subscribe answers
          // "does not host this topic-partition". Processes starting together meet
          // this; it passes once the leaders are elected.
          if (!isRetriable(error) || attempt >= START_ATTEMPTS) throw error;
          logger.info("kafka: subscription not started yet, trying again", { groupId, topic, attempt, error: errorText(error) });
          await consumer?.disconnect().catch(() => {});
          await sleep(Math.min(250 * attempt, 2_000));
        }
      }
      if (!active) await consumer?.disconnect();
    })();
    ready.catch((error) => logger.error("kafka: subscription failed to start", { groupId, topic, error: errorText(error) }));

    const subscription: KafkaSubscription = {
      ready,
      groupId,
      async close() {
        if (!active) return;
        active = false;
        subscriptions.delete(subscription);
        clearTimeout(restartTimer);
        await ready.catch(() => {});
        await consumer?.disconnect();
      },
    };
    subscriptions.add(subscription);
    return subscription;
  }

  return {
    topicFor: (name) => kafkaTopicFor(name, conductorPrefix),
    async publish(name: string, message: BusMessage) {
      if (closed) throw new IllegalStateError("the Kafka bus is closed");
      const topic = kafkaTopicFor(name, conductorPrefix);
      await ensureTopics([topic]);
      return publisher.publish(topic, { key: message.key ?? null, value: message.value, headers: message.headers ?? {} });
    },
    subscribe,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...subscriptions].map((subscription) => subscription.close()));
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
