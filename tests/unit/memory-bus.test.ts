/**
 * The in-process bus: what it keeps in memory (only what a subscriber has not
 * taken yet) and how it hands messages out (one at a time in order, or side by
 * side by key with an `orderKey`, each key in order, never more than the limit).
 */
import { describe, expect, it } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import type { DeliveredMessage } from "../../src/domain/ports.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the in-process bus", () => {
  it("keeps nothing once every subscriber has taken a message, and nothing published to no one", async () => {
    const bus = createMemoryBus();
    for (let i = 0; i < 5_000; i++) await bus.publish("nobody", { key: String(i), value: "x" });
    expect(bus.retained()).toBe(0);
    const seen: string[] = [];
    const subscription = bus.subscribe("orders", async (message) => void seen.push(message.value));
    for (let i = 0; i < 5_000; i++) await bus.publish("orders", { key: String(i), value: String(i) });
    await settle();
    expect(seen).toHaveLength(5_000);
    expect(seen.slice(0, 3)).toEqual(["0", "1", "2"]);
    expect(bus.retained()).toBe(0);
    await subscription.close();
  });

  it("holds messages for a slow subscriber until it takes them, with offsets that keep counting", async () => {
    const bus = createMemoryBus();
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const offsets: string[] = [];
    bus.subscribe("slow", async (message) => {
      offsets.push(message.offset);
      await gate;
    });
    for (let i = 0; i < 600; i++) await bus.publish("slow", { key: "k", value: String(i) });
    expect(bus.retained()).toBe(599); // the first is in hand, the rest wait
    release();
    for (let i = 0; i < 50 && offsets.length < 600; i++) await settle();
    expect(offsets).toHaveLength(600);
    expect(offsets.at(-1)).toBe("599");
    expect(bus.retained()).toBe(0);
  });

  it("with an orderKey, handles different keys side by side, each key in order, at most `concurrency` at once", async () => {
    const bus = createMemoryBus();
    let inHand = 0;
    let most = 0;
    const order = new Map<string, number[]>();
    bus.subscribe(
      "keyed",
      async (message: DeliveredMessage) => {
        inHand++;
        most = Math.max(most, inHand);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const list = order.get(message.key ?? "") ?? [];
        list.push(Number(message.value));
        order.set(message.key ?? "", list);
        inHand--;
      },
      { orderKey: (message) => message.key ?? "", concurrency: 4 },
    );
    for (let i = 0; i < 60; i++) await bus.publish("keyed", { key: `k${i % 6}`, value: String(i) });
    for (let i = 0; i < 200 && [...order.values()].flat().length < 60; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect([...order.values()].flat()).toHaveLength(60);
    expect(most).toBe(4);
    for (const [key, values] of order) expect(values, key).toEqual([...values].sort((a, b) => a - b));
  });

  it("without an orderKey, handles one message at a time in publish order", async () => {
    const bus = createMemoryBus();
    let inHand = 0;
    let most = 0;
    const seen: number[] = [];
    bus.subscribe("plain", async (message) => {
      inHand++;
      most = Math.max(most, inHand);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(Number(message.value));
      inHand--;
    });
    for (let i = 0; i < 30; i++) await bus.publish("plain", { key: `k${i % 3}`, value: String(i) });
    for (let i = 0; i < 200 && seen.length < 30; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen).toEqual([...Array(30).keys()]);
    expect(most).toBe(1);
  });
});
