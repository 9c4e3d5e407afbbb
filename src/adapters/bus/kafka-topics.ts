import { ValidationError } from "../../domain/errors.ts";

/** Where `conductor:<queue>` sinks go on Kafka by default: `conductor.<queue>`. */
export const DEFAULT_CONDUCTOR_TOPIC_PREFIX = "conductor.";

const LEGAL_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * The Kafka topic for one of Baton's bus names. Kafka topic names allow only
 * letters, digits, `.`, `_` and `-`, so sink prefixes are translated:
 *
 * - `kafka:<topic>` is `<topic>` (`kafka:orders` -> `orders`);
 * - `conductor:<queue>` (EVENT sinks `conductor` and `conductor:<name>`, which
 *   Baton expands to `conductor:<workflow>:<taskRef>`) is `<prefix><queue>` with
 *   `:` turned into `.`, so event handlers listening on the same sink still meet
 *   its messages; with `prefix: false` such sinks are rejected instead;
 * - a plain name (a KAFKA_PUBLISH `kafka_request.topic`) is used as given;
 * - any other `<scheme>:` name (`sqs:`, `nats:`, ...) is rejected: Kafka cannot
 *   carry it.
 *
 * Throws a ValidationError naming the sink and the rule it breaks.
 */
export function kafkaTopicFor(name: string, conductorPrefix: string | false = DEFAULT_CONDUCTOR_TOPIC_PREFIX): string {
  let topic: string;
  if (name.startsWith("kafka:")) {
    topic = name.slice("kafka:".length);
  } else if (name.startsWith("conductor:")) {
    if (conductorPrefix === false) {
      throw new ValidationError(
        `sink '${name}' is a Conductor queue, and this Kafka bus maps none to a topic (configure a conductor topic prefix to carry them)`,
      );
    }
    topic = conductorPrefix + name.slice("conductor:".length).replaceAll(":", ".");
  } else if (name.includes(":")) {
    throw new ValidationError(`sink '${name}' cannot be carried by the Kafka bus: use kafka:<topic>, conductor:<queue> or a plain topic name`);
  } else {
    topic = name;
  }
  if (!LEGAL_TOPIC.test(topic) || topic === "." || topic === "..") {
    throw new ValidationError(
      `'${name}' maps to the Kafka topic '${topic}', which is not a legal topic name: 1-249 letters, digits, '.', '_' or '-'`,
    );
  }
  return topic;
}

/** The dead-letter topic of `topic` by default: `<topic>.dlq`. */
export const defaultDeadLetterTopic = (topic: string): string => `${topic}.dlq`;
