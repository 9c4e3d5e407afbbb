/**
 * Opens the bus the configuration names, for the Node entry point: Kafka at
 * KAFKA_BROKERS, or undefined for the engine's in-process bus.
 */
import { createKafkaBus } from "../adapters/bus/kafka.ts";
import type { Bus } from "../domain/ports.ts";
import type { Config } from "./config.ts";

export interface BusLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export async function openBus(config: Config, logger: BusLogger): Promise<Bus | undefined> {
  if (config.BATON_BUS === "memory") return undefined;
  return createKafkaBus({
    brokers: config.KAFKA_BROKERS ?? [],
    groupId: config.KAFKA_GROUP_ID,
    createTopics: config.KAFKA_CREATE_TOPICS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    logger,
  });
}
