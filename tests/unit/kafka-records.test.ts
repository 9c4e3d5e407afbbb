import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { deadLetterRecord, decodeRecord } from "../../src/adapters/bus/kafka-records.ts";
import { kafkaTopicFor } from "../../src/adapters/bus/kafka-topics.ts";
import { ValidationError } from "../../src/domain/errors.ts";

const record = (fields: Partial<Pick<KafkaMessage, "key" | "value" | "headers">>): KafkaMessage => ({
  key: null,
  value: Buffer.from("{}"),
  timestamp: "0",
  attributes: 0,
  offset: "7",
  headers: {},
  ...fields,
});

describe("Kafka topic names for bus names", () => {
  it.each([
    ["kafka:orders", "orders"],
    ["email-validation-requests", "email-validation-requests"],
    ["conductor:email_hygiene_completed", "conductor.email_hygiene_completed"],
    ["conductor:wf:notify_ref", "conductor.wf.notify_ref"],
  ])("maps %s to %s", (name, topic) => {
    expect(kafkaTopicFor(name)).toBe(topic);
  });

  it("takes a configured prefix for Conductor queues, or rejects them", () => {
    expect(kafkaTopicFor("conductor:done", "baton-queues.")).toBe("baton-queues.done");
    expect(() => kafkaTopicFor("conductor:done", false)).toThrow(/sink 'conductor:done' is a Conductor queue/);
  });

  it.each([
    ["sqs:orders", /cannot be carried by the Kafka bus/],
    ["kafka:", /not a legal topic name/],
    ["kafka:orders/eu", /'kafka:orders\/eu' maps to the Kafka topic 'orders\/eu', which is not a legal topic name/],
    ["x".repeat(250), /not a legal topic name/],
  ])("rejects %s", (name, message) => {
    expect(() => kafkaTopicFor(name)).toThrow(ValidationError);
    expect(() => kafkaTopicFor(name)).toThrow(message);
  });
});

describe("decoding Kafka records", () => {
  it("reads key, value and headers as text; a repeated header keeps its last value", () => {
    const decoded = decodeRecord(
      record({ key: Buffer.from("k1"), value: Buffer.from('{"a":"é"}'), headers: { workflowId: Buffer.from("w1"), hop: [Buffer.from("1"), "2"] } }),
    );
    expect(decoded).toEqual({ ok: true, message: { key: "k1", value: '{"a":"é"}', headers: { workflowId: "w1", hop: "2" } } });
  });

  it.each([
    [{ value: null }, "the record has no value (a tombstone)"],
    [{ value: Buffer.from([0xff, 0xfe, 0x00]) }, "the record's value is not valid UTF-8 text"],
    [{ key: Buffer.from([0xc3, 0x28]) }, "the record's key is not valid UTF-8 text"],
    [{ headers: { trace: Buffer.from([0xe2, 0x28, 0xa1]) } }, "the record's header 'trace' is not valid UTF-8 text"],
  ])("cannot decode %o", (fields, reason) => {
    expect(decodeRecord(record(fields))).toEqual({ ok: false, reason });
  });

  it("dead-letters a record with its own bytes and headers plus where it came from and why", () => {
    const value = Buffer.from([0xff]);
    const letter = deadLetterRecord(
      record({ key: Buffer.from("k"), value, headers: { workflowId: "w1" } }),
      { topic: "orders", partition: 2, offset: "7", groupId: "baton.orders" },
      "decode",
      "the record's value is not valid UTF-8 text",
      0,
      Date.UTC(2025, 0, 1),
    );
    expect(letter.value).toBe(value);
    expect(letter.key?.toString()).toBe("k");
    expect(letter.headers).toEqual({
      workflowId: "w1",
      dlqReason: "the record's value is not valid UTF-8 text",
      dlqKind: "decode",
      dlqTopic: "orders",
      dlqPartition: "2",
      dlqOffset: "7",
      dlqGroupId: "baton.orders",
      dlqAttempts: "0",
      dlqAt: "2025-01-01T00:00:00.000Z",
    });
  });
});
