import { describe, expect, it } from "vitest";
import { pickObserved } from "../../bench/completion-observer.ts";
import { observeInterval } from "../../bench/load.ts";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);

describe("pickObserved: which in-flight workflows the status observer asks about in a round", () => {
  it("asks about every workflow in flight when they fit in the batch", () => {
    expect(pickObserved(ids(5), 20, 3)).toEqual({ ids: ids(5), cursor: 0 });
  });

  it("asks about the oldest half of the batch every round and takes the younger ones in turn", () => {
    const inFlight = ids(10);
    const first = pickObserved(inFlight, 4, 0);
    expect(first.ids).toEqual(["w0", "w1", "w2", "w3"]);
    const second = pickObserved(inFlight, 4, first.cursor);
    expect(second.ids).toEqual(["w0", "w1", "w4", "w5"]);
    const third = pickObserved(inFlight, 4, second.cursor);
    expect(third.ids).toEqual(["w0", "w1", "w6", "w7"]);
    const fourth = pickObserved(inFlight, 4, third.cursor);
    expect(fourth.ids).toEqual(["w0", "w1", "w8", "w9"]);
    expect(pickObserved(inFlight, 4, fourth.cursor).ids).toEqual(["w0", "w1", "w2", "w3"]);
  });

  it("sees every workflow within a bounded number of rounds even when the oldest never end (200 in flight, batch 20)", () => {
    const inFlight = ids(200);
    const asked = new Set<string>();
    let cursor = 0;
    for (let round = 0; round < Math.ceil(190 / 10); round++) {
      const picked = pickObserved(inFlight, 20, cursor);
      expect(picked.ids).toHaveLength(20);
      for (const id of picked.ids) asked.add(id);
      cursor = picked.cursor;
    }
    expect(asked.size).toBe(200);
  });

  it("wraps around the younger workflows without repeating one in a round", () => {
    const picked = pickObserved(ids(7), 4, 4);
    expect(picked.ids).toEqual(["w0", "w1", "w6", "w2"]);
    expect(new Set(picked.ids).size).toBe(4);
  });

  it("rejects a batch that is not a whole number >= 1, naming it", () => {
    expect(() => pickObserved(ids(3), 0, 0)).toThrow(/batch must be a whole number >= 1, got 0/);
  });
});

describe("observeInterval: how far apart the load generator's observer rounds start", () => {
  const options = { observeIntervalMs: 10, observeLatencyFraction: 1 / 20 };

  it("is the fixed interval without a latency fraction", () => {
    expect(observeInterval({ observeIntervalMs: 7 }, [4000, 5000])).toBe(7);
  });

  it("is the fixed interval until a latency is known (no samples, no hint)", () => {
    expect(observeInterval(options, [])).toBe(10);
  });

  it("follows the earlier batch's median until this one has latencies, then its own recent median", () => {
    expect(observeInterval(options, [], 2000)).toBe(100);
    expect(observeInterval(options, [600, 400, 500], 2000)).toBe(25);
  });

  it("before any latency is known, follows how long the oldest workflow in flight has run (a 100-iteration loop is not asked about every 10 ms)", () => {
    expect(observeInterval(options, [], undefined, 0)).toBe(10);
    expect(observeInterval(options, [], undefined, 8000)).toBe(400);
  });

  it("stays between the fixed interval and 1 s", () => {
    expect(observeInterval(options, [50, 60])).toBe(10);
    expect(observeInterval(options, [60_000])).toBe(1000);
  });
});
