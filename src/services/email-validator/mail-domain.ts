/**
 * The DNS facts an email address's domain needs, behind a port so tests (and
 * runtimes without DNS) can answer without a resolver.
 */

/** What DNS says about a mail domain. */
export interface MailDomainRecords {
  /** False when the name does not exist (NXDOMAIN). */
  exists: boolean;
  /** MX records, any order. A single record with exchange "" or "." is a null MX (RFC 7505): no mail accepted. */
  mx: { exchange: string; priority: number }[];
  /** Whether the name has an A or AAAA record: with no MX, mail goes there (RFC 5321 section 5.1). Asked only when `mx` is empty. */
  hasAddress: boolean;
}

/**
 * Looks a domain up. Resolves with the records for an answer (a missing name
 * included); rejects only when no answer came (time-out, refused, no network),
 * so that a lookup failure is not mistaken for an address without mail.
 */
export type LookupMailDomain = (domain: string) => Promise<MailDomainRecords>;
