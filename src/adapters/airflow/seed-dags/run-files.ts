/**
 * What the seed's DAGs share: read the run's input from the object store
 * (`conf.s3_input_uri`, the URI `POST /workflow/deploy` gives, or
 * `conf.input_key`, a key): a CSV whose header names the DAG's column, or one
 * record a line; and write the output and the
 * `*_Stats.jsonl` statistics under `conf.output_prefix`, where the monitor
 * looks for the run's artifacts.
 */
import { parse } from "csv-parse/sync";
import type { ObjectStore } from "../../../domain/ports.ts";
import type { LocalDagContext } from "../local.ts";

/** Where the seed's DAGs read and write. */
export interface SeedDagStores {
  /** Where DAGs write (AIRFLOW_S3_BUCKET's store, or Baton's). */
  output: ObjectStore;
  /** Stores an input URI may point into, tried in order (Baton's, where deploy writes the input, and the DAGs' own). */
  inputs: ObjectStore[];
}

const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value : undefined);

/** The URI prefix of every key in `store` (`uri("")` is no key to some stores). */
const rootOf = (store: ObjectStore) => store.uri("x").slice(0, -1);

/** The key `uri` names in `store`, if it names one there. */
export function keyInStore(store: ObjectStore, uri: string): string | undefined {
  const root = rootOf(store);
  if (!uri.startsWith(root)) return undefined;
  const rest = uri.slice(root.length);
  // The file store gives file URLs, whose path is percent-encoded.
  return root.startsWith("file:") ? decodeURIComponent(rest) : rest;
}

/** The records of `content`: the values of `column` when the first line is a CSV header naming it (any case), else every non-blank line; trimmed. */
export function recordsOf(content: string, column: string): string[] {
  const text = content.replace(/^\uFEFF/, "");
  const firstLine = text.split(/\r?\n/, 1)[0] ?? "";
  let header: string[] = [];
  try {
    header = (parse(firstLine, { relax_column_count: true }) as string[][])[0]?.map((name) => name.trim().toLowerCase()) ?? [];
  } catch {
    header = []; // not CSV: one record a line
  }
  const index = header.indexOf(column);
  if (index < 0) return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  const rows = parse(text, { from_line: 2, relax_column_count: true, skip_empty_lines: true }) as string[][];
  return rows.map((row) => (row[index] ?? "").trim()).filter((value) => value !== "");
}

/** The input's records (see recordsOf). */
export async function readInputLines({ inputs }: SeedDagStores, { dagId, conf }: LocalDagContext, column: string): Promise<{ uri: string; lines: string[] }> {
  const uri = text(conf.s3_input_uri);
  const key = text(conf.input_key);
  let found: { store: ObjectStore; key: string } | undefined;
  if (uri) {
    for (const store of inputs) {
      const inStore = keyInStore(store, uri);
      if (inStore !== undefined) {
        found = { store, key: inStore };
        break;
      }
    }
    if (!found) throw new Error(`${dagId}: conf.s3_input_uri ${uri} is in none of the object stores this DAG reads (${inputs.map(rootOf).join(", ")})`);
  } else if (key) {
    found = { store: inputs[0]!, key };
  } else {
    throw new Error(`${dagId}: conf.s3_input_uri (the URI deploy gives) or conf.input_key (a key in the object store) is required`);
  }
  if (!(await found.store.head(found.key))) throw new Error(`${dagId}: input ${found.store.uri(found.key)} does not exist`);
  const content = await new Response(await found.store.get(found.key)).text();
  try {
    return { uri: found.store.uri(found.key), lines: recordsOf(content, column) };
  } catch (error) {
    throw new Error(`${dagId}: input ${found.store.uri(found.key)} is not valid CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The prefix the bridge gave the run (`conf.output_prefix`). */
export function outputPrefixOf({ dagId, conf }: LocalDagContext): string {
  const prefix = text(conf.output_prefix);
  if (!prefix) throw new Error(`${dagId}: conf.output_prefix is required (the bridge sets it)`);
  return prefix.endsWith("/") ? prefix : `${prefix}/`;
}

/** Writes records as JSON lines. */
export async function putJsonLines(store: ObjectStore, key: string, records: readonly unknown[]): Promise<void> {
  await store.put(key, records.map((record) => `${JSON.stringify(record)}\n`).join(""), { contentType: "application/x-ndjson" });
}
