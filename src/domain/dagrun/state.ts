import type { AirflowRunState, DagRunEvent, DagRunRequestedData, SyncedObject } from "./events.ts";

/** Where a run is in Baton's view of it (Airflow's own state is `airflowState`). */
export type DagRunPhase = "none" | "requested" | "triggered" | "succeeded" | "failed" | "timed_out";

export interface DagRunState {
  phase: DagRunPhase;
  request?: DagRunRequestedData;
  url?: string;
  /** The trigger found the run already there (a 409): Baton monitors the existing one. */
  existing: boolean;
  /** The last state Airflow reported. */
  airflowState?: AirflowRunState;
  /** Why the run failed or timed out. */
  reason?: string;
  triggeredAt?: number;
  endedAt?: number;
  artifacts?: { objects: SyncedObject[]; statsUrl?: string; outputUris: string[] };
  /** Set when copying artifacts failed: the completion reports the run failed with this reason. */
  syncFailure?: string;
  completionPublished: boolean;
}

export const initialDagRunState: DagRunState = Object.freeze({ phase: "none", existing: false, completionPublished: false }) as DagRunState;

/** True once the run has ended one way or the other (no more polling). */
export const isDagRunEnded = (state: DagRunState) => state.phase === "succeeded" || state.phase === "failed" || state.phase === "timed_out";

/**
 * True when the run's completion can go out: it failed or timed out, or it
 * succeeded and its artifacts were copied (or copying them failed).
 */
export const isReadyToComplete = (state: DagRunState) =>
  !state.completionPublished &&
  (state.phase === "failed" || state.phase === "timed_out" || (state.phase === "succeeded" && (state.artifacts !== undefined || state.syncFailure !== undefined)));

export function evolveDagRun(state: DagRunState, event: DagRunEvent): DagRunState {
  switch (event.type) {
    case "DagRunRequested":
      return { ...state, phase: "requested", request: event.data };
    case "DagRunTriggered":
      return { ...state, phase: "triggered", url: event.data.url, existing: event.data.existing, triggeredAt: event.data.at };
    case "DagRunStateObserved":
      return { ...state, airflowState: event.data.state };
    case "DagRunSucceeded":
      return { ...state, phase: "succeeded", endedAt: event.data.at };
    case "DagRunFailed":
      return { ...state, phase: "failed", reason: event.data.reason, endedAt: event.data.at };
    case "DagRunTimedOut":
      return { ...state, phase: "timed_out", reason: event.data.reason, endedAt: event.data.at };
    case "DagRunArtifactsSynced":
      return { ...state, artifacts: { objects: event.data.objects, statsUrl: event.data.statsUrl, outputUris: event.data.outputUris } };
    case "DagRunArtifactSyncFailed":
      return { ...state, syncFailure: event.data.reason };
    case "DagRunCompletionPublished":
      return { ...state, completionPublished: true };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
