/**
 * The DAG-run monitor: drives every run it owns from request to published
 * completion, one step at a time, each step a command on the run's stream:
 * trigger (deterministic `dag_run_id`; a 409 means monitor the existing run;
 * transient errors retried with exponential back-off, then the run fails with
 * the reason), poll Airflow every `intervalMs` (at most `concurrency` calls at
 * once) until the run ends or times out, copy its artifacts, publish the
 * completion on the router's topic in the seed's shape.
 *
 * Owning is per process and in memory: `resume` takes every run the streams
 * show unfinished (after a restart), `own` a new one; a run already owned, or
 * mid-step, is not taken twice. The decider rejects repeats (an unchanged
 * state, a second trigger answer), so even two monitors on one run append
 * each fact once; a completion published twice (a crash between publishing and
 * recording it) is a duplicate the router ignores.
 */
import { AirflowCallError } from "../../domain/dagrun/airflow-error.ts";
import type { DagRunCommand } from "../../domain/dagrun/commands.ts";
import { completionStatusOf, dagRunDecider, failureReasonOf } from "../../domain/dagrun/decider.ts";
import type { DagRunEvent } from "../../domain/dagrun/events.ts";
import { type DagRunState, isReadyToComplete } from "../../domain/dagrun/state.ts";
import { foldWith } from "../../domain/decider.ts";
import type { Airflow, Bus, EventSource, EventStore } from "../../domain/ports.ts";
import { dagRunCategory } from "../../projections/stream-categories.ts";
import { createCommandHandler } from "../command-handler.ts";
import { type ArtifactStores, syncArtifacts } from "./artifacts.ts";
import { createConcurrencyLimit } from "./limit.ts";

export interface DagRunMonitorOptions {
  /** How often each running DAG run is polled (10 s by default). */
  intervalMs?: number;
  /** Airflow calls in flight at once (10 by default). */
  concurrency?: number;
  /** Trigger attempts before giving up on transient errors (3 by default). */
  triggerAttempts?: number;
  /** The first back-off between trigger attempts, doubled after each (2 s by default). */
  triggerBackoffMs?: number;
  /** Where completions go (the router's topic, `conductor-events`). */
  completionTopic?: string;
}

export interface DagRunMonitorDeps extends DagRunMonitorOptions {
  store: EventStore;
  bus: Bus;
  airflow: Airflow;
  /** Where DAGs write and where their artifacts are copied; without it nothing is copied and the completion names no files. */
  artifacts?: ArtifactStores;
  clock?: () => number;
  newId?: () => string;
  sleep?: (ms: number) => Promise<void>;
  logError?: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * Whether this process drives the runs of `workflowId` (the owner of its
   * partition when several processes share the store, src/engine/ownership.ts);
   * every run by default. A run whose workflow this process does not own is
   * left to its owner, and one whose ownership moved away is dropped at its next step.
   */
  owns?: (workflowId: string) => boolean;
  /**
   * Every run the read side knows: with `owns`, each interval takes the
   * unfinished runs this process owns and does not drive yet (runs handed to
   * another process, partitions gained from a member that left or died).
   */
  knownRuns?: () => Iterable<KnownDagRun>;
}

/** Runs as the read side lists them, for `resume`. */
export interface KnownDagRun {
  id: string;
  phase: DagRunState["phase"];
  completionPublished: boolean;
  /** Who asked for the run (absent before its request is known). */
  request?: { workflowId: string };
}

export const DEFAULT_COMPLETION_TOPIC = "conductor-events";

const SOURCE: EventSource = { kind: "system", detail: "dag-run monitor" };

