/**
 * How the event router subscribes to its completion topic: messages of one
 * workflow share an order key (handled in the order they came), different
 * workflows get different keys (handled side by side on a bus that honours
 * it, as the Kafka bus does: tests/services/kafka-bus.test.ts), and each
 * message is parsed once. BATON_ROUTER_CONCURRENCY=1 asks for one at a time.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import type { Bus, BusSubscribeOptions, DeliveredMessage } from "../../src/domain/ports.ts";
import type { CompletionEvent } from "../../src/domain/router/completion.ts";
import { consumeCompletions } from "../../src/engine/router/consumer.ts";
import type { Origin } from "../../src/engine/router/origin.ts";
import { createRouterCounts } from "../../src/engine/router/stats.ts";
import type { UnmatchedRecords } from "../../src/engine/router/unmatched.ts";

function subscribed(concurrency?: number) {
  let options: BusSubscribeOptions | undefined;
  let handler: ((message: DeliveredMessage) => Promise<void>) | undefined;
  const bus = {
    publish: async () => ({ partition: 0, offset: "0" }),
    subscribe: (_topic, onMessage, subscribeOptions) => {
      handler = onMessage;
      options = subscribeOptions;
      return { close: async () => {} };
    },
    close: async () => {},
  } satisfies Bus;
  const routed: { completion: CompletionEvent; origin: Origin }[] = [];
  const malformed: string[] = [];
  const unmatched = { record: async (origin: Origin) => void malformed.push(origin.id), list: async () => [] } as unknown as UnmatchedRecords;
  consumeCompletions({
    bus,
    topic: "conductor-events",
    route: async (completion, origin) => void routed.push({ completion, origin }),
    unmatched,
    counts: createRouterCounts(),
    concurrency,
  });
  return { options: options!, handler: handler!, routed, malformed };
}

let offset = 0;
const message = (value: unknown): DeliveredMessage => ({
  topic: "conductor-events",
  partition: 0,
  offset: String(offset++),
  value: typeof value === "string" ? value : JSON.stringify(value),
});
const reply = (workflowId: string) => message({ workflowId, eventType: "email_validation_completed", data: { status: "completed" } });

describe("the router's completion subscription", () => {
  it("orders by workflow: one workflow's replies share a key, other workflows' do not, malformed ones share theirs", async () => {
    const { options, handler, routed, malformed } = subscribed();
    expect(options.group).toBe("router");
    expect(options.concurrency).toBe(32);
    const orderKey = options.orderKey!;
    const [a1, a2, b1] = [reply("wf-a"), reply("wf-a"), reply("wf-b")];
    expect(orderKey(a1)).toBe(orderKey(a2));
    expect(orderKey(a1)).not.toBe(orderKey(b1));
    expect(orderKey(message("not json"))).toBe(orderKey(message({ eventType: "x" })));
    expect(orderKey(message("not json"))).not.toBe(orderKey(a1));

    // The handler gets the same message objects: what orderKey parsed is what is routed.
    await handler(a1);
    await handler(b1);
    expect(routed.map((r) => [r.completion.workflowId, r.origin.id])).toEqual([
      ["wf-a", `conductor-events/0/${a1.offset}`],
      ["wf-b", `conductor-events/0/${b1.offset}`],
    ]);
    const bad = message("not json");
    orderKey(bad);
    await expect(handler(bad)).rejects.toThrow(/is not a completion event: not JSON/);
    expect(malformed).toEqual([`conductor-events/0/${bad.offset}`]);
  });

  it("handles one at a time (no orderKey) when its concurrency is 1", () => {
    const { options } = subscribed(1);
    expect(options.orderKey).toBeUndefined();
    expect(options.concurrency).toBeUndefined();
  });

  it("reads BATON_ROUTER_CONCURRENCY, 32 by default, and names the variable when it is not a whole number from 1", () => {
    expect(loadConfig({}).BATON_ROUTER_CONCURRENCY).toBe(32);
    expect(loadConfig({ BATON_ROUTER_CONCURRENCY: "1" }).BATON_ROUTER_CONCURRENCY).toBe(1);
    expect(() => loadConfig({ BATON_ROUTER_CONCURRENCY: "0" })).toThrow(/BATON_ROUTER_CONCURRENCY/);
    expect(() => loadConfig({ BATON_ROUTER_CONCURRENCY: "many" })).toThrow(/BATON_ROUTER_CONCURRENCY/);
  });
});
