/**
 * One naming rule for every bus (the in-process one and Kafka): how a name
 * Baton is given (an event handler's `event`, an EVENT `sink`, a KAFKA_PUBLISH
 * `kafka_request.topic`, the router's topic) becomes the topic that carries it.
 * So an event handler on `kafka:orders` meets a KAFKA_PUBLISH to `orders`, and
 * one on `conductor:done` meets an EVENT whose sink is `conductor:done`, on
 * whichever bus the server runs.
 */

/** Where `conductor:<queue>` sinks go by default: `conductor.<queue>`. */
export const DEFAULT_CONDUCTOR_TOPIC_PREFIX = "conductor.";

const KAFKA_SCHEME = "kafka:";
const CONDUCTOR_SCHEME = "conductor:";

/** The kind of name: a Kafka topic named with its scheme, a Conductor queue, another scheme, or a plain topic. */
export type BusNameKind = "kafka" | "conductor" | "other-scheme" | "plain";

export function busNameKind(name: string): BusNameKind {
  if (name.startsWith(KAFKA_SCHEME)) return "kafka";
  if (name.startsWith(CONDUCTOR_SCHEME)) return "conductor";
  return name.includes(":") ? "other-scheme" : "plain";
}

/**
 * The topic a bus name is carried on:
 *
 * - `kafka:<topic>` is `<topic>` (`kafka:orders` -> `orders`);
 * - `conductor:<queue>` (EVENT sinks `conductor` and `conductor:<name>`, which
 *   Baton expands to `conductor:<workflow>:<taskRef>`) is `<prefix><queue>` with
 *   `:` turned into `.` (`conductor:wf:ref` -> `conductor.wf.ref`);
 * - anything else (a plain topic; another scheme such as `sqs:x`, which only the
 *   in-process bus carries) is used as given.
 *
 * A bus may refuse a name its transport cannot carry (Kafka: other schemes and
 * illegal topic names, see kafka-topics.ts), never map it differently.
 */
export function busTopicFor(name: string, conductorPrefix: string = DEFAULT_CONDUCTOR_TOPIC_PREFIX): string {
  switch (busNameKind(name)) {
    case "kafka":
      return name.slice(KAFKA_SCHEME.length);
    case "conductor":
      return conductorPrefix + name.slice(CONDUCTOR_SCHEME.length).replaceAll(":", ".");
    case "other-scheme":
    case "plain":
      return name;
  }
}