export function createDagRunMonitor(deps: DagRunMonitorDeps) {
  const {
    store,
    bus,
    airflow,
    artifacts,
    intervalMs = 10_000,
    concurrency = 10,
    triggerAttempts = 3,
    triggerBackoffMs = 2_000,
    completionTopic = DEFAULT_COMPLETION_TOPIC,
    clock = Date.now,
    newId = () => crypto.randomUUID(),
    sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    logError = () => {},
    owns = () => true,
  } = deps;
  const handle = createCommandHandler({ store, newId, cacheSize: 1000 });
  const limit = createConcurrencyLimit(concurrency);
  const owned = new Set<string>();
  const stepping = new Map<string, Promise<void>>();
  let closed = false;
  /** Airflow calls made, by kind: what tests and operators count. */
  const calls = { trigger: 0, state: 0 };

  const run = (id: string, command: DagRunCommand) =>
    handle(dagRunDecider, dagRunCategory.streamOf(id), command, () => undefined, { source: SOURCE, correlationId: id });

  async function load(id: string): Promise<DagRunState> {
    const events = await store.readStream(dagRunCategory.streamOf(id));
    return foldWith(dagRunDecider, events as unknown as DagRunEvent[]);
  }

  async function trigger(state: DagRunState): Promise<DagRunState> {
    const request = state.request!;
    const id = request.dagRunId;
    for (let attempt = 1; ; attempt++) {
      try {
        calls.trigger++;
        const triggered = await limit(() => airflow.trigger({ dagId: request.dagId, dagRunId: id, conf: request.conf }));
        return (await run(id, { type: "RecordTrigger", url: triggered.url, existing: triggered.outcome === "exists", at: clock() })).state;
      } catch (error) {
        const transient = error instanceof AirflowCallError ? error.transient : false;
        const message = error instanceof Error ? error.message : String(error);
        if (transient && attempt < triggerAttempts && !closed) {
          await sleep(triggerBackoffMs * 2 ** (attempt - 1));
          continue;
        }
        const reason = `could not trigger DAG '${request.dagId}' (run '${id}') on ${airflow.kind}${transient ? ` after ${attempt} attempts` : ""}: ${message}`;
        return (await run(id, { type: "RecordRunFailure", reason, at: clock() })).state;
      }
    }
  }

  async function poll(state: DagRunState): Promise<DagRunState> {
    const { dagId, dagRunId } = state.request!;
    const timedOut = await run(dagRunId, { type: "CheckTimeout", at: clock() });
    if (timedOut.events.length > 0) return timedOut.state;
    let airflowState: string;
    try {
      calls.state++;
      airflowState = await limit(() => airflow.state(dagId, dagRunId));
    } catch (error) {
      if (error instanceof AirflowCallError && error.status === 404 && airflow.kind === "local") {
        // The local executor keeps runs in memory: after a restart it no longer knows this one, so it runs it
        // again under the same id (its DAGs write to fixed keys, so a second run replaces the first's output).
        calls.trigger++;
        await limit(() => airflow.trigger({ dagId, dagRunId, conf: state.request!.conf }));
        return state;
      }
      if (error instanceof AirflowCallError && !error.transient) {
        return (await run(dagRunId, { type: "RecordRunFailure", reason: error.message, at: clock() })).state;
      }
      logError("polling a DAG run failed; trying again at the next interval", { dagRunId, error: String(error) });
      return state;
    }
    const failure = airflowState === "failed" && state.airflowState !== "failed" ? await airflow.failureOf?.(dagId, dagRunId).catch(() => undefined) : undefined;
    return (await run(dagRunId, { type: "ObserveState", state: airflowState, at: clock(), ...(failure ? { failure } : {}) })).state;
  }

  async function sync(state: DagRunState): Promise<DagRunState> {
    const id = state.request!.dagRunId;
    if (!artifacts) return (await run(id, { type: "RecordArtifactsSynced", objects: [], outputUris: [], at: clock() })).state;
    const prefix = String(state.request!.conf.output_prefix ?? "");
    try {
      const synced = await syncArtifacts(artifacts, prefix);
      return (await run(id, { type: "RecordArtifactsSynced", ...synced, at: clock() })).state;
    } catch (error) {
      const reason = `DAG run '${id}' succeeded but copying its artifacts failed: ${error instanceof Error ? error.message : String(error)}`;
      return (await run(id, { type: "RecordArtifactSyncFailure", reason, at: clock() })).state;
    }
  }

  async function complete(state: DagRunState): Promise<DagRunState> {
    const request = state.request!;
    const status = completionStatusOf(state);
    const reason = failureReasonOf(state);
    const data: Record<string, unknown> = {
      status,
      dag_id: request.dagId,
      dag_run_id: request.dagRunId,
      jobid: request.dagRunId,
      ...(reason ? { error_message: reason } : {}),
      ...(state.artifacts?.statsUrl ? { stats_url: state.artifacts.statsUrl } : {}),
      ...(state.artifacts?.outputUris[0] ? { output_uri: state.artifacts.outputUris[0] } : {}),
      output_uris: state.artifacts?.outputUris ?? [],
      timestamp: new Date(clock()).toISOString(),
    };
    const completion = { workflowId: request.workflowId, taskId: request.taskId, eventType: request.eventType, data };
    await bus.publish(completionTopic, { key: request.workflowId, value: JSON.stringify(completion), headers: { dagRunId: request.dagRunId } });
    return (await run(request.dagRunId, { type: "RecordCompletionPublished", topic: completionTopic, at: clock() })).state;
  }

  /** Takes the run as far as it can go now; returns once it waits for Airflow or is done. */
  async function step(id: string): Promise<void> {
    let state = await load(id);
    for (let moves = 0; moves < 8 && !closed; moves++) {
      if (state.phase === "none" || state.completionPublished || (state.request && !owns(state.request.workflowId))) {
        owned.delete(id);
        return;
      }
      const before = state;
      if (isReadyToComplete(state)) state = await complete(state);
      else if (state.phase === "requested") state = await trigger(state);
      else if (state.phase === "triggered") state = await poll(state);
      else if (state.phase === "succeeded") state = await sync(state);
      if (state === before || (state.phase === "triggered" && before.phase === "triggered")) return;
    }
  }

  /** Steps a run unless a step of it is under way (one step per run at a time, in this process). */
  function stepOnce(id: string): Promise<void> {
    const current = stepping.get(id);
    if (current) return current;
    const next = step(id)
      .catch((error: unknown) => logError("a DAG-run step failed; trying again at the next interval", { dagRunId: id, error: String(error) }))
      .finally(() => stepping.delete(id));
    stepping.set(id, next);
    return next;
  }

  /** Monitors a run from now on; false when this monitor already drives it, or its workflow (when known) is another process's. */
  function own(id: string, workflowId?: string): boolean {
    if (closed || owned.has(id)) return false;
    if (workflowId !== undefined && !owns(workflowId)) return false;
    owned.add(id);
    void stepOnce(id);
    return true;
  }

  /** Owns every unfinished run of the workflows this process owns; returns how many it took. */
  function resume(runs: Iterable<KnownDagRun>): number {
    let taken = 0;
    for (const run of runs) {
      if (run.phase === "none" || run.completionPublished || owned.has(run.id)) continue;
      if (own(run.id, run.request?.workflowId)) taken++;
    }
    return taken;
  }

  const ticker = setInterval(() => {
    if (deps.owns && deps.knownRuns) resume(deps.knownRuns());
    for (const id of owned) if (!stepping.has(id)) void stepOnce(id);
  }, intervalMs);

  return {
    own,
    /** Owns every run the streams show unfinished (after a restart, or when ownership moved here); returns how many it took. */
    resume,
    /** Runs owned and not finished. */
    owned: (): string[] => [...owned],
    /** Resolves when no step is under way (tests). */
    async idle(): Promise<void> {
      while (stepping.size > 0) await Promise.all([...stepping.values()]);
    },
    /** Steps every owned run now instead of at the next interval (tests, shutdown checks). */
    async tick(): Promise<void> {
      await Promise.all([...owned].map((id) => stepOnce(id)));
    },
    calls,
    async close(): Promise<void> {
      closed = true;
      clearInterval(ticker);
      await Promise.allSettled([...stepping.values()]);
    },
  };
}

export type DagRunMonitor = ReturnType<typeof createDagRunMonitor>;
