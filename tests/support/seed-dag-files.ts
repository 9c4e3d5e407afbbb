/**
 * The one check of what a seed DAG leaves under its run's prefix, applied to
 * the local DAGs (tests/unit/seed-dags.test.ts) and to the real-Airflow test
 * DAGs (tests/services/airflow-api.test.ts), so both write the seed's names
 * and the same JSON-lines records (src/adapters/airflow/seed-dags/files.ts).
 */
import { expect } from "vitest";
import { SEED_DAG_FIELDS, SEED_DAG_FILES, type SeedDagId } from "../../src/adapters/airflow/seed-dags/files.ts";

type Row = Record<string, unknown>;

const jsonLines = (what: string, body: string): Row[] =>
  body
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      try {
        return JSON.parse(line) as Row;
      } catch (error) {
        throw new Error(`${what} line ${i + 1} is not JSON: ${line.slice(0, 80)} (${String(error)})`);
      }
    });

/**
 * Asserts that `files` (name under the prefix -> content) are exactly the DAG's
 * output and stats files, JSON lines whose records have exactly the shared
 * fields; returns the parsed records.
 */
export function expectSeedDagFiles(dagId: SeedDagId, files: Record<string, string>): { output: Row[]; stats: Row } {
  const names = SEED_DAG_FILES[dagId];
  const fields = SEED_DAG_FIELDS[dagId];
  expect(Object.keys(files).sort(), `${dagId}: the files under the run's prefix`).toEqual([names.output, names.stats].sort());
  const output = jsonLines(`${dagId} ${names.output}`, files[names.output]!);
  expect(output.length, `${dagId}: ${names.output} has records`).toBeGreaterThan(0);
  for (const [i, record] of output.entries()) expect(Object.keys(record).sort(), `${dagId}: ${names.output} record ${i + 1} fields`).toEqual([...fields.output].sort());
  const stats = jsonLines(`${dagId} ${names.stats}`, files[names.stats]!);
  expect(stats, `${dagId}: ${names.stats} has one record`).toHaveLength(1);
  expect(Object.keys(stats[0]!).sort(), `${dagId}: ${names.stats} fields`).toEqual([...fields.stats].sort());
  return { output, stats: stats[0]! };
}

/** An email-hygiene input both DAG implementations get, and the records both must write for it. */
export const EMAIL_HYGIENE_SAMPLE = {
  input: "id,email\n1,Ada@Example.com\n2,ada@example.COM\n3,not-an-email\n4,info@example.org\n",
  output: [
    { input: "Ada@Example.com", email: "ada@example.com", status: "valid" },
    { input: "ada@example.COM", email: "ada@example.com", status: "duplicate" },
    { input: "not-an-email", email: "not-an-email", status: "invalid" },
    { input: "info@example.org", email: "info@example.org", status: "valid" },
  ],
  counts: { total: 4, valid: 2, invalid: 1, duplicates: 1 },
};
