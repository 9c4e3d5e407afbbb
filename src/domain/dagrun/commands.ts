import type { AirflowRunState, DagRunRequestedData, SyncedObject } from "./events.ts";

/** What can happen to a DAG run; times come in with the command (the domain has no clock). */
export type DagRunCommand =
  | { type: "RequestDagRun"; request: DagRunRequestedData }
  | { type: "RecordTrigger"; url: string; existing: boolean; at: number }
  | { type: "RecordRunFailure"; reason: string; at: number }
  | { type: "ObserveState"; state: AirflowRunState; at: number }
  | { type: "RecordArtifactsSynced"; objects: SyncedObject[]; statsUrl?: string; outputUris: string[]; at: number }
  | { type: "RecordArtifactSyncFailure"; reason: string; at: number }
  | { type: "CheckTimeout"; at: number }
  | { type: "RecordCompletionPublished"; topic: string; at: number };
