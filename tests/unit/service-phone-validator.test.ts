import { describe, expect, it } from "vitest";
import { createPhoneValidator } from "../../src/services/phone-validator/service.ts";
import { validatePhone } from "../../src/services/phone-validator/validate-phone.ts";

const request = (data: Record<string, unknown>) => ({ workflowId: "wf-1", data });

describe("validatePhone (libphonenumber-js, max metadata)", () => {
  it("reads format, country, calling code and line type of valid numbers", () => {
    expect(validatePhone("+44 20 7946 0958", undefined)).toEqual({
      phone: "+44 20 7946 0958",
      valid: true,
      possible: true,
      e164: "+442079460958",
      international: "+44 20 7946 0958",
      national: "020 7946 0958",
      country: "GB",
      country_calling_code: "44",
      line_type: "fixed_line",
    });
    expect(validatePhone("+33 6 12 34 56 78", undefined)).toMatchObject({ valid: true, country: "FR", line_type: "mobile" });
    expect(validatePhone("+1 800 555 0199", undefined)).toMatchObject({ valid: true, country: "US", line_type: "toll_free" });
  });

  it("reads a national number in the default country", () => {
    expect(validatePhone("030 901820", "DE")).toMatchObject({ valid: true, e164: "+4930901820", country: "DE", line_type: "fixed_line" });
  });

  it("says why a number is not valid", () => {
    expect(validatePhone("030 901820", undefined)).toMatchObject({ valid: false, reason: expect.stringContaining("no country") });
    expect(validatePhone("call me", undefined)).toMatchObject({ valid: false, reason: "not a phone number" });
    expect(validatePhone("+49 30", undefined)).toMatchObject({ valid: false, reason: "the number is too short" });
    // A possible length in an unassigned range: parsed, possible, not valid.
    expect(validatePhone("+1 999 555 0100", undefined)).toMatchObject({ valid: false, possible: true, line_type: "unknown", reason: "the number is not in a range its country assigns" });
  });
});

describe("the phone-validator service", () => {
  it("answers each number in order, with counts", async () => {
    const outcome = await createPhoneValidator({}).handle(request({ phones: ["+44 20 7946 0958", "nope", "+33 6 12 34 56 78"] }));
    expect(outcome.status).toBe("completed");
    const result = (outcome as unknown as { result: { results: { phone: string; valid: boolean }[] } & Record<string, unknown> }).result;
    expect(result.results.map((r) => [r.phone, r.valid])).toEqual([["+44 20 7946 0958", true], ["nope", false], ["+33 6 12 34 56 78", true]]);
    expect(result).toMatchObject({ valid: false, valid_count: 2, invalid_count: 1 });
  });

  it("takes the request's default_country over the service's", async () => {
    const service = createPhoneValidator({ defaultCountry: "US" });
    const outcome = await service.handle(request({ phone: "030 901820", default_country: "de" }));
    expect(outcome).toMatchObject({ status: "completed", result: { phone: "030 901820", valid: true, results: [{ country: "DE" }] } });
    const us = await service.handle(request({ phone: "(202) 555-0123" }));
    expect(us).toMatchObject({ status: "completed", result: { valid: true, results: [{ e164: "+12025550123" }] } });
  });

  it("fails a request naming the field that is wrong", async () => {
    const service = createPhoneValidator({});
    expect(await service.handle(request({ phone: "+44 20 7946 0958", default_country: "Narnia" }))).toEqual({
      status: "failed",
      errorMessage: 'phone-validator: data.default_country must be an ISO 3166-1 alpha-2 country code libphonenumber knows (e.g. US, GB, DE), got "Narnia"',
    });
    expect(await service.handle(request({ phones: "+44 20 7946 0958" }))).toEqual({
      status: "failed",
      errorMessage: 'phone-validator: data.phones must be a list of strings, got "+44 20 7946 0958"',
    });
  });
});
