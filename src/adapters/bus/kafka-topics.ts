import { ValidationError } from "../../domain/errors.ts";
import { busNameKind, busTopicFor, DEFAULT_CONDUCTOR_TOPIC_PREFIX } from "./topic-names.ts";

export { DEFAULT_CONDUCTOR_TOPIC_PREFIX } from "./topic-names.ts";

const LEGAL_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * The Kafka topic for one of Baton's bus names: the naming rule every bus
 * follows (`busTopicFor`, topic-names.ts: `kafka:orders` -> `orders`,
 * `conductor:wf:ref` -> `conductor.wf.ref`, plain names as given), plus what
 * Kafka cannot carry: with `conductorPrefix: false` Conductor queues are
 * rejected; other schemes (`sqs:`, `nats:`, ...) are rejected; and the topic
 * must be a legal Kafka topic name (letters, digits, `.`, `_`, `-`).
 *
 * Throws a ValidationError naming the sink and the rule it breaks.
 */
export function kafkaTopicFor(name: string, conductorPrefix: string | false = DEFAULT_CONDUCTOR_TOPIC_PREFIX): string {
  const kind = busNameKind(name);
  if (kind === "conductor" && conductorPrefix === false) {
    throw new ValidationError(
      `sink '${name}' is a Conductor queue, and this Kafka bus maps none to a topic (configure a conductor topic prefix to carry them)`,
    );
  }
  if (kind === "other-scheme") {
    throw new ValidationError(`sink '${name}' cannot be carried by the Kafka bus: use kafka:<topic>, conductor:<queue> or a plain topic name`);
  }
  const topic = busTopicFor(name, conductorPrefix === false ? undefined : conductorPrefix);
  if (!LEGAL_TOPIC.test(topic) || topic === "." || topic === "..") {
    throw new ValidationError(
      `'${name}' maps to the Kafka topic '${topic}', which is not a legal topic name: 1-249 letters, digits, '.', '_' or '-'`,
    );
  }
  return topic;
}

/** The dead-letter topic of `topic` by default: `<topic>.dlq`. */
export const defaultDeadLetterTopic = (topic: string): string => `${topic}.dlq`;
