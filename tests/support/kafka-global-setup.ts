/**
 * vitest globalSetup of the `services` project: one Kafka broker for all its
 * files, started before the first and stopped after the last (also when tests
 * fail; a watchdog in kafka.sh stops it if vitest itself dies). Test files read
 * its address with `inject("kafka")`, which is null when BATON_SKIP_SERVICES
 * names kafka. Without Java or Maven the run fails with what to install.
 */
import type { TestProject } from "vitest/node";
import { kafkaSkipped, startKafka } from "./kafka.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kafka: { brokers: string; dir: string } | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (kafkaSkipped()) {
    console.warn("BATON_SKIP_SERVICES names kafka: the Kafka tests are skipped");
    project.provide("kafka", null);
    return undefined;
  }
  const started = Date.now();
  const broker = await startKafka();
  console.log(`kafka: broker at ${broker.brokers} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${broker.dir})`);
  project.provide("kafka", { brokers: broker.brokers, dir: broker.dir });
  return () => broker.stop();
}
