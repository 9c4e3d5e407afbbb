import { describe, expect, it } from "vitest";
import { createMemoryBus } from "../../src/adapters/bus/memory.ts";
import type { DeliveredMessage } from "../../src/domain/ports.ts";
import { createEmailValidator } from "../../src/services/email-validator/service.ts";
import { validateEmail } from "../../src/services/email-validator/validate-email.ts";
import { type CompletionEvent, runRequestReply } from "../../src/services/request-reply.ts";
import type { ServiceContext } from "../../src/services/service.ts";
import { MAIL_DOMAINS, tableLookup } from "../support/mail-domains.ts";
import { seededRandom } from "../support/seeded-random.ts";

const request = (data: Record<string, unknown>) => ({ workflowId: "wf-1", taskId: "t-1", data });

describe("validateEmail", () => {
  it("accepts an address whose domain has MX records, listing them by preference", async () => {
    expect(await validateEmail("ada@example.com", MAIL_DOMAINS)).toEqual({
      email: "ada@example.com",
      valid: true,
      domain: "example.com",
      mx_records: ["mx1.example.com", "mx2.example.com"],
      checks: { syntax: true, domain: true, mx: true },
    });
  });

  it("rejects bad syntax before any lookup", async () => {
    const lookup = tableLookup({});
    for (const email of ["plainaddress", "a@b", "two@@example.com", "ada@example..com", "Ada <ada@example.com>", "ada@[127.0.0.1]"]) {
      const result = await validateEmail(email, lookup);
      expect(result, email).toMatchObject({ valid: false, checks: { syntax: false } });
      expect(result.reason).toBe("not a valid email address (syntax)");
    }
    expect(lookup.calls.size).toBe(0);
  });

  it("fails the domain check for a name that does not exist", async () => {
    expect(await validateEmail("ghost@nowhere.example", MAIL_DOMAINS)).toMatchObject({
      valid: false,
      checks: { syntax: true, domain: false },
      reason: "the domain nowhere.example does not exist",
    });
  });

  it("takes an address record as the implicit MX (RFC 5321), refuses a null MX (RFC 7505) and a domain with neither", async () => {
    expect(await validateEmail("alan@example.org", MAIL_DOMAINS)).toMatchObject({ valid: true, mx_records: ["example.org"], checks: { mx: true } });
    expect(await validateEmail("emmy@example.net", MAIL_DOMAINS)).toMatchObject({
      valid: false,
      checks: { syntax: true, domain: true, mx: false },
      reason: "the domain example.net accepts no mail (null MX)",
    });
    expect(await validateEmail("x@parked.example", MAIL_DOMAINS)).toMatchObject({
      valid: false,
      checks: { mx: false },
      reason: "the domain parked.example has no MX record and no address to deliver to",
    });
  });

  it("checks syntax and the domain name only without a lookup", async () => {
    expect(await validateEmail("ada@nowhere.example", undefined)).toEqual({ email: "ada@nowhere.example", valid: true, domain: "nowhere.example", checks: { syntax: true, domain: true } });
  });
});

describe("the email-validator service", () => {
  it("answers a list in order, with counts, looking each domain up once", async () => {
    const lookup = tableLookup({ "example.com": { mx: [{ exchange: "mx.example.com", priority: 1 }] } });
    const outcome = await createEmailValidator({ lookup }).handle(request({ emails: ["a@example.com", "bad", "b@example.com", "c@gone.example"] }));
    expect(outcome.status).toBe("completed");
    const result = (outcome as unknown as { result: { results: { email: string; valid: boolean }[] } & Record<string, unknown> }).result;
    expect(result.results.map((r) => [r.email, r.valid])).toEqual([["a@example.com", true], ["bad", false], ["b@example.com", true], ["c@gone.example", false]]);
    expect(result).toMatchObject({ valid: false, valid_count: 2, invalid_count: 2 });
    expect(lookup.calls.get("example.com")).toBe(1);
  });

  it("fails the request, naming the field, when no address is given", async () => {
    const validator = createEmailValidator({ lookup: MAIL_DOMAINS });
    expect(await validator.handle(request({}))).toEqual({
      status: "failed",
      errorMessage: "email-validator: the request needs data.email (a string) or data.emails (a list of strings)",
    });
    expect(await validator.handle(request({ emails: ["a@example.com", 7] }))).toEqual({
      status: "failed",
      errorMessage: "email-validator: data.emails[1] must be a non-empty string, got 7",
    });
  });

  it("rejects when the MX lookup gets no answer, so the runner reports a failure instead of an invalid address", async () => {
    await expect(createEmailValidator({ lookup: MAIL_DOMAINS }).handle(request({ email: "a@slow.example" }))).rejects.toThrow("MX lookup for slow.example failed: ETIMEOUT");
  });
});

describe("the email-validator on a bus, with a fault rate", () => {
  async function run(faultRate: number, random: () => number, count: number, lookup = MAIL_DOMAINS) {
    const bus = createMemoryBus();
    const completions: CompletionEvent[] = [];
    const done = new Promise<void>((resolve) => {
      bus.subscribe("conductor-events", async (message: DeliveredMessage) => {
        completions.push(JSON.parse(message.value) as CompletionEvent);
        if (completions.length === count) resolve();
      });
    });
    const context: ServiceContext = {
      bus,
      completionTopic: "conductor-events",
      settings: {} as ServiceContext["settings"],
      logger: { info: () => {}, error: () => {} },
      clock: () => Date.UTC(2026, 11, 3, 12, 0, 0),
      random,
    };
    const service = await runRequestReply(createEmailValidator({ lookup }), context, faultRate);
    for (let i = 0; i < count; i++) {
      await bus.publish("email-validation-requests", {
        key: `wf-${i}`,
        value: JSON.stringify({ workflowId: `wf-${i}`, data: { email: `user${i}@example.com` } }),
        headers: { workflowId: `wf-${i}`, taskId: `task-${i}` },
      });
    }
    await done;
    await service.close();
    return completions;
  }

  it("publishes the seed's completion shape on the completion topic", async () => {
    const [completion] = await run(0, () => 0.5, 1);
    expect(completion).toMatchObject({
      workflowId: "wf-0",
      taskId: "task-0",
      eventType: "email_validation_completed",
      data: { status: "completed", timestamp: "2026-12-03T12:00:00.000Z", email: "user0@example.com", valid: true },
    });
    expect(completion!.data.error_message).toBeUndefined();
  });

  it("fails about the configured share of requests, the same ones for the same seed", async () => {
    const first = await run(0.3, seededRandom(42), 400);
    const again = await run(0.3, seededRandom(42), 400);
    const failed = (list: CompletionEvent[]) => list.filter((c) => c.data.status === "failed").map((c) => c.workflowId);
    expect(failed(first)).toEqual(failed(again));
    expect(failed(first).length).toBeGreaterThan(400 * 0.3 - 40);
    expect(failed(first).length).toBeLessThan(400 * 0.3 + 40);
    const fault = first.find((c) => c.data.status === "failed")!;
    expect(fault.data).toMatchObject({ status: "failed", error_message: "email-validator: simulated fault (fault rate 0.3)" });
    expect(first.filter((c) => c.data.status === "completed").every((c) => c.data.valid === true)).toBe(true);
  });

  it("reports a lookup that got no answer as a failed completion with the reason", async () => {
    const [completion] = await run(0, () => 0.5, 1, tableLookup({ "example.com": "unreachable" }));
    expect(completion!.data).toMatchObject({ status: "failed", error_message: "email-validator: MX lookup for example.com failed: ETIMEOUT" });
  });
});
