import { createEgressPolicy, type EgressPolicy, type ResolveHost } from "../engine/system/egress-policy.ts";
import type { Config } from "./config.ts";

/** The HTTP task egress policy the configuration sets; `resolve` lets it check the addresses a name resolves to. */
export function egressPolicy(config: Config, resolve?: ResolveHost): EgressPolicy {
  return createEgressPolicy({
    allow: config.BATON_HTTP_ALLOW,
    deny: config.BATON_HTTP_DENY,
    denyDefaults: config.BATON_HTTP_DENY_DEFAULTS,
    resolve,
  });
}
