/**
 * DAG runs over GraphQL: `dagRuns(filter, limit)`, `dagRun(id)` with its event
 * history (`DagRun.events`), and the `dagRunUpdates` subscription (each state
 * a run takes, in store order).
 */
import { Repeater } from "graphql-yoga";
import { NotFoundError, ValidationError } from "../../domain/errors.ts";
import type { Engine } from "../../engine/engine.ts";
import { type DagRunFilter, type DagRunSummary, dagRunSummaryOf, findDagRuns } from "../../projections/dag-runs.ts";
import { dagRunEventView } from "../rest/dag-runs.ts";

/** What the DAG-run resolvers call on the engine. */
export type DagRunPort = Pick<Engine, "models" | "readDagRunEvents" | "onDagRunChange">;

type Args = Record<string, any>;

function filterOf(filter: Args | null | undefined): DagRunFilter {
  return Object.fromEntries(Object.entries(filter ?? {}).filter(([, value]) => value !== null && value !== undefined)) as DagRunFilter;
}

function matches(run: DagRunSummary, filter: DagRunFilter): boolean {
  return (
    (!filter.workflowId || run.workflowId === filter.workflowId) &&
    (!filter.dagId || run.dagId === filter.dagId) &&
    (!filter.status || run.status === filter.status.toUpperCase())
  );
}

export function createDagRunResolvers(engine: DagRunPort) {
  return {
    Query: {
      dagRuns(_: unknown, { filter, limit }: Args) {
        const size = limit ?? 100;
        if (!Number.isInteger(size) || size < 1 || size > 1000) {
          throw new ValidationError("limit: expected a whole number from 1 to 1000", [{ path: "limit", message: "expected a whole number from 1 to 1000", invalidValue: size }]);
        }
        return findDagRuns(engine.models, filterOf(filter), size);
      },
      dagRun(_: unknown, { id }: Args) {
        const run = engine.models.dagRuns.get(id);
        const summary = run && dagRunSummaryOf(run);
        if (!summary) throw new NotFoundError(`No DAG run '${id}'`);
        return summary;
      },
    },
    DagRun: {
      events: async (run: DagRunSummary) => (await engine.readDagRunEvents(run.id)).map(dagRunEventView),
    },
    Subscription: {
      dagRunUpdates: {
        subscribe(_: unknown, { filter }: Args) {
          const wanted = filterOf(filter);
          return new Repeater<DagRunSummary>(async (push, stop) => {
            const detach = engine.onDagRunChange((run) => {
              const summary = dagRunSummaryOf(run);
              if (summary && matches(summary, wanted)) void push(summary);
            });
            await stop;
            detach();
          });
        },
        resolve: (payload: unknown) => payload,
      },
    },
  };
}
