/**
 * The seed's name-parse DAG for the local executor: each input record is a
 * person's name (the `name` column of a CSV, or a line), split into title, first, middle, last, nickname and suffix
 * by parse-full-name ("Dr. Ada M. Lovelace Jr.", "Lovelace, Ada"). Writes
 * `nameparse.out` (one JSON line per name) and `NameParse_Stats.jsonl`
 * (the seed's names, files.ts). A name is parsed when parse-full-name finds a
 * last name and reports no error.
 */
import { parseFullName } from "parse-full-name";
import type { LocalDag } from "../local.ts";
import { SEED_DAG_FILES } from "./files.ts";
import { outputPrefixOf, putJsonLines, readInputLines, type SeedDagStores } from "./run-files.ts";

export const NAME_PARSE_OUTPUT = SEED_DAG_FILES.name_parse.output;
export const NAME_PARSE_STATS = SEED_DAG_FILES.name_parse.stats;

export interface ParsedName {
  input: string;
  title: string;
  first: string;
  middle: string;
  last: string;
  nick: string;
  suffix: string;
  /** A last name found and no error from parse-full-name. */
  parsed: boolean;
}

export function parseNames(lines: readonly string[]): ParsedName[] {
  return lines.map((input) => {
    const { title, first, middle, last, nick, suffix, error } = parseFullName(input);
    return { input, title, first, middle, last, nick, suffix, parsed: error.length === 0 && last !== "" };
  });
}

export function nameParseDag(stores: SeedDagStores): LocalDag {
  return async (context) => {
    const { uri, lines } = await readInputLines(stores, context, "name");
    const prefix = outputPrefixOf(context);
    const names = parseNames(lines);
    await putJsonLines(stores.output, `${prefix}${NAME_PARSE_OUTPUT}`, names);
    const parsed = names.filter((n) => n.parsed).length;
    await putJsonLines(stores.output, `${prefix}${NAME_PARSE_STATS}`, [
      { dag_id: context.dagId, dag_run_id: context.dagRunId, workflowId: context.conf.workflowId, input_uri: uri, total: names.length, parsed, unparsed: names.length - parsed },
    ]);
  };
}
