/** phone-validator: `phone-validation-requests` -> `phone_validation_completed`. */
import { type CountryCode, isSupportedCountry } from "libphonenumber-js/max";
import type { RequestReplyService, ServiceOutcome } from "../request-reply.ts";
import { BadRequestError, stringsFrom } from "../request-fields.ts";
import { validatePhone } from "./validate-phone.ts";

export const PHONE_VALIDATION_REQUESTS = "phone-validation-requests";
export const PHONE_VALIDATION_COMPLETED = "phone_validation_completed";
export const MAX_PHONES_PER_REQUEST = 1000;

/**
 * Validates `data.phone` or `data.phones`; numbers without a `+` are read in
 * `data.default_country` (ISO 3166-1 alpha-2), else in `options.defaultCountry`.
 * The completion's data: `results` (one per number, in order), `valid`,
 * `valid_count`, `invalid_count` (and `phone` for a single number).
 */
export function createPhoneValidator(options: { defaultCountry?: CountryCode }): RequestReplyService {
  return {
    name: "phone-validator",
    requestTopic: PHONE_VALIDATION_REQUESTS,
    eventType: PHONE_VALIDATION_COMPLETED,
    async handle(request): Promise<ServiceOutcome> {
      let phones: string[];
      let country = options.defaultCountry;
      try {
        phones = stringsFrom(request.data, "phone", "phones", MAX_PHONES_PER_REQUEST);
        const given = request.data.default_country;
        if (given !== undefined && given !== null && given !== "") {
          if (typeof given !== "string" || !isSupportedCountry(given.toUpperCase())) {
            throw new BadRequestError(`data.default_country must be an ISO 3166-1 alpha-2 country code libphonenumber knows (e.g. US, GB, DE), got ${JSON.stringify(given)}`);
          }
          country = given.toUpperCase() as CountryCode;
        }
      } catch (error) {
        if (error instanceof BadRequestError) return { status: "failed", errorMessage: `phone-validator: ${error.message}` };
        throw error;
      }
      const results = phones.map((phone) => validatePhone(phone, country));
      const validCount = results.filter((result) => result.valid).length;
      return {
        status: "completed",
        result: {
          ...(typeof request.data.phone === "string" ? { phone: request.data.phone } : {}),
          valid: validCount === results.length,
          valid_count: validCount,
          invalid_count: results.length - validCount,
          results,
        },
      };
    },
  };
}
