/**
 * The one holding mechanism for messages that arrive before their task waits
 * (task-holds.ts), used by the event router and the event handlers: held until
 * the task waits, released on a change of its workflow, given up after the
 * hold time, recorded before it is released, released again after a failure,
 * and held again after a restart from what was recorded.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTaskHolds, type HoldEnd, type StillHeld } from "../../src/engine/task-holds.ts";

interface Item {
  id: string;
  workflowId: string;
  until: number;
}
type Located = { kind: "ready"; taskId: string } | { kind: "gone"; reason: string };

/** Holds over a world the test moves: where each workflow's task stands. */
function harness(options: { failReleases?: number; failRecord?: boolean } = {}) {
  const where = new Map<string, StillHeld | Located>();
  const log: string[] = [];
  const released: [string, HoldEnd<Located>][] = [];
  let failures = options.failReleases ?? 0;
  const holds = createTaskHolds<Item, Located>({
    clock: Date.now,
    holdMs: 1000,
    keyOf: (item) => item.id,
    untilOf: (item) => item.until,
    locate: (item) => where.get(item.workflowId) ?? { kind: "hold", reason: `workflow ${item.workflowId} has not reached the task yet` },
    concerns: (item, workflowId) => item.workflowId === workflowId,
    recordHold: async (item) => {
      await Promise.resolve();
      if (options.failRecord) throw new Error("store unavailable");
      log.push(`held ${item.id}`);
    },
    release: async (item, end) => {
      if (failures-- > 0) throw new Error("append failed");
      log.push(`released ${item.id}`);
      released.push([item.id, end]);
    },
    logError: () => {},
  });
  const item = (id: string, workflowId = "w1"): Item => ({ id, workflowId, until: holds.deadline() });
  return { holds, where, log, released, item };
}

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe("task holds", () => {
  it("releases a hold when a change of its workflow finds its task waiting, after the hold is recorded", async () => {
    const { holds, where, log, released, item } = harness();
    await holds.hold(item("m1"));
    expect(holds.size()).toBe(1);
    holds.workflowChanged("w2"); // not its workflow
    where.set("w1", { kind: "ready", taskId: "t1" });
    holds.workflowChanged("w1");
    expect(holds.size()).toBe(0);
    await vi.runAllTimersAsync();
    expect(released).toEqual([["m1", { kind: "ready", taskId: "t1" }]]);
    expect(log).toEqual(["held m1", "released m1"]);
  });

  it("records the hold before its release even when the task waits by the time it is held", async () => {
    const { holds, where, log, item } = harness();
    where.set("w1", { kind: "ready", taskId: "t1" });
    await holds.hold(item("m1"));
    await vi.runAllTimersAsync();
    expect(log).toEqual(["held m1", "released m1"]);
  });

  it("gives a hold up after the hold time, with why its task still did not wait", async () => {
    const { holds, released, item } = harness();
    await holds.hold(item("m1"));
    await vi.advanceTimersByTimeAsync(999);
    expect(released).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(released).toEqual([
      ["m1", { kind: "expired", reason: "held for 1 s, but workflow w1 has not reached the task yet; giving up" }],
    ]);
  });

  it("holds one message once, and knows it while it is held or released", async () => {
    const { holds, log, item } = harness();
    await holds.hold(item("m1"));
    await holds.hold(item("m1"));
    expect(log).toEqual(["held m1"]);
    expect(holds.has("m1")).toBe(true);
    expect(holds.has("m2")).toBe(false);
  });

  it("holds the message again when its release fails, and releases it once that works", async () => {
    const { holds, where, released, item } = harness({ failReleases: 1 });
    await holds.hold(item("m1"));
    where.set("w1", { kind: "gone", reason: "workflow w1 is TERMINATED" });
    holds.workflowChanged("w1");
    await vi.advanceTimersByTimeAsync(0);
    expect(released).toEqual([]);
    expect(holds.size()).toBe(1); // waiting to be tried again
    await vi.advanceTimersByTimeAsync(1000);
    expect(released).toEqual([["m1", { kind: "gone", reason: "workflow w1 is TERMINATED" }]]);
    expect(holds.size()).toBe(0);
  });

  it("does not hold a message whose hold could not be recorded, so its source can deliver it again", async () => {
    const { holds, item } = harness({ failRecord: true });
    await expect(holds.hold(item("m1"))).rejects.toThrow("store unavailable");
    expect(holds.has("m1")).toBe(false);
  });

  it("holds again what was recorded before a restart, with the recorded deadline", async () => {
    const { holds, log, released } = harness();
    holds.recover([{ id: "m1", workflowId: "w1", until: 300 }]);
    expect(log).toEqual([]); // already recorded
    expect(holds.size()).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(released.map(([id, end]) => [id, end.kind])).toEqual([["m1", "expired"]]);
  });

  it("stops on close; what is held stays recorded", async () => {
    const { holds, released, item } = harness();
    await holds.hold(item("m1"));
    holds.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(released).toEqual([]);
    expect(holds.size()).toBe(0);
  });
});
