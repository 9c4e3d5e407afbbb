/**
 * The files the seed's DAGs leave under a run's `output_prefix`, named as the
 * seed's architecture document lays out its MinIO copy
 * (`email-hygiene-output/email_hygiene.out`, `Email_Hygiene_Stats.jsonl`,
 * `name-parse-output/nameparse.out`, `NameParse_Stats.jsonl`), and the fields
 * of their JSON-lines records. The local DAGs write them; the real-Airflow test
 * DAGs (tests/services/dags) write the same names and fields, which
 * tests/support/seed-dag-files.ts checks for both.
 */

/** Output and stats file names, by DAG id. */
export const SEED_DAG_FILES = {
  name_parse: { output: "nameparse.out", stats: "NameParse_Stats.jsonl" },
  email_hygiene: { output: "email_hygiene.out", stats: "Email_Hygiene_Stats.jsonl" },
} as const;

/** The fields of each output record and of the one stats record, by DAG id, in the order written. */
export const SEED_DAG_FIELDS = {
  name_parse: {
    output: ["input", "title", "first", "middle", "last", "nick", "suffix", "parsed"],
    stats: ["dag_id", "dag_run_id", "workflowId", "input_uri", "total", "parsed", "unparsed"],
  },
  email_hygiene: {
    output: ["input", "email", "status"],
    stats: ["dag_id", "dag_run_id", "workflowId", "input_uri", "total", "valid", "invalid", "duplicates"],
  },
} as const;

export type SeedDagId = keyof typeof SEED_DAG_FILES;
