/** The MX lookup port on node:dns (the Node default). */
import { Resolver } from "node:dns/promises";
import { domainToASCII } from "node:url";
import type { LookupMailDomain, MailDomainRecords } from "./mail-domain.ts";

/** DNS codes that are answers, not failures: the name or the record type does not exist. */
const NO_NAME = new Set(["ENOTFOUND"]);
const NO_DATA = new Set(["ENODATA"]);

const code = (error: unknown) => (error as { code?: string } | undefined)?.code ?? "";

async function hasAddress(resolver: Resolver, domain: string): Promise<boolean> {
  for (const query of [(d: string) => resolver.resolve4(d), (d: string) => resolver.resolve6(d)]) {
    try {
      if ((await query(domain)).length > 0) return true;
    } catch (error) {
      if (!NO_DATA.has(code(error)) && !NO_NAME.has(code(error))) throw error;
    }
  }
  return false;
}

/**
 * Resolves with the system's DNS servers (or `servers`, `host:port`); `timeoutMs`
 * bounds each query (node:dns retries up to `tries` times).
 */
export function createNodeMailDomainLookup(options: { timeoutMs: number; tries?: number; servers?: string[] }): LookupMailDomain {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: options.tries ?? 2 });
  if (options.servers) resolver.setServers(options.servers);
  return async (name): Promise<MailDomainRecords> => {
    // DNS carries internationalised names as punycode (bücher.example -> xn--bcher-kva.example).
    const domain = domainToASCII(name) || name;
    try {
      const mx = await resolver.resolveMx(domain);
      return { exists: true, mx, hasAddress: mx.length > 0 ? false : await hasAddress(resolver, domain) };
    } catch (error) {
      if (NO_NAME.has(code(error))) return { exists: false, mx: [], hasAddress: false };
      if (NO_DATA.has(code(error))) return { exists: true, mx: [], hasAddress: await hasAddress(resolver, domain) };
      throw new Error(`MX lookup for ${domain} failed: ${code(error) || String(error)}`);
    }
  };
}
