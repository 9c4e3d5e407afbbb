/**
 * Every data service, by name: the one list `BATON_SERVICES` and
 * `npm run worker -- <name>` choose from. A new service (the Airflow adapter,
 * email hygiene) is a module of its own plus one entry here and its name in
 * names.ts. Adapters come from the context's overrides (tests) or the Node
 * defaults (node:dns, the bundled directory or BATON_DIRECTORY_FILE).
 */
import { isSupportedCountry } from "libphonenumber-js/max";
import type { ContactDirectory } from "./directory/directory.ts";
import { createInMemoryDirectory } from "./directory/directory.ts";
import { loadDirectoryFile } from "./directory/file.ts";
import { createEmailValidator, EMAIL_VALIDATION_REQUESTS } from "./email-validator/service.ts";
import { createNodeMailDomainLookup } from "./email-validator/node-mail-domain.ts";
import { createEnricher, ENRICHMENT_REQUESTS } from "./enricher/service.ts";
import type { ServiceName } from "./names.ts";
import { createPhoneValidator, PHONE_VALIDATION_REQUESTS } from "./phone-validator/service.ts";
import { runRequestReply } from "./request-reply.ts";
import { createReverseEmail, REVERSE_EMAIL_REQUESTS } from "./reverse-email/service.ts";
import type { ServiceContext, ServiceEntry } from "./service.ts";

async function directoryOf(context: ServiceContext): Promise<ContactDirectory> {
  if (context.adapters?.directory) return context.adapters.directory;
  const file = context.settings.BATON_DIRECTORY_FILE;
  return file ? loadDirectoryFile(file) : createInMemoryDirectory();
}

export const SERVICES: Record<ServiceName, ServiceEntry> = {
  "email-validator": {
    name: "email-validator",
    requestTopic: EMAIL_VALIDATION_REQUESTS,
    summary: "syntax, domain and MX checks (validator, node:dns)",
    start: (context) => {
      const settings = context.settings;
      const lookup = !settings.BATON_EMAIL_VALIDATOR_MX_CHECK
        ? undefined
        : (context.adapters?.lookupMailDomain ?? createNodeMailDomainLookup({ timeoutMs: settings.BATON_EMAIL_VALIDATOR_DNS_TIMEOUT_MS }));
      return runRequestReply(createEmailValidator(lookup ? { lookup } : {}), context, settings.BATON_EMAIL_VALIDATOR_FAULT_RATE);
    },
  },
  "phone-validator": {
    name: "phone-validator",
    requestTopic: PHONE_VALIDATION_REQUESTS,
    summary: "format, country and line type (libphonenumber-js, max metadata)",
    start: (context) => {
      const country = context.settings.BATON_PHONE_DEFAULT_COUNTRY;
      if (country !== undefined && !isSupportedCountry(country)) {
        throw new Error(`BATON_PHONE_DEFAULT_COUNTRY ${country} is not a country libphonenumber knows (ISO 3166-1 alpha-2, e.g. US, GB, DE)`);
      }
      return runRequestReply(createPhoneValidator(country ? { defaultCountry: country } : {}), context);
    },
  },
  enricher: {
    name: "enricher",
    requestTopic: ENRICHMENT_REQUESTS,
    summary: "person and company data for an address (bundled sample directory)",
    start: async (context) => runRequestReply(createEnricher({ directory: await directoryOf(context) }), context),
  },
  "reverse-email": {
    name: "reverse-email",
    requestTopic: REVERSE_EMAIL_REQUESTS,
    summary: "who is behind an address (bundled sample directory)",
    start: async (context) => runRequestReply(createReverseEmail({ directory: await directoryOf(context) }), context),
  },
};
