/**
 * Where HTTP tasks may connect. A workflow author chooses the URL, so without
 * a policy an HTTP task can read a cloud provider's metadata service (its
 * credentials) or any internal address and store the answer in the workflow.
 *
 * Rules are host names (`api.example.com`, or `*.example.com` for its
 * sub-domains), addresses (`10.1.2.3`, `::1`) or address ranges in CIDR form
 * (`10.0.0.0/8`). A request is refused when its host or any address it resolves
 * to matches a deny rule, or when an allow list is set and nothing matches it.
 * Redirects are checked hop by hop against the same rules.
 *
 * Portable: address parsing is ipaddr.js (plain JavaScript); name resolution is
 * a port, so a runtime without DNS still checks literal addresses and names.
 */
import ipaddr from "ipaddr.js";

/** Link-local ranges (where every cloud's metadata service lives) and the metadata names and addresses outside them. */
export const DEFAULT_DENY = [
  "169.254.0.0/16",
  "fe80::/10",
  "fd00:ec2::254",
  "100.100.100.200",
  "metadata.google.internal",
  "metadata.azure.internal",
] as const;

/** Resolves a host name to its addresses (e.g. node:dns lookup with `all: true`). */
export type ResolveHost = (host: string) => Promise<string[]>;

export interface EgressPolicyOptions {
  /** When not empty, only these hosts and ranges may be called. */
  allow?: readonly string[];
  /** Refused whatever `allow` says; DEFAULT_DENY is added unless `denyDefaults` is false. */
  deny?: readonly string[];
  denyDefaults?: boolean;
  resolve?: ResolveHost;
}

export interface EgressPolicy {
  /** Why `url` may not be called, or undefined when it may. */
  refusal(url: URL): Promise<string | undefined>;
}

type Rule =
  | { kind: "name"; text: string; suffix: boolean }
  | { kind: "range"; text: string; range: [ipaddr.IPv4 | ipaddr.IPv6, number] };

/** Parses one rule, or throws naming the setting and the rule. */
export function parseEgressRule(text: string, setting: string): Rule {
  const rule = text.trim().toLowerCase();
  if (rule === "") throw new Error(`${setting}: empty rule`);
  if (ipaddr.isValidCIDR(rule)) return { kind: "range", text: rule, range: ipaddr.parseCIDR(rule) };
  if (ipaddr.isValid(rule) && (ipaddr.IPv6.isValid(rule) || ipaddr.IPv4.isValidFourPartDecimal(rule))) {
    const address = ipaddr.process(rule);
    return { kind: "range", text: rule, range: [address, address.kind() === "ipv4" ? 32 : 128] };
  }
  const suffix = rule.startsWith("*.");
  const name = suffix ? rule.slice(2) : rule;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name)) {
    throw new Error(`${setting}: '${text}' is not a host name, *.domain, address or CIDR range`);
  }
  return { kind: "name", text: rule, suffix };
}

function matches(rule: Rule, host: string, addresses: readonly (ipaddr.IPv4 | ipaddr.IPv6)[]): boolean {
  if (rule.kind === "name") {
    const name = rule.suffix ? rule.text.slice(2) : rule.text;
    return rule.suffix ? host.endsWith(`.${name}`) : host === name;
  }
  const [network] = rule.range;
  return addresses.some((address) => address.kind() === network.kind() && address.match(rule.range));
}

/** The host of a URL without IPv6 brackets or a trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
}

function parsedAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  return ipaddr.isValid(text) ? ipaddr.process(text) : undefined;
}

export function createEgressPolicy(options: EgressPolicyOptions = {}): EgressPolicy {
  const allow = (options.allow ?? []).map((rule) => parseEgressRule(rule, "BATON_HTTP_ALLOW"));
  const deny = [...(options.denyDefaults === false ? [] : DEFAULT_DENY), ...(options.deny ?? [])].map((rule) => parseEgressRule(rule, "BATON_HTTP_DENY"));
  return {
    async refusal(url) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return `the HTTP egress policy allows only http and https URLs, not '${url.protocol}'`;
      }
      const host = hostOf(url);
      const literal = parsedAddress(host);
      let addresses: (ipaddr.IPv4 | ipaddr.IPv6)[] = literal ? [literal] : [];
      if (!literal && options.resolve) {
        try {
          addresses = (await options.resolve(host)).flatMap((text) => parsedAddress(text) ?? []);
        } catch {
          // Unresolvable: fetch reports it with its own error; names and allow rules still apply.
        }
      }
      const denied = deny.find((rule) => matches(rule, host, addresses));
      if (denied) {
        const where = literal || addresses.length === 0 ? host : `${host} (${addresses.join(", ")})`;
        return `the HTTP egress policy refuses ${where}: it matches '${denied.text}' (BATON_HTTP_DENY, or its defaults: link-local and cloud metadata addresses)`;
      }
      if (allow.length > 0 && !allow.some((rule) => matches(rule, host, addresses))) {
        return `the HTTP egress policy refuses ${host}: it matches nothing in BATON_HTTP_ALLOW`;
      }
      return undefined;
    },
  };
}
