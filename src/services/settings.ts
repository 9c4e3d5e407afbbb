/** The configuration the services read (parsed and checked in src/api/config.ts). */
import type { Config } from "../api/config.ts";

export type ServiceSettings = Pick<
  Config,
  | "BATON_EMAIL_VALIDATOR_FAULT_RATE"
  | "BATON_EMAIL_VALIDATOR_MX_CHECK"
  | "BATON_EMAIL_VALIDATOR_DNS_TIMEOUT_MS"
  | "BATON_PHONE_DEFAULT_COUNTRY"
  | "BATON_DIRECTORY_FILE"
>;
