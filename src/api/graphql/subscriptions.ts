import { FixedBuffer, Repeater, SlidingBuffer } from "graphql-yoga";
import { ValidationError } from "../../domain/errors.ts";
import type { WorkflowState } from "../../domain/workflow/state.ts";
import type { Engine } from "../../engine/engine.ts";
import { restartPointFor } from "../../projections/retry-suggestion.ts";
import { workflowStats } from "../../projections/workflow-stats.ts";
import { dagRunStats } from "../../projections/dag-run-stats.ts";
import { dagRunEventOfWorkflowView, taskView, workflowEventView } from "./views.ts";

/** What the GraphQL subscriptions call on the engine, and nothing more. */
export type SubscriptionPort = Pick<Engine, "clock" | "loadWorkflow" | "onWorkflowChange" | "readWorkflowEvents" | "statsItems"> &
  Partial<Pick<Engine, "onDagRunChange" | "readDagRunEvents">> & { models?: Pick<Engine["models"], "dagRuns"> & Partial<Pick<Engine["models"], "dagRunsByWorkflow">> };

type Args = Record<string, any>;

/** Items a slow subscriber may fall behind by before its subscription ends with an error. */
const SUBSCRIBER_BUFFER = 10_000;

/**
 * An async iterator fed by `attach(push)` (which returns its detach): the
 * engine's change callbacks are synchronous, so values are buffered, and a
 * subscriber that falls too far behind is stopped rather than slowing the engine.
 */
function listen<T>(attach: (push: (value: T) => void) => () => void): Repeater<T> {
  return new Repeater<T>(async (push, stop) => {
    const detach = attach((value) => {
      try {
        void push(value);
      } catch {
        stop(new Error(`subscriber fell more than ${SUBSCRIBER_BUFFER} updates behind; subscribe again`));
      }
    });
    await stop;
    detach();
  }, new FixedBuffer(SUBSCRIBER_BUFFER));
}

/** Calls `onChange(workflow, previousStatus)` for each change (no status before a new workflow). */
function withPreviousStatus(
  engine: SubscriptionPort,
  onChange: (workflow: WorkflowState, previous: string | undefined) => void,
): () => void {
  return engine.onWorkflowChange((workflow, previous) => onChange(workflow, previous?.status));
}

const asIs = (payload: unknown) => payload;

/**
 * The Subscription resolvers, driven by the engine's `onWorkflowChange` (called
 * in store order after the read models apply each event). `statsIntervalMs`
 * throttles `stats`.
 */
