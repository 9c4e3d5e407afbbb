import { describeDifference, type Difference } from "./json-diff.ts";

/** Entries and differences shown in full; the rest are only counted. */
const ENTRIES_SHOWN = 10;
const SHOWN = 20;

/**
 * A readable account of differences between two sets of read models: which
 * entries differ (the first two path segments, e.g. `workflows.<id>`), then
 * the first few differing fields.
 */
export function summarizeDifferences(differences: Difference[], leftName: string, rightName: string): string[] {
  const entries = new Map<string, number>();
  for (const { path } of differences) {
    const entry = path.split(/\.|\[/).slice(0, 2).join(".");
    entries.set(entry, (entries.get(entry) ?? 0) + 1);
  }
  const lines = [`${differences.length} differing field(s) in ${entries.size} entr${entries.size === 1 ? "y" : "ies"}:`];
  for (const [entry, n] of [...entries].slice(0, ENTRIES_SHOWN)) lines.push(`  ${entry}: ${n} field(s)`);
  if (entries.size > ENTRIES_SHOWN) lines.push(`  ... and ${entries.size - ENTRIES_SHOWN} more entries`);
  lines.push("first differences:");
  for (const difference of differences.slice(0, SHOWN)) lines.push(`  ${describeDifference(difference, leftName, rightName)}`);
  if (differences.length > SHOWN) lines.push(`  ... and ${differences.length - SHOWN} more`);
  return lines;
}
