import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/api/config.ts";
import { ValidationError } from "../../src/domain/errors.ts";
import type { DeliveredMessage } from "../../src/domain/ports.ts";
import { completionFor, readRequest } from "../../src/services/request-reply.ts";
import { createEmailValidator } from "../../src/services/email-validator/service.ts";
import { inProcessServices } from "../../src/services/start-services.ts";

const delivered = (value: string, headers?: Record<string, string>): DeliveredMessage => ({ topic: "email-validation-requests", partition: 0, offset: "7", value, ...(headers ? { headers } : {}) });

describe("reading a service request", () => {
  it("reads the seed's {workflowId, data} and the publishing task's id from the headers", () => {
    const request = readRequest(delivered(JSON.stringify({ workflowId: "wf-1", data: { email: "a@example.com" } }), { workflowId: "wf-1", taskId: "t-9" }), "svc");
    expect(request).toEqual({ workflowId: "wf-1", taskId: "t-9", data: { email: "a@example.com" } });
  });

  it("takes fields at the top level and the workflow id from the headers when the value has none", () => {
    expect(readRequest(delivered(JSON.stringify({ email: "a@example.com" }), { workflowId: "wf-2" }), "svc")).toEqual({ workflowId: "wf-2", data: { email: "a@example.com" } });
  });

  it("refuses, as a ValidationError the Kafka bus dead-letters, what it cannot answer", () => {
    expect(() => readRequest(delivered("not json"), "svc")).toThrow(new ValidationError("svc: the request on email-validation-requests at offset 7 is not JSON"));
    expect(() => readRequest(delivered("[1]"), "svc")).toThrow("must be a JSON object");
    expect(() => readRequest(delivered(JSON.stringify({ data: {} })), "svc")).toThrow(/has no workflowId \(in the value or its headers\)/);
  });

  it("builds the seed's completion: status and timestamp beside the result, error_message on failure", () => {
    const service = createEmailValidator({});
    const request = { workflowId: "wf-1", taskId: "t-1", data: {} };
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(completionFor(service, request, { status: "completed", result: { valid: true } }, now)).toEqual({
      workflowId: "wf-1",
      taskId: "t-1",
      eventType: "email_validation_completed",
      data: { valid: true, status: "completed", timestamp: "2026-01-02T03:04:05.000Z" },
    });
    expect(completionFor(service, { workflowId: "wf-1", data: {} }, { status: "failed", errorMessage: "boom" }, now)).toEqual({
      workflowId: "wf-1",
      eventType: "email_validation_completed",
      data: { status: "failed", error_message: "boom", timestamp: "2026-01-02T03:04:05.000Z" },
    });
  });
});

describe("service settings", () => {
  it("run every service by default on the in-process bus, none on Kafka, none with none, and the named ones otherwise", () => {
    expect(inProcessServices(loadConfig({}))).toEqual(["email-validator", "phone-validator", "enricher", "reverse-email"]);
    expect(inProcessServices(loadConfig({ BATON_BUS: "kafka", KAFKA_BROKERS: "127.0.0.1:9092" }))).toEqual([]);
    expect(inProcessServices(loadConfig({ BATON_BUS: "kafka", KAFKA_BROKERS: "127.0.0.1:9092", BATON_SERVICES: "all" }))).toHaveLength(4);
    expect(loadConfig({ BATON_SERVICES: "all" }).BATON_SERVICES).toEqual(["email-validator", "phone-validator", "enricher", "reverse-email"]);
    expect(loadConfig({ BATON_SERVICES: "none" }).BATON_SERVICES).toEqual([]);
    expect(loadConfig({ BATON_SERVICES: " phone-validator, email-validator " }).BATON_SERVICES).toEqual(["phone-validator", "email-validator"]);
  });

  it("refuse unknown names and out-of-range values, naming the variable", () => {
    expect(() => loadConfig({ BATON_SERVICES: "email-validator,spam-filter" })).toThrow(
      "BATON_SERVICES must be all, none, or a comma-separated list of email-validator, phone-validator, enricher, reverse-email",
    );
    expect(() => loadConfig({ BATON_EMAIL_VALIDATOR_FAULT_RATE: "1.5" })).toThrow("BATON_EMAIL_VALIDATOR_FAULT_RATE must be a number from 0 to 1");
    expect(loadConfig({ BATON_EMAIL_VALIDATOR_FAULT_RATE: "0.25" }).BATON_EMAIL_VALIDATOR_FAULT_RATE).toBe(0.25);
    expect(() => loadConfig({ BATON_PHONE_DEFAULT_COUNTRY: "USA" })).toThrow("BATON_PHONE_DEFAULT_COUNTRY must be an ISO 3166-1 alpha-2 country code");
    expect(loadConfig({ BATON_PHONE_DEFAULT_COUNTRY: "gb" }).BATON_PHONE_DEFAULT_COUNTRY).toBe("GB");
  });
});
