/**
 * The services that ask for DAG runs (the seed's airflow-adapter and
 * email-hygiene): each consumes its request topic and asks for the run with
 * `requestDagRun` (a `dagrun-<id>` stream plus a hand-off on
 * `dag-monitor-queue`); the monitor, in Baton, triggers, polls, syncs the
 * artifacts and publishes the completion. They write to the event store, so
 * they need one: Baton's own in process, a shared one (EventStoreDB) as workers.
 */
import { consumeTriggerRequests } from "../engine/dagruns/trigger-requests.ts";
import type { RunningService, ServiceContext } from "./service.ts";

export interface DagRequestService {
  name: string;
  topic: string;
  /** The consumer group's subscriber name: the same in Baton and in workers, so they share the topic. */
  subscriber: string;
  defaults?: { dagId?: string; eventType?: string };
}

export async function runDagRequests(service: DagRequestService, context: ServiceContext): Promise<RunningService> {
  if (!context.store) {
    throw new Error(`${service.name} records DAG runs in the event store and needs one shared with Baton (BATON_EVENT_STORE=esdb with ESDB_URL when it runs as a worker)`);
  }
  const subscription = consumeTriggerRequests({
    store: context.store,
    bus: context.bus,
    topic: service.topic,
    subscriber: service.subscriber,
    completionTopic: context.completionTopic,
    timeoutMs: context.settings.BATON_DAG_TIMEOUT_MS,
    outputPrefix: context.settings.BATON_DAG_OUTPUT_PREFIX,
    clock: context.clock,
    ...(service.defaults ? { defaults: service.defaults } : {}),
  });
  await subscription.ready;
  return { name: service.name, topics: [service.topic], close: () => subscription.close() };
}
