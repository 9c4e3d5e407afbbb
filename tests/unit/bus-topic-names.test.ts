/**
 * One naming rule for every bus: the in-process bus carries a name on the
 * topic the Kafka bus would, so handlers and publishers meet on both.
 */
import { describe, expect, it } from "vitest";
import { kafkaTopicFor } from "../../src/adapters/bus/kafka-topics.ts";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import { busTopicFor } from "../../src/adapters/bus/topic-names.ts";
import type { DeliveredMessage } from "../../src/domain/ports.ts";

const NAMES = ["kafka:orders", "orders", "conductor:email_hygiene_completed", "conductor:wf:notify_ref", "email-hygiene-requests"];

describe("busTopicFor", () => {
  it.each([
    ["kafka:orders", "orders"],
    ["orders", "orders"],
    ["conductor:email_hygiene_completed", "conductor.email_hygiene_completed"],
    ["conductor:wf:notify_ref", "conductor.wf.notify_ref"],
    ["sqs:orders", "sqs:orders"],
  ])("carries %s on %s", (name, topic) => {
    expect(busTopicFor(name)).toBe(topic);
  });

  it("is the Kafka bus's mapping for every name Kafka can carry", () => {
    for (const name of NAMES) expect(kafkaTopicFor(name)).toBe(busTopicFor(name));
    expect(kafkaTopicFor("conductor:done", "q.")).toBe(busTopicFor("conductor:done", "q."));
  });
});

describe("the in-process bus follows the rule", () => {
  it("delivers a message published under one spelling to a subscriber of the other, naming the shared topic", async () => {
    const bus = createMemoryBus();
    const seen: DeliveredMessage[] = [];
    bus.subscribe("kafka:orders", async (message) => void seen.push(message));
    bus.subscribe("conductor:wf:notify_ref", async (message) => void seen.push(message));
    await bus.publish("orders", { value: "1" });
    await bus.publish("conductor.wf.notify_ref", { value: "2" });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen.map((m) => [m.topic, m.value])).toEqual([
      ["orders", "1"],
      ["conductor.wf.notify_ref", "2"],
    ]);
    expect(bus.topicFor("kafka:orders")).toBe("orders");
    await bus.close();
  });
});
