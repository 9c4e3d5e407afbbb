/** reverse-email: `reverse-email-requests` -> `reverse_email_completed`. */
import type { ContactDirectory } from "../directory/directory.ts";
import type { RequestReplyService, ServiceOutcome } from "../request-reply.ts";
import { BadRequestError, stringsFrom } from "../request-fields.ts";

export const REVERSE_EMAIL_REQUESTS = "reverse-email-requests";
export const REVERSE_EMAIL_COMPLETED = "reverse_email_completed";
export const MAX_LOOKUPS_PER_REQUEST = 1000;

/**
 * Reverse lookup: who is behind `data.email` (or each of `data.emails`). The
 * completion's data: `results` (one per address: `{email, found, name?, phone?,
 * city?, country?, linkedin?, company_name?}`, or `reason` when not found),
 * `found_count`.
 */
export function createReverseEmail(options: { directory: ContactDirectory }): RequestReplyService {
  return {
    name: "reverse-email",
    requestTopic: REVERSE_EMAIL_REQUESTS,
    eventType: REVERSE_EMAIL_COMPLETED,
    async handle(request): Promise<ServiceOutcome> {
      let emails: string[];
      try {
        emails = stringsFrom(request.data, "email", "emails", MAX_LOOKUPS_PER_REQUEST);
      } catch (error) {
        if (error instanceof BadRequestError) return { status: "failed", errorMessage: `reverse-email: ${error.message}` };
        throw error;
      }
      const results = [];
      for (const email of emails) {
        const person = await options.directory.personByEmail(email);
        if (!person) {
          results.push({ email, found: false, reason: `no person with the address ${email} in the directory` });
          continue;
        }
        const company = await options.directory.companyByDomain(person.email.slice(person.email.lastIndexOf("@") + 1));
        const { email: _key, title: _title, ...identity } = person;
        results.push({ email, found: true, ...identity, ...(company ? { company_name: company.name } : {}) });
      }
      return {
        status: "completed",
        result: {
          ...(typeof request.data.email === "string" ? { email: request.data.email } : {}),
          found_count: results.filter((result) => result.found).length,
          results,
        },
      };
    },
  };
}
