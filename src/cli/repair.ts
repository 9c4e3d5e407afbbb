import { DirectoryInUseError } from "../adapters/eventstore/directory-lock.ts";
import { type DroppedRecord, type LogRepairReport, LogRepairRefused, repairLog } from "../adapters/eventstore/file-repair.ts";
import { loadConfig } from "../api/config.ts";
import { parseCommandArgs } from "./args.ts";
import { type CliIo, UsageError } from "./cli-error.ts";

/**
 * `baton repair [--data-dir DIR] [--drop-from-offset N] [--dry-run]`: repairs
 * the file store's log (file-repair.ts) and says what it kept, fixed and
 * dropped (with --dry-run: would). Exit 0 when repaired, intact or a dry run
 * found what to do, 1 when it refused (nothing changed).
 */
export async function repairCommand(args: string[], io: CliIo): Promise<number> {
  const { flags } = parseCommandArgs("repair", args, { "data-dir": { type: "string" }, "drop-from-offset": { type: "string" }, "dry-run": { type: "boolean" } }, []);
  const dir = dataDirOf(io.env, flags["data-dir"]);
  const dropFromOffset = offsetOf(flags["drop-from-offset"]);
  let report: LogRepairReport;
  try {
    report = await repairLog({ dir, dropFromOffset, dryRun: flags["dry-run"] === true });
  } catch (error) {
    if (error instanceof LogRepairRefused) {
      io.err.write(`baton: repair refused: ${error.message}\n`);
      if (error.wouldDrop.length > 0) {
        io.err.write(`dropping from byte offset ${error.wouldDrop[0]!.offset} would drop ${eventCount(error.wouldDrop)}:\n`);
        for (const line of droppedLines(error.wouldDrop)) io.err.write(`  ${line}\n`);
      }
      return 1;
    }
    if (error instanceof DirectoryInUseError) throw new UsageError(`repair: ${error.message}`);
    if (error instanceof Error && error.message.startsWith("no event log at")) throw new UsageError(`repair: ${error.message}`);
    throw error;
  }
  for (const line of reportLines(report)) io.out(line);
  return 0;
}

function dataDirOf(env: Record<string, string | undefined>, dataDir: string | undefined): string {
  if (dataDir !== undefined) return dataDir;
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (config.BATON_EVENT_STORE !== "file") {
    throw new UsageError(`repair: BATON_EVENT_STORE is ${config.BATON_EVENT_STORE}; repair works on the file store's log (give --data-dir DIR)`);
  }
  return config.DATA_DIR;
}

function offsetOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`repair: --drop-from-offset must be a byte offset (a whole number >= 0), got '${value}'`);
  return Number(value.trim());
}

/** The report, one fact a line. */
export function reportLines(report: LogRepairReport): string[] {
  const { kept, fixes } = report;
  const keptLine = `kept: ${kept.records} record(s), ${kept.events} event(s) in ${kept.streams} stream(s)`;
  if (!report.changed) return [`${report.file}: intact, nothing to repair`, keptLine];
  const lines = report.dryRun
    ? [`dry run, nothing changed: ${report.file} needs repair; without --dry-run, repair would do this (and keep a backup)`]
    : [`repaired ${report.file}`, `backup of the original: ${report.backup}`];
  const fixed = [
    fixes.bom ? "removed a UTF-8 byte order mark" : "",
    fixes.crlfLines > 0 ? `CRLF -> LF on ${fixes.crlfLines} line(s)` : "",
    fixes.trailingWhitespaceLines > 0 ? `removed trailing whitespace from ${fixes.trailingWhitespaceLines} line(s)` : "",
    fixes.blankLines > 0 ? `removed ${fixes.blankLines} blank line(s)` : "",
    fixes.newlineAdded ? "added the missing newline after the last record" : "",
    fixes.newlineRestored ? "restored the damaged newline after the last record" : "",
  ].filter((text) => text !== "");
  if (fixed.length > 0) lines.push(`fixed (no event lost): ${fixed.join("; ")}`);
  if (report.tornTail) {
    lines.push(`cut: a torn tail of ${report.tornTail.bytes} byte(s) at byte offset ${report.tornTail.offset} (an incomplete record, never acknowledged)`);
  }
  lines.push(keptLine);
  if (report.dropped.length > 0) {
    lines.push(`dropped: ${report.dropped.length} record(s), ${eventCount(report.dropped)}, from byte offset ${report.dropped[0]!.offset}:`);
    lines.push(...droppedLines(report.dropped).map((line) => `  ${line}`));
  } else {
    lines.push("dropped: nothing");
  }
  if (report.removedCheckpoints.length > 0) {
    const removed = report.dryRun ? "would remove" : "removed";
    lines.push(`${removed} checkpoint(s) that may describe dropped events (rebuilt from the log on the next start): ${report.removedCheckpoints.join(", ")}`);
  }
  return lines;
}

function eventCount(records: DroppedRecord[]): string {
  const known = records.reduce((sum, record) => sum + (record.eventTypes?.length ?? 0), 0);
  const unknown = records.filter((record) => record.eventTypes === undefined).length;
  return `${known} event(s)${unknown > 0 ? ` and ${unknown} unreadable record(s)` : ""}`;
}

/** One line per record: where, what (stream, revisions, positions, event types) and why. */
export function droppedLines(records: DroppedRecord[]): string[] {
  return records.map((record) => {
    const where = `byte offset ${record.offset} (${record.length} bytes)`;
    const damage = record.damage === undefined ? "" : `, damaged: ${record.damage}`;
    if (record.streamId === undefined || record.revision === undefined || record.position === undefined || !record.eventTypes) {
      const held = record.inferredPositions;
      const positions = held ? `, held position ${held.from === held.to ? held.from : `${held.from}-${held.to}`} (inferred from its neighbours)` : "";
      return `${where}: unreadable${positions}${damage}`;
    }
    const count = record.eventTypes.length;
    const range = (first: number) => (count === 1 ? `${first}` : `${first}-${first + count - 1}`);
    const claim = record.verified ? "" : " (unverified: read from a damaged record)";
    return `${where}: stream "${record.streamId}" revision ${range(record.revision)}, position ${range(record.position)}: ${record.eventTypes.join(", ")}${claim}${damage}`;
  });
}
