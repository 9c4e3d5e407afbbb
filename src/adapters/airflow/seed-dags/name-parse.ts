/**
 * The seed's name-parse DAG for the local executor: each input record is a
 * person's name (the `name` column of a CSV, or a line), split into title, first, middle, last, nickname and suffix
 * by parse-full-name ("Dr. Ada M. Lovelace Jr.", "Lovelace, Ada"). Writes
 * `name_parse.out` (one JSON line per name) and `Name_Parse_Stats.jsonl`.
 */
import { parseFullName } from "parse-full-name";
import type { LocalDag } from "../local.ts";
import { outputPrefixOf, putJsonLines, readInputLines, type SeedDagStores } from "./run-files.ts";

export const NAME_PARSE_OUTPUT = "name_parse.out";
export const NAME_PARSE_STATS = "Name_Parse_Stats.jsonl";

export interface ParsedName {
  input: string;
  title: string;
  first: string;
  middle: string;
  last: string;
  nick: string;
  suffix: string;
  /** What parse-full-name could not make sense of; a name with errors is counted as not parsed. */
  errors: string[];
}

export function parseNames(lines: readonly string[]): ParsedName[] {
  return lines.map((input) => {
    const { title, first, middle, last, nick, suffix, error } = parseFullName(input);
    return { input, title, first, middle, last, nick, suffix, errors: error };
  });
}

export function nameParseDag(stores: SeedDagStores): LocalDag {
  return async (context) => {
    const { uri, lines } = await readInputLines(stores, context, "name");
    const prefix = outputPrefixOf(context);
    const names = parseNames(lines);
    await putJsonLines(stores.output, `${prefix}${NAME_PARSE_OUTPUT}`, names);
    const parsed = names.filter((n) => n.errors.length === 0 && n.last !== "").length;
    await putJsonLines(stores.output, `${prefix}${NAME_PARSE_STATS}`, [
      { dag_id: context.dagId, dag_run_id: context.dagRunId, workflowId: context.conf.workflowId, input_uri: uri, total: names.length, parsed, unparsed: names.length - parsed },
    ]);
  };
}
