/** email-validator: `email-validation-requests` -> `email_validation_completed`. */
import type { RequestReplyService, ServiceOutcome } from "../request-reply.ts";
import { BadRequestError, stringsFrom } from "../request-fields.ts";
import type { LookupMailDomain, MailDomainRecords } from "./mail-domain.ts";
import { type EmailValidation, validateEmail } from "./validate-email.ts";

export const EMAIL_VALIDATION_REQUESTS = "email-validation-requests";
export const EMAIL_VALIDATION_COMPLETED = "email_validation_completed";
/** Addresses one request may carry. */
export const MAX_EMAILS_PER_REQUEST = 1000;
/** Addresses of one request validated side by side. */
const LOOKUPS_AT_ONCE = 8;

/**
 * Validates `data.email` or `data.emails`. The completion's data holds
 * `results` (one per address, in order), `valid` (all valid), `valid_count` and
 * `invalid_count` (and `email` for a single address). Without `lookup` the MX
 * check is off. A lookup that gets no answer fails the request.
 */
export function createEmailValidator(options: { lookup?: LookupMailDomain }): RequestReplyService {
  return {
    name: "email-validator",
    requestTopic: EMAIL_VALIDATION_REQUESTS,
    eventType: EMAIL_VALIDATION_COMPLETED,
    async handle(request): Promise<ServiceOutcome> {
      let emails: string[];
      try {
        emails = stringsFrom(request.data, "email", "emails", MAX_EMAILS_PER_REQUEST);
      } catch (error) {
        if (error instanceof BadRequestError) return { status: "failed", errorMessage: `email-validator: ${error.message}` };
        throw error;
      }
      // One lookup per domain per request, however many addresses share it.
      const seen = new Map<string, Promise<MailDomainRecords>>();
      const lookup: LookupMailDomain | undefined = options.lookup
        ? (domain) => {
            let answer = seen.get(domain);
            if (!answer) {
              answer = options.lookup!(domain);
              seen.set(domain, answer);
            }
            return answer;
          }
        : undefined;
      // A few lookups at a time: a list of slow domains should not take one time-out after another.
      const results: EmailValidation[] = new Array(emails.length);
      let next = 0;
      const validateNext = async () => {
        while (next < emails.length) {
          const index = next++;
          results[index] = await validateEmail(emails[index]!, lookup);
        }
      };
      await Promise.all(Array.from({ length: Math.min(LOOKUPS_AT_ONCE, emails.length) }, validateNext));
      const validCount = results.filter((result) => result.valid).length;
      return {
        status: "completed",
        result: {
          ...(typeof request.data.email === "string" ? { email: request.data.email } : {}),
          valid: validCount === results.length,
          valid_count: validCount,
          invalid_count: results.length - validCount,
          results,
        },
      };
    },
  };
}
