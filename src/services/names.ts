/**
 * The services `BATON_SERVICES` and `npm run worker -- <name>` may name. Kept
 * apart from the registry (which loads the services and their adapters) so the
 * configuration can check names without loading them.
 */
export const SERVICE_NAMES = ["email-validator", "phone-validator", "enricher", "reverse-email", "airflow-adapter", "email-hygiene"] as const;

/** The services that ask for DAG runs: they need the event store and Baton's Airflow bridge (BATON_DAG_RUNS). */
export const DAG_SERVICE_NAMES: readonly ServiceName[] = ["airflow-adapter", "email-hygiene"];

export type ServiceName = (typeof SERVICE_NAMES)[number];

export const isServiceName = (name: string): name is ServiceName => (SERVICE_NAMES as readonly string[]).includes(name);
