/**
 * `npm run worker -- <name> [<name> ...]`: runs data services as their own
 * process on Kafka (BATON_BUS=kafka, KAFKA_BROKERS). Processes running the same
 * service share its request topic's partitions through one consumer group
 * (`<KAFKA_GROUP_ID>.services.<name>.<topic>`), so more processes is more
 * throughput. Same environment variables as Baton; SIGTERM/SIGINT stop it after
 * the request in hand.
 */
import { hostname } from "node:os";
import { loadConfig } from "../api/config.ts";
import { openBus } from "../api/open-bus.ts";
import { isServiceName, SERVICE_NAMES } from "./names.ts";
import { startServices } from "./start-services.ts";

const usage = `usage: npm run worker -- <service> [<service> ...]   (services: ${SERVICE_NAMES.join(", ")}; needs BATON_BUS=kafka and KAFKA_BROKERS)`;

async function main(argv: string[]): Promise<void> {
  const names = argv.filter((arg) => arg.trim() !== "");
  if (names.length === 0 || names.includes("--help")) {
    console.error(usage);
    process.exit(2);
  }
  const unknown = names.filter((name) => !isServiceName(name));
  if (unknown.length > 0) {
    console.error(`baton worker: unknown service ${unknown.map((name) => `'${name}'`).join(", ")}; known: ${SERVICE_NAMES.join(", ")}`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    console.error(`baton worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  if (config.BATON_BUS !== "kafka") {
    console.error("baton worker: BATON_BUS must be kafka (with KAFKA_BROKERS): on the in-process bus the services run inside Baton (BATON_SERVICES)");
    process.exit(2);
  }
  const logger = {
    info: (message: string, fields?: Record<string, unknown>) => console.log(message, fields ?? ""),
    error: (message: string, fields?: Record<string, unknown>) => console.error(message, fields ?? ""),
  };
  const bus = (await openBus(config, logger))!;
  const running = await startServices(names.filter(isServiceName), {
    bus,
    completionTopic: config.BATON_ROUTER_TOPIC,
    settings: config,
    logger,
    clock: Date.now,
    random: Math.random,
    instance: `${hostname()}:${process.pid}`,
  }).catch(async (error: unknown) => {
    await bus.close();
    throw error;
  });
  // Tests and supervisors wait for this line: from here on, requests published reach the services.
  console.log(`baton worker: ready: ${running.services.map((s) => `${s.name} on ${s.topics.join(", ")}`).join("; ")} -> ${config.BATON_ROUTER_TOPIC} (kafka at ${config.KAFKA_BROKERS?.join(",")})`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`baton worker: ${signal} received, shutting down`);
    await running.close();
    await bus.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main(process.argv.slice(2)).catch((error) => {
  console.error("baton worker: failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
