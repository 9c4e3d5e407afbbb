/** The audit timeline and time travel over one workflow's recorded events: pure folds. */
import { describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "../../src/domain/errors.ts";
import type { EventSource, RecordedEvent } from "../../src/domain/ports.ts";
import type { WorkflowEvent } from "../../src/domain/workflow/events.ts";
import { parseInstant, stateAt } from "../../src/projections/time-travel.ts";
import { sourceOf, workflowTimeline } from "../../src/projections/timeline.ts";
import { at, completed, polled, scheduled, simpleTask, started, T0, WORKFLOW_ID, workflowDef } from "../support/decider-spec.ts";

const fetchOrder = simpleTask("fetch_order", { taskReferenceName: "fetch" });
const chargeCard = simpleTask("charge_card", { taskReferenceName: "charge" }, { retryCount: 0 });
const orders = workflowDef([fetchOrder, chargeCard]);

const REST: EventSource = { kind: "rest", detail: "POST /api/workflow" };
const WORKER: EventSource = { kind: "worker", detail: "worker-7" };
const TIMER: EventSource = { kind: "timer" };
const KAFKA: EventSource = { kind: "router", message: { topic: "conductor-events", partition: 2, offset: "41" } };

/** Recorded as the store would: revision = index, positions interleaved with other streams, `created` = the event's time. */
function recorded(history: [WorkflowEvent, EventSource | undefined, number][]): RecordedEvent[] {
  return history.map(([event, source, created], revision) => ({
    id: `e${revision}`,
    streamId: `workflow-${WORKFLOW_ID}`,
    revision,
    position: revision * 3 + 5,
    type: event.type,
    data: event.data,
    metadata: source ? { source, correlationId: "corr", causationId: `cmd-${revision}` } : {},
    created,
  }));
}

const history = recorded([
  [started(orders, { orderId: 1 }), REST, at(0)],
  [scheduled(fetchOrder, { taskId: "t1", seq: 1 }), REST, at(0)],
  [polled("t1", at(1), "worker-7"), WORKER, at(1)],
  [completed("t1", { total: 10 }, at(2), "worker-7"), WORKER, at(2)],
  [scheduled(chargeCard, { taskId: "t2", seq: 2, time: at(2) }), WORKER, at(2)],
  [{ type: "VariablesSet", data: { variables: { paid: false }, time: at(3) } }, KAFKA, at(3)],
  [{ type: "TaskTimedOut", data: { taskId: "t2", reason: "poll timeout", time: at(10) } }, TIMER, at(10)],
  [{ type: "WorkflowFailed", data: { reason: "charge timed out", failedTaskId: "t2", output: {}, time: at(10) } }, TIMER, at(10)],
]);

describe("workflowTimeline", () => {
  const timeline = workflowTimeline(history);

  it("has one entry per event with revision, position, time and type", () => {
    expect(timeline.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(timeline.map((e) => e.position)).toEqual([5, 8, 11, 14, 17, 20, 23, 26]);
    expect(timeline[0]).toMatchObject({ type: "WorkflowStarted", time: "2026-01-01T00:00:00.000Z", timeMs: T0 });
    expect(timeline[6]).toMatchObject({ type: "TaskTimedOut", time: "2026-01-01T00:00:10.000Z", timeMs: at(10) });
  });

  it("resolves task ids to refs and shows the task's status after task events, the workflow's otherwise", () => {
    expect(timeline.map((e) => [e.type, e.taskRef ?? "", e.status])).toEqual([
      ["WorkflowStarted", "", "RUNNING"],
      ["TaskScheduled", "fetch", "SCHEDULED"],
      ["TaskStarted", "fetch", "IN_PROGRESS"],
      ["TaskCompleted", "fetch", "COMPLETED"],
      ["TaskScheduled", "charge", "SCHEDULED"],
      ["VariablesSet", "", "RUNNING"],
      ["TaskTimedOut", "charge", "TIMED_OUT"],
      ["WorkflowFailed", "", "FAILED"],
    ]);
    expect(timeline[6]).toMatchObject({ taskId: "t2", workflowStatus: "RUNNING" });
    expect(timeline[7]!.taskId).toBeUndefined();
  });

  it("names each event's source: REST call, worker id, timer, Kafka topic/partition/offset", () => {
    expect(timeline[0]!.source).toEqual({ kind: "rest", detail: "POST /api/workflow" });
    expect(timeline[2]!.source).toEqual({ kind: "worker", detail: "worker-7" });
    expect(timeline[5]!.source).toEqual({ kind: "router", detail: "conductor-events/2/41", topic: "conductor-events", partition: 2, offset: "41" });
    expect(timeline[6]!.source).toEqual({ kind: "timer" });
    expect(timeline[0]).toMatchObject({ correlationId: "corr", causationId: "cmd-0" });
  });

  it("counts events without a recorded source as system events", () => {
    expect(sourceOf(undefined)).toEqual({ kind: "system" });
    expect(sourceOf({})).toEqual({ kind: "system" });
  });

  it("still names a task a restart removed", () => {
    const rerun = recorded([
      [started(orders, {}), REST, at(0)],
      [scheduled(fetchOrder, { taskId: "t1", seq: 1 }), REST, at(0)],
      [{ type: "WorkflowRerun", data: { time: at(5), fromTaskId: "t1" } }, REST, at(5)],
      [{ type: "WorkflowRestarted", data: { time: at(6) } }, REST, at(6)],
      [{ type: "TaskCanceled", data: { taskId: "t1", time: at(7) } }, REST, at(7)],
    ]);
    const entries = workflowTimeline(rerun);
    expect(entries[2]).toMatchObject({ taskRef: "fetch", status: "SCHEDULED" });
    // t1 no longer exists after the restart: the entry still names it, with the workflow's status.
    expect(entries[4]).toMatchObject({ taskId: "t1", taskRef: "fetch", status: "RUNNING" });
  });
});

describe("stateAt", () => {
  it("folds up to and including a revision", () => {
    const json = stateAt(history, { revision: 3 });
    expect(json.status).toBe("RUNNING");
    expect((json.tasks as { referenceTaskName: string; status: string }[]).map((t) => [t.referenceTaskName, t.status])).toEqual([
      ["fetch", "COMPLETED"],
    ]);
    expect(stateAt(history, { revision: 7 }).status).toBe("FAILED");
    expect(stateAt(history, { revision: 0 }).tasks).toEqual([]);
  });

  it("folds every event recorded at or before a time, given as epoch ms or ISO 8601", () => {
    const atTwo = stateAt(history, { time: at(2) });
    expect((atTwo.tasks as unknown[]).length).toBe(2);
    expect(stateAt(history, { time: "2026-01-01T00:00:05Z" })).toEqual(stateAt(history, { revision: 5 }));
    expect(stateAt(history, { time: String(at(1)) })).toEqual(stateAt(history, { revision: 2 }));
    expect(stateAt(history, { time: "2026-01-01T01:00:00+01:00" }).workflowId).toBe(WORKFLOW_ID);
    expect(stateAt(history, { time: at(999) })).toEqual(stateAt(history, { revision: 7 }));
  });

  it("names the parameter when the point is outside the workflow's life or unreadable", () => {
    const problem = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const tooFar = problem(() => stateAt(history, { revision: 8 }));
    expect(tooFar).toBeInstanceOf(ValidationError);
    expect((tooFar as ValidationError).message).toMatch(/^revision: .*0 to 7/);
    expect((problem(() => stateAt(history, { revision: -1 })) as Error).message).toMatch(/^revision:/);
    expect((problem(() => stateAt(history, { revision: 1.5 })) as Error).message).toMatch(/^revision:/);
    const early = problem(() => stateAt(history, { time: at(-1) })) as ValidationError;
    expect(early.message).toMatch(/^time: 2025-12-31T23:59:59.000Z is before the workflow started/);
    expect(early.fieldErrors[0]?.path).toBe("time");
    expect((problem(() => stateAt(history, { time: "yesterday" })) as Error).message).toMatch(/^time: expected an ISO 8601/);
    expect(problem(() => stateAt([], { revision: 0 }))).toBeInstanceOf(NotFoundError);
  });
});

describe("parseInstant", () => {
  it("reads epoch ms and zoned ISO 8601, and refuses local times and junk", () => {
    expect(parseInstant(T0)).toBe(T0);
    expect(parseInstant(String(T0))).toBe(T0);
    expect(parseInstant("2026-01-01T00:00:00Z")).toBe(T0);
    expect(parseInstant("2026-01-01T00:00:00.250Z")).toBe(T0 + 250);
    expect(parseInstant("2026-01-01T02:00:00+02:00")).toBe(T0);
    expect(parseInstant("2026-01-01")).toBe(T0);
    expect(parseInstant("2026-01-01T00:00:00")).toBeUndefined();
    expect(parseInstant("2026-13-01T00:00:00Z")).toBeUndefined();
    expect(parseInstant("soon")).toBeUndefined();
    expect(parseInstant(-5)).toBeUndefined();
  });
});
