/**
 * One address through the seed's three checks: syntax (validator's isEmail),
 * domain (a fully qualified name that exists in DNS) and MX (the domain takes
 * mail: MX records, or an address record as the implicit MX; a null MX refuses).
 */
import validator from "validator";
import type { LookupMailDomain } from "./mail-domain.ts";

export interface EmailChecks {
  syntax: boolean;
  /** Undefined when not reached (the syntax failed). */
  domain?: boolean;
  /** Undefined when not reached, or when MX checks are off. */
  mx?: boolean;
}

export interface EmailValidation {
  email: string;
  valid: boolean;
  checks: EmailChecks;
  domain?: string;
  /** Mail exchanges by preference, when the MX check ran and found some. */
  mx_records?: string[];
  /** Why it is not valid (absent when valid). */
  reason?: string;
}

/** `lookup` undefined: syntax and domain-name checks only. A lookup that gets no answer rejects (the request then fails). */
export async function validateEmail(email: string, lookup: LookupMailDomain | undefined): Promise<EmailValidation> {
  const address = email.trim();
  if (!validator.isEmail(address, { allow_display_name: false, require_tld: true, allow_ip_domain: false, allow_utf8_local_part: true })) {
    return { email, valid: false, checks: { syntax: false }, reason: "not a valid email address (syntax)" };
  }
  const domain = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
  if (!validator.isFQDN(domain, { require_tld: true })) {
    return { email, valid: false, domain, checks: { syntax: true, domain: false }, reason: `the domain ${domain} is not a fully qualified domain name` };
  }
  if (!lookup) return { email, valid: true, domain, checks: { syntax: true, domain: true } };
  const records = await lookup(domain);
  if (!records.exists) {
    return { email, valid: false, domain, checks: { syntax: true, domain: false }, reason: `the domain ${domain} does not exist` };
  }
  const exchanges = [...records.mx].sort((a, b) => a.priority - b.priority).map((record) => record.exchange);
  if (exchanges.length === 1 && (exchanges[0] === "" || exchanges[0] === ".")) {
    return { email, valid: false, domain, checks: { syntax: true, domain: true, mx: false }, reason: `the domain ${domain} accepts no mail (null MX)` };
  }
  if (exchanges.length > 0) return { email, valid: true, domain, mx_records: exchanges, checks: { syntax: true, domain: true, mx: true } };
  if (records.hasAddress) return { email, valid: true, domain, mx_records: [domain], checks: { syntax: true, domain: true, mx: true } };
  return { email, valid: false, domain, checks: { syntax: true, domain: true, mx: false }, reason: `the domain ${domain} has no MX record and no address to deliver to` };
}
