import type { EventStore, RecordedEvent } from "../domain/ports.ts";
import { dagRunCategory } from "../projections/stream-categories.ts";
import { formatTable } from "./table.ts";

/** A DAG run's stream (`dagrun-<id>`), empty when there is none. */
export const dagRunEvents = (store: EventStore, dagRunId: string) => store.readStream(dagRunCategory.streamOf(dagRunId));

/** What one DAG-run event says, in a few words (the Airflow state, the reason, the objects copied). */
function detailOf(event: RecordedEvent): string {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case "DagRunRequested":
      return `dag ${String(data.dagId)} for workflow ${String(data.workflowId)} task ${String(data.taskId)}`;
    case "DagRunTriggered":
      return `${data.existing ? "existing run " : ""}${String(data.url)}`;
    case "DagRunStateObserved":
      return String(data.state);
    case "DagRunArtifactsSynced":
      return `${(data.objects as unknown[]).length} objects`;
    case "DagRunCompletionPublished":
      return `${String(data.status)} on ${String(data.topic)} as ${String(data.eventType)}`;
    default:
      return typeof data.reason === "string" ? data.reason : "";
  }
}

/** The DAG run's events as an aligned table: one row per event. */
export function dagRunTable(events: RecordedEvent[]): string {
  return formatTable(
    ["TIME", "REV", "EVENT", "DETAIL", "SOURCE"],
    events.map((e) => [new Date(e.created).toISOString(), String(e.revision), e.type, detailOf(e), e.metadata.source?.detail ?? e.metadata.source?.kind ?? ""]),
  );
}
