import type { LookupMailDomain, MailDomainRecords } from "../../src/services/email-validator/mail-domain.ts";

/**
 * A mail-domain lookup answering from a table instead of DNS: a name not in the
 * table does not exist; `"unreachable"` makes the lookup reject, as a DNS
 * time-out does. Counts the lookups per domain.
 */
export function tableLookup(table: Record<string, Partial<MailDomainRecords> | "unreachable">): LookupMailDomain & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const lookup = async (domain: string): Promise<MailDomainRecords> => {
    calls.set(domain, (calls.get(domain) ?? 0) + 1);
    const entry = table[domain];
    if (entry === "unreachable") throw new Error(`MX lookup for ${domain} failed: ETIMEOUT`);
    if (!entry) return { exists: false, mx: [], hasAddress: false };
    return { exists: true, mx: [], hasAddress: false, ...entry };
  };
  return Object.assign(lookup, { calls });
}

/** The domains the tests use: MX records, an implicit MX (address only), a null MX, and one with neither. */
export const MAIL_DOMAINS = tableLookup({
  "example.com": { mx: [{ exchange: "mx2.example.com", priority: 20 }, { exchange: "mx1.example.com", priority: 10 }] },
  "example.org": { mx: [], hasAddress: true },
  "example.net": { mx: [{ exchange: ".", priority: 0 }] },
  "parked.example": { mx: [], hasAddress: false },
  "slow.example": "unreachable",
});
