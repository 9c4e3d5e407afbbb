/**
 * The facts of one DAG run (`dagrun-<dagRunId>`, DESIGN.md §3): asked for by a
 * workflow task, triggered on Airflow, each state change Airflow reported, how
 * it ended, the artifacts copied after it succeeded, and the completion
 * published for the workflow.
 */

/** Airflow's DAG-run states (the REST API's `DagState`); anything else Airflow reports is kept as given. */
export type AirflowRunState = "queued" | "running" | "success" | "failed" | (string & {});

/** Who asked for the run and where its completion goes. */
export interface DagRunRequestedData {
  dagRunId: string;
  dagId: string;
  /** The `conf` the DAG receives. */
  conf: Record<string, unknown>;
  workflowId: string;
  /** The task whose attempt asked for the run (the KAFKA_PUBLISH that sent the request). */
  taskId: string;
  /** The completion's `eventType` (the EVENT sink it resumes). */
  eventType: string;
  /** Epoch ms. */
  requestedAt: number;
  /** The run counts as timed out this long after it was requested. */
  timeoutMs: number;
}

/** One object copied from the DAG's store to Baton's, verified by size and etag. */
export interface SyncedObject {
  source: string;
  target: string;
  size: number;
  etag?: string;
  kind: "stats" | "output";
}

export type DagRunEvent =
  | { type: "DagRunRequested"; data: DagRunRequestedData }
  | { type: "DagRunTriggered"; data: { dagRunId: string; url: string; existing: boolean; at: number } }
  | { type: "DagRunStateObserved"; data: { state: AirflowRunState; at: number } }
  | { type: "DagRunSucceeded"; data: { at: number } }
  | { type: "DagRunFailed"; data: { reason: string; at: number } }
  | { type: "DagRunTimedOut"; data: { reason: string; at: number } }
  | { type: "DagRunArtifactsSynced"; data: { objects: SyncedObject[]; statsUrl?: string; outputUris: string[]; at: number } }
  | { type: "DagRunArtifactSyncFailed"; data: { reason: string; at: number } }
  | { type: "DagRunCompletionPublished"; data: { topic: string; eventType: string; status: "success" | "failed"; at: number } };

export type DagRunEventType = DagRunEvent["type"];
