import type { EventStore, RecordedEvent } from "../domain/ports.ts";
import { workflowStream } from "../domain/streams.ts";
import { UsageError } from "./cli-error.ts";

/** One workflow's stream, or a UsageError naming the id and the store. */
export async function workflowEvents(store: EventStore, workflowId: string, description: string): Promise<RecordedEvent[]> {
  const events = await store.readStream(workflowStream(workflowId));
  if (events.length === 0) throw new UsageError(`no workflow with id '${workflowId}' in ${description}`);
  return events;
}
