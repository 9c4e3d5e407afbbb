/**
 * The seed's DAGs as local-executor functions, registered by default on the
 * Node entry (BATON_AIRFLOW=local), so its name-parse and email-hygiene
 * workflows complete on `npm start` alone. DAG ids: `name_parse`, `email_hygiene`.
 */
import type { LocalDag } from "../local.ts";
import { emailHygieneDag } from "./email-hygiene.ts";
import { nameParseDag } from "./name-parse.ts";
import type { SeedDagStores } from "./run-files.ts";

export const NAME_PARSE_DAG = "name_parse";
export const EMAIL_HYGIENE_DAG = "email_hygiene";

export function seedDags(stores: SeedDagStores): Record<string, LocalDag> {
  return { [NAME_PARSE_DAG]: nameParseDag(stores), [EMAIL_HYGIENE_DAG]: emailHygieneDag(stores) };
}
