/**
 * The DAG-run decider (`dagrun-<dagRunId>`). The trigger service and the
 * monitor (src/engine/dagruns) report what they saw as commands; the rules on
 * repeats live here, so a redelivered request, a second trigger answer, an
 * unchanged state or a late poll after the run ended append nothing. That is
 * what lets a restarted monitor resume from the streams without doing a run's
 * work twice.
 */
import type { Decider } from "../decider.ts";
import { IllegalStateError } from "../errors.ts";
import type { DagRunCommand } from "./commands.ts";
import type { DagRunEvent } from "./events.ts";
import { type DagRunState, evolveDagRun, initialDagRunState, isDagRunEnded, isReadyToComplete } from "./state.ts";

/** The completion's status for a run that is ready to complete. */
export const completionStatusOf = (state: DagRunState): "success" | "failed" =>
  state.phase === "succeeded" && state.artifacts !== undefined && state.syncFailure === undefined ? "success" : "failed";

/** Why a run's completion says it failed: Airflow's end, the timeout, or the artifact copy. */
export const failureReasonOf = (state: DagRunState): string | undefined =>
  completionStatusOf(state) === "success" ? undefined : (state.syncFailure ?? state.reason ?? "DAG run failed");

function decideDagRun(command: DagRunCommand, state: DagRunState): DagRunEvent[] {
  if (command.type !== "RequestDagRun" && state.phase === "none") {
    throw new IllegalStateError(`DAG run was never requested: cannot ${command.type}`);
  }
  switch (command.type) {
    case "RequestDagRun":
      return state.phase === "none" ? [{ type: "DagRunRequested", data: command.request }] : [];
    case "RecordTrigger":
      return state.phase === "requested"
        ? [{ type: "DagRunTriggered", data: { dagRunId: state.request!.dagRunId, url: command.url, existing: command.existing, at: command.at } }]
        : [];
    case "RecordRunFailure":
      // The trigger gave up, or Airflow no longer knows the run: it ends here unless it already ended.
      return state.phase === "requested" || state.phase === "triggered" ? [{ type: "DagRunFailed", data: { reason: command.reason, at: command.at } }] : [];
    case "ObserveState": {
      if (state.phase !== "triggered" || command.state === state.airflowState) return [];
      const events: DagRunEvent[] = [{ type: "DagRunStateObserved", data: { state: command.state, at: command.at } }];
      if (command.state === "success") events.push({ type: "DagRunSucceeded", data: { at: command.at } });
      else if (command.state === "failed") {
        const { dagId, dagRunId } = state.request!;
        events.push({ type: "DagRunFailed", data: { reason: `DAG run '${dagRunId}' of DAG '${dagId}' ended failed`, at: command.at } });
      }
      return events;
    }
    case "CheckTimeout": {
      if (isDagRunEnded(state)) return [];
      const { timeoutMs, requestedAt, dagId, dagRunId } = state.request!;
      if (command.at < requestedAt + timeoutMs) return [];
      const reason = `DAG run '${dagRunId}' of DAG '${dagId}' did not finish within ${Math.round(timeoutMs / 1000)} s (last state: ${state.airflowState ?? "none seen"})`;
      return [{ type: "DagRunTimedOut", data: { reason, at: command.at } }];
    }
    case "RecordArtifactsSynced":
      return state.phase === "succeeded" && !state.artifacts && !state.syncFailure
        ? [{ type: "DagRunArtifactsSynced", data: { objects: command.objects, statsUrl: command.statsUrl, outputUris: command.outputUris, at: command.at } }]
        : [];
    case "RecordArtifactSyncFailure":
      return state.phase === "succeeded" && !state.artifacts && !state.syncFailure
        ? [{ type: "DagRunArtifactSyncFailed", data: { reason: command.reason, at: command.at } }]
        : [];
    case "RecordCompletionPublished":
      return isReadyToComplete(state)
        ? [{ type: "DagRunCompletionPublished", data: { topic: command.topic, eventType: state.request!.eventType, status: completionStatusOf(state), at: command.at } }]
        : [];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export const dagRunDecider: Decider<DagRunState, DagRunCommand, DagRunEvent> = {
  initialState: initialDagRunState,
  evolve: evolveDagRun,
  decide: (command, state) => decideDagRun(command, state),
};
