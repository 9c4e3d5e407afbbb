/**
 * The seed's email-hygiene DAG for the local executor: each input record is an
 * address (the `email` column of a CSV, or a line); it is trimmed and lower-cased, checked for syntax (validator's
 * isEmail, as the email-validator service) and de-duplicated. Writes
 * `email_hygiene.out` (one JSON line per input line: `input`, `email`,
 * `status` valid | invalid | duplicate) and `Email_Hygiene_Stats.jsonl`
 * (files.ts names both).
 */
import validator from "validator";
import type { LocalDag } from "../local.ts";
import { SEED_DAG_FILES } from "./files.ts";
import { outputPrefixOf, putJsonLines, readInputLines, type SeedDagStores } from "./run-files.ts";

export const EMAIL_HYGIENE_OUTPUT = SEED_DAG_FILES.email_hygiene.output;
export const EMAIL_HYGIENE_STATS = SEED_DAG_FILES.email_hygiene.stats;

export interface CleanedAddress {
  input: string;
  email: string;
  status: "valid" | "invalid" | "duplicate";
}

/** Cleans a list of addresses, in order; the first of equal addresses is kept. */
export function cleanAddresses(lines: readonly string[]): CleanedAddress[] {
  const seen = new Set<string>();
  return lines.map((input) => {
    const email = input.trim().toLowerCase();
    if (!validator.isEmail(email)) return { input, email, status: "invalid" as const };
    if (seen.has(email)) return { input, email, status: "duplicate" as const };
    seen.add(email);
    return { input, email, status: "valid" as const };
  });
}

export function emailHygieneDag(stores: SeedDagStores): LocalDag {
  return async (context) => {
    const { uri, lines } = await readInputLines(stores, context, "email");
    const prefix = outputPrefixOf(context);
    const cleaned = cleanAddresses(lines);
    await putJsonLines(stores.output, `${prefix}${EMAIL_HYGIENE_OUTPUT}`, cleaned);
    const count = (status: CleanedAddress["status"]) => cleaned.filter((c) => c.status === status).length;
    await putJsonLines(stores.output, `${prefix}${EMAIL_HYGIENE_STATS}`, [
      {
        dag_id: context.dagId,
        dag_run_id: context.dagRunId,
        workflowId: context.conf.workflowId,
        input_uri: uri,
        total: cleaned.length,
        valid: count("valid"),
        invalid: count("invalid"),
        duplicates: count("duplicate"),
      },
    ]);
  };
}