export function createSubscriptions(engine: SubscriptionPort, { statsIntervalMs = 1000 } = {}) {
  return {
    workflowEvents: {
      async subscribe(_: unknown, { workflowId, fromRevision, dagRuns }: Args) {
        const from = fromRevision ?? 0;
        if (!Number.isInteger(from) || from < 0) {
          throw new ValidationError("fromRevision: expected a whole number >= 0", [
            { path: "fromRevision", message: "expected a whole number >= 0", invalidValue: from },
          ]);
        }
        await engine.loadWorkflow(workflowId); // NOT_FOUND for an unknown id
        const withDagRuns = dagRuns !== false && engine.readDagRunEvents !== undefined && engine.models?.dagRunsByWorkflow !== undefined;
        // The stored events from `from`, then each one as it is appended, with
        // the events of the DAG runs the workflow asked for between them (by
        // store position): every change re-reads the streams past the last
        // revision sent of each, so none is skipped or repeated whatever the timing.
        return new Repeater(async (push, stop) => {
          let next = from;
          const nextOfRun = new Map<string, number>();
          // DAG-run events count from where the workflow's requested revisions start.
          let afterPosition: number | undefined;
          let reading = false;
          let again = false;
          const dagRunEventsAfter = async (after: number) => {
            const events: ReturnType<typeof dagRunEventOfWorkflowView>[] = [];
            for (const dagRunId of engine.models?.dagRunsByWorkflow?.get(workflowId) ?? []) {
              for (const event of await engine.readDagRunEvents!(dagRunId)) {
                if (event.revision < (nextOfRun.get(dagRunId) ?? 0) || event.position <= after) continue;
                events.push(dagRunEventOfWorkflowView(event, workflowId, dagRunId));
              }
            }
            return events;
          };
          const catchUp = async () => {
            if (reading) {
              again = true;
              return;
            }
            reading = true;
            try {
              do {
                again = false;
                const stored = await engine.readWorkflowEvents(workflowId);
                if (afterPosition === undefined) afterPosition = from === 0 ? -Infinity : (stored[Math.min(from, stored.length) - 1]?.position ?? -Infinity);
                const batch = stored.filter((event) => event.revision >= next).map((event) => workflowEventView(event, workflowId));
                if (withDagRuns) batch.push(...(await dagRunEventsAfter(afterPosition)));
                batch.sort((a, b) => a.position - b.position);
                for (const view of batch) {
                  if (view.dagRunId === null) next = view.revision + 1;
                  else nextOfRun.set(view.dagRunId, view.revision + 1);
                  await push(view);
                }
              } while (again);
            } catch (error) {
              stop(error);
            } finally {
              reading = false;
            }
          };
          const detach = engine.onWorkflowChange((workflow) => {
            if (workflow.workflowId === workflowId && workflow.revision >= next) void catchUp();
          });
          const detachDagRuns = withDagRuns
            ? engine.onDagRunChange?.((run) => {
                if (run.request?.workflowId === workflowId) void catchUp();
              })
            : undefined;
          void catchUp();
          await stop;
          detach();
          detachDagRuns?.();
        });
      },
      resolve: asIs,
    },

    workflowStatusChanged: {
      subscribe(_: unknown, { filter }: Args) {
        const type: string | undefined = filter?.workflowType ?? undefined;
        const statuses = filter?.statuses ? new Set<string>(filter.statuses) : undefined;
        return listen((push) =>
          withPreviousStatus(engine, (workflow, previousStatus) => {
            if (previousStatus === workflow.status) return;
            if (type !== undefined && workflow.definition.name !== type) return;
            if (statuses && !statuses.has(workflow.status)) return;
            push({
              workflowId: workflow.workflowId,
              workflowType: workflow.definition.name,
              status: workflow.status,
              previousStatus: previousStatus ?? null,
              reasonForIncompletion: workflow.reasonForIncompletion,
              updateTime: workflow.updateTime,
            });
          }),
        );
      },
      resolve: asIs,
    },

    taskUpdates: {
      subscribe(_: unknown, { taskType }: Args) {
        const wanted = (type: string, defName: string) => taskType == null || type === taskType || defName === taskType;
        return listen((push) => {
          // A task attempt is pushed when its status, update time, retry count or logs differ from the state before
          // (a log line alone leaves the update time as it was; the console's task panel shows the logs live).
          const signature = (t: WorkflowState["tasks"][number]) => `${t.status}:${t.updateTime}:${t.retryCount}:${t.logs.length}`;
          return engine.onWorkflowChange((workflow, previous) => {
            const before = new Map(previous?.tasks.map((t) => [t.taskId, signature(t)]));
            for (const task of workflow.tasks) {
              if (before.get(task.taskId) === signature(task)) continue;
              if (wanted(task.taskType, task.taskDefName)) push(taskView(workflow, task));
            }
          });
        });
      },
      resolve: asIs,
    },

    retrySuggestions: {
      subscribe: () =>
        listen((push) =>
          withPreviousStatus(engine, (workflow, previousStatus) => {
            if (workflow.status !== "FAILED" || previousStatus === "FAILED") return;
            const suggestion = restartPointFor(workflow);
            if (suggestion) push(suggestion);
          }),
        ),
      resolve: asIs,
    },

    stats: {
      subscribe: () =>
        new Repeater(async (push, stop) => {
          // Workflows by type and status, and DAG runs by DAG and status.
          const counts = () => ({ ...workflowStats(engine.statsItems(), engine.clock()), dagRuns: dagRunStats(engine.models?.dagRuns.values() ?? []) });
          const key = (stats: ReturnType<typeof counts>) => JSON.stringify([stats.byTypeAndStatus, stats.dagRuns]);
          let last = counts();
          let lastPushedAt = Date.now();
          let timer: ReturnType<typeof setTimeout> | undefined;
          void push(last);
          const flush = () => {
            timer = undefined;
            const stats = counts();
            if (key(stats) === key(last)) return;
            last = stats;
            lastPushedAt = Date.now();
            void push(stats);
          };
          const schedule = () => {
            if (timer === undefined) timer = setTimeout(flush, Math.max(0, lastPushedAt + statsIntervalMs - Date.now()));
          };
          const detach = engine.onWorkflowChange(schedule);
          const detachDagRuns = engine.onDagRunChange?.(schedule);
          await stop;
          detach();
          detachDagRuns?.();
          if (timer !== undefined) clearTimeout(timer);
        }, new SlidingBuffer(1)),
      resolve: asIs,
    },
  };
}
