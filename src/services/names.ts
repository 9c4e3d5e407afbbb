/**
 * The services `BATON_SERVICES` and `npm run worker -- <name>` may name. Kept
 * apart from the registry (which loads the services and their adapters) so the
 * configuration can check names without loading them.
 */
export const SERVICE_NAMES = ["email-validator", "phone-validator", "enricher", "reverse-email"] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export const isServiceName = (name: string): name is ServiceName => (SERVICE_NAMES as readonly string[]).includes(name);
