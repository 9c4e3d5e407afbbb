/**
 * The local executor (DESIGN.md §5, the embedded default): DAGs written as
 * TypeScript functions, run in this process with Airflow's run states. A
 * triggered run is `queued`, becomes `running` when its function starts (on a
 * later turn of the event loop, as a scheduler would) and ends `success` or,
 * when the function throws, `failed`. Runs live in memory: after a restart
 * the executor no longer knows them and `state` says so (a 404), and the
 * monitor runs such a run again under the same id.
 */
import { AirflowCallError } from "../../domain/dagrun/airflow-error.ts";
import type { Airflow, DagRunTrigger, DagRunTriggered } from "../../domain/ports.ts";

/** What a local DAG function is given. */
export interface LocalDagContext {
  dagId: string;
  dagRunId: string;
  conf: Record<string, unknown>;
}

/** A DAG for the local executor; it succeeds when it resolves and fails when it throws. */
export type LocalDag = (context: LocalDagContext) => Promise<void>;

export interface LocalAirflowOptions {
  dags: Record<string, LocalDag>;
  /** Called with the error of a DAG that failed, for logs. */
  onDagError?: (dagId: string, dagRunId: string, error: unknown) => void;
}

interface LocalRun {
  state: "queued" | "running" | "success" | "failed";
  done: Promise<void>;
}

export interface LocalAirflow extends Airflow {
  /** Adds or replaces a DAG (services register theirs at start). */
  register(dagId: string, dag: LocalDag): void;
  /** Resolves when the run has ended (tests, shutdown). */
  settled(dagId: string, dagRunId: string): Promise<void>;
}

export function createLocalAirflow({ dags, onDagError }: LocalAirflowOptions): LocalAirflow {
  const registered = new Map(Object.entries(dags));
  const runs = new Map<string, LocalRun>();
  const keyOf = (dagId: string, dagRunId: string) => `${dagId}\u0000${dagRunId}`;

  return {
    kind: "local",
    register(dagId, dag) {
      registered.set(dagId, dag);
    },
    async trigger({ dagId, dagRunId, conf }: DagRunTrigger): Promise<DagRunTriggered> {
      const dag = registered.get(dagId);
      if (!dag) {
        const known = [...registered.keys()].join(", ") || "none";
        throw new AirflowCallError(`local executor: no DAG '${dagId}' (registered: ${known})`, false, 404);
      }
      const url = `local:dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(dagRunId)}`;
      const key = keyOf(dagId, dagRunId);
      if (runs.has(key)) return { outcome: "exists", url };
      const run: LocalRun = { state: "queued", done: Promise.resolve() };
      run.done = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 0));
        run.state = "running";
        try {
          await dag({ dagId, dagRunId, conf: structuredClone(conf) });
          run.state = "success";
        } catch (error) {
          run.state = "failed";
          onDagError?.(dagId, dagRunId, error);
        }
      })();
      runs.set(key, run);
      return { outcome: "created", url };
    },
    async state(dagId, dagRunId) {
      const run = runs.get(keyOf(dagId, dagRunId));
      if (!run) throw new AirflowCallError(`local executor: no run '${dagRunId}' of DAG '${dagId}' (runs do not survive a restart)`, false, 404);
      return run.state;
    },
    async settled(dagId, dagRunId) {
      await runs.get(keyOf(dagId, dagRunId))?.done;
    },
  };
}
