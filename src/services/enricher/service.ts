/** enricher: `enrichment-requests` -> `enrichment_completed`. */
import type { ContactDirectory } from "../directory/directory.ts";
import type { RequestReplyService, ServiceOutcome } from "../request-reply.ts";
import { BadRequestError, stringsFrom } from "../request-fields.ts";

export const ENRICHMENT_REQUESTS = "enrichment-requests";
export const ENRICHMENT_COMPLETED = "enrichment_completed";
export const MAX_RECORDS_PER_REQUEST = 1000;

/**
 * Enriches `data.email` or `data.emails` from the directory: the person behind
 * the address (name, title, phone, place) and the company its domain belongs to
 * (name, industry, size, place). The completion's data: `results` (one per
 * address: `{email, found, person?, company?}`), `found_count`.
 */
export function createEnricher(options: { directory: ContactDirectory }): RequestReplyService {
  return {
    name: "enricher",
    requestTopic: ENRICHMENT_REQUESTS,
    eventType: ENRICHMENT_COMPLETED,
    async handle(request): Promise<ServiceOutcome> {
      let emails: string[];
      try {
        emails = stringsFrom(request.data, "email", "emails", MAX_RECORDS_PER_REQUEST);
      } catch (error) {
        if (error instanceof BadRequestError) return { status: "failed", errorMessage: `enricher: ${error.message}` };
        throw error;
      }
      const results = [];
      for (const email of emails) {
        const at = email.lastIndexOf("@");
        const person = await options.directory.personByEmail(email);
        const company = at > 0 ? await options.directory.companyByDomain(email.slice(at + 1)) : undefined;
        const { email: _key, ...personFields } = person ?? { email: "" };
        results.push({
          email,
          found: person !== undefined || company !== undefined,
          ...(person ? { person: personFields } : {}),
          ...(company ? { company } : {}),
        });
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
