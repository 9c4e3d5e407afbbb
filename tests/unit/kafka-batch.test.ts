/**
 * The Kafka bus's batch rules without a broker: per-key order, the in-hand
 * limit, and commits only up to the first record not handled.
 */
import { describe, expect, it } from "vitest";
import { type OrderedBatch, runOrderedBatch } from "../../src/adapters/bus/kafka-batch.ts";

function batchOf(keys: string[], limit: number, handle: (index: number) => Promise<boolean>) {
  const resolved: string[] = [];
  const commits: string[] = [];
  const batch: OrderedBatch = {
    offsets: keys.map((_, index) => String(100 + index)),
    keyOf: (index) => keys[index]!,
    limit,
    handle,
    resolveOffset: (offset) => void resolved.push(offset),
    commit: async (offset) => void commits.push(offset),
    heartbeat: async () => {},
    keepGoing: () => true,
    clock: () => 0,
    commitIntervalMs: 1_000,
  };
  return { batch, resolved, commits };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("runOrderedBatch", () => {
  it("handles one key in order and different keys side by side, never more than the limit", async () => {
    const keys = ["a", "b", "a", "c", "b", "a", "d", "c"];
    const order: number[] = [];
    let inHand = 0;
    let most = 0;
    const { batch, resolved, commits } = batchOf(keys, 3, async (index) => {
      inHand++;
      most = Math.max(most, inHand);
      await tick(index % 2 === 0 ? 8 : 2);
      order.push(index);
      inHand--;
      return true;
    });
    await runOrderedBatch(batch);
    for (const key of new Set(keys)) {
      const mine = order.filter((index) => keys[index] === key);
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    expect(most).toBe(3);
    expect(resolved).toEqual(keys.map((_, index) => String(100 + index)));
    expect(commits).toEqual(["107"]);
  });

  it("one at a time with one key and a limit of 1", async () => {
    let inHand = 0;
    let most = 0;
    const order: number[] = [];
    const { batch } = batchOf(["", "", "", ""], 1, async (index) => {
      inHand++;
      most = Math.max(most, inHand);
      await tick(1);
      order.push(index);
      inHand--;
      return true;
    });
    await runOrderedBatch(batch);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(most).toBe(1);
  });

  it("commits only up to the first record not handled, though later keys were, and rethrows an error after committing", async () => {
    const keys = ["a", "b", "c", "d"];
    const { batch, commits } = batchOf(keys, 4, async (index) => index !== 1);
    await runOrderedBatch(batch);
    expect(commits).toEqual(["100"]);

    const failing = batchOf(keys, 1, async (index) => {
      if (index === 2) throw new Error("dead-letter topic unreachable");
      return true;
    });
    await expect(runOrderedBatch(failing.batch)).rejects.toThrow("dead-letter topic unreachable");
    expect(failing.commits).toEqual(["101"]);
  });
});
