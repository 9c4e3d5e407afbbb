/**
 * `baton repair`: fixes the file store's log on purpose, where opening it
 * refuses to (file-scan.ts). It
 *
 * - takes the directory lock, so it never runs beside a server;
 * - undoes what editors and copy tools do to a whole file (CRLF, trailing
 *   whitespace, a byte order mark, blank lines, a missing or damaged final
 *   newline after a whole record): no event is lost by that;
 * - cuts a torn tail (an incomplete last record, never acknowledged);
 * - refuses a damaged record anywhere else (`LogRepairRefused`, nothing
 *   changed), unless told to drop every record from a byte offset at or
 *   before it (`dropFromOffset`): later records cannot stay, since positions
 *   and revisions must run on without gaps. Every dropped record is reported
 *   (stream, revisions, positions, event types; "unverified" when read from a
 *   record whose checksum fails);
 * - writes the result to a temporary file (only from the first change on:
 *   repaired-log-writer.ts), checks it opens cleanly, keeps the
 *   original as `events.log.bak-<time>` (never overwriting one) and renames
 *   the result into place;
 * - removes the read-model checkpoints when events were dropped: they may
 *   describe events the log no longer holds (the next start rebuilds them).
 *
 * - with `dryRun`, only reports what it would do.
 *
 * The index segments under `index/` describe the old log, so a repair deletes
 * them (opening would detect and delete them anyway).
 */
import { link, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { lockDirectory } from "./directory-lock.ts";
import { describeDamage, normalizeLine } from "./file-damage.ts";
import type { LineFix } from "./file-damage.ts";
import { createLogIndex } from "./file-index.ts";
import { segmentsDirectory } from "./file-index-segments.ts";
import { asEventBatch, decodeRecord } from "./file-record.ts";
import { notATornRecord, readLogLines, scanLog } from "./file-scan.ts";
import type { LogLine } from "./file-scan.ts";
import { syncDirectory } from "./file-writer.ts";
import { createRepairedLogWriter } from "./repaired-log-writer.ts";
import type { RepairedLogWriter } from "./repaired-log-writer.ts";

/** Options of `repairLog`. */
export interface LogRepairOptions {
  /** The data directory holding `events.log`. */
  dir: string;
  /** Drop every record from this byte offset on: it must be where a record starts, at or before the first damaged one. */
  dropFromOffset?: number;
  /** Only report what a repair would do: nothing is written, no backup kept, no checkpoint removed. */
  dryRun?: boolean;
  /** Clock for the backup's name; defaults to the system clock. */
  now?: () => Date;
}

/** A record the repair dropped (or would drop). */
export interface DroppedRecord {
  offset: number;
  /** Bytes, its newline included (when it had one). */
  length: number;
  /** What is wrong with it; undefined for an intact record dropped because it comes after the cut. */
  damage?: string;
  /** False when the fields below were read from a record whose checksum fails (they may be wrong) or are absent. */
  verified: boolean;
  streamId?: string;
  /** Revision and position of its first event. */
  revision?: number;
  position?: number;
  eventTypes?: string[];
  /** For an unreadable record between two readable ones: the positions it must have held (its stream is unknown). */
  inferredPositions?: { from: number; to: number };
}

/** Whole-file alterations undone, by kind. */
export interface LogFixes {
  bom: boolean;
  crlfLines: number;
  trailingWhitespaceLines: number;
  blankLines: number;
  /** The last record was whole but had no newline. */
  newlineAdded: boolean;
  /** The last record's newline had been damaged into another byte. */
  newlineRestored: boolean;
}

/** What `repairLog` did. */
export interface LogRepairReport {
  file: string;
  /** False when the log was intact: nothing written, no backup. In a dry run: whether a repair would change it. */
  changed: boolean;
  /** Nothing was written: this is what a repair would do. */
  dryRun: boolean;
  backup?: string;
  kept: { records: number; events: number; streams: number };
  fixes: LogFixes;
  tornTail?: { offset: number; bytes: number };
  dropped: DroppedRecord[];
  droppedEvents: number;
  /** Checkpoint files removed (in a dry run: that would be) because they may describe dropped events. */
  removedCheckpoints: string[];
}

/** The repair changed nothing because it could not repair the log without dropping, or as asked. */
export class LogRepairRefused extends Error {
  constructor(
    readonly file: string,
    message: string,
    /** The first damage that is not a torn tail, if any. */
    readonly damage: { offset: number; found: string } | undefined,
    /** Every record that dropping from the damage would drop. */
    readonly wouldDrop: DroppedRecord[],
  ) {
    super(message);
    this.name = "LogRepairRefused";
  }
}

/** Repairs `<dir>/events.log`; see the module comment. Throws `LogRepairRefused` (nothing changed) when it must not. */
export async function repairLog(options: LogRepairOptions): Promise<LogRepairReport> {
  const { dir } = options;
  const file = join(dir, "events.log");
  try {
    await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`no event log at ${file}`);
    throw error;
  }
  const lock = await lockDirectory(dir);
  try {
    return await repairLocked(file, dir, options);
  } finally {
    await lock.release();
  }
}

async function repairLocked(file: string, dir: string, options: LogRepairOptions): Promise<LogRepairReport> {
  const temporary = join(dir, `events.log.repair-${process.pid}.tmp`);
  const input = await open(file, "r");
  const dryRun = options.dryRun === true;
  const output = createRepairedLogWriter(input, dryRun ? undefined : temporary);
  let plan: Plan;
  let written: boolean;
  try {
    plan = await planAndWrite(input, output, options.dropFromOffset);
    written = await output.finish();
  } catch (error) {
    await output.discard();
    throw error;
  } finally {
    await input.close();
  }

  const refusal = refusalOf(file, dir, plan, options.dropFromOffset);
  if (refusal || !written) {
    await output.discard();
    if (refusal) throw refusal;
    return { file, changed: false, dryRun, ...reportOf(plan), removedCheckpoints: [] };
  }
  if (dryRun) {
    const checkpoints = plan.dropped.length > 0 ? await checkpointFiles(dir) : [];
    return { file, changed: true, dryRun, ...reportOf(plan), removedCheckpoints: checkpoints };
  }

  await verifyRepaired(temporary, plan.kept.events);
  const backup = await keepBackup(file, (options.now ?? (() => new Date()))());
  await rename(temporary, file);
  await syncDirectory(dir);
  await rm(segmentsDirectory(dir), { recursive: true, force: true });
  const removedCheckpoints = plan.dropped.length > 0 ? await checkpointFiles(dir) : [];
  for (const checkpoint of removedCheckpoints) await unlink(checkpoint);
  return { file, changed: true, dryRun, backup, ...reportOf(plan), removedCheckpoints };
}

interface Plan {
  kept: { records: number; events: number; streams: number };
  fixes: LogFixes;
  tornTail?: { offset: number; bytes: number };
  damage?: { offset: number; found: string };
  /** Every record from the cut (the damage, or `dropFromOffset`) on. */
  dropped: DroppedRecord[];
  /** Whether a record starts at `dropFromOffset`. */
  cutIsRecordStart: boolean;
}

/** Reads the log once, writing what it keeps (fixed) to `output`, and collecting what it would drop. */
async function planAndWrite(input: FileHandle, output: RepairedLogWriter, dropFromOffset: number | undefined): Promise<Plan> {
  const index = createLogIndex();
  const streams = new Set<string>();
  const fixes: LogFixes = { bom: false, crlfLines: 0, trailingWhitespaceLines: 0, blankLines: 0, newlineAdded: false, newlineRestored: false };
  const plan: Plan = { kept: { records: 0, events: 0, streams: 0 }, fixes, dropped: [], cutIsRecordStart: false };
  const countFixes = (found: LineFix[]) => {
    for (const fix of found) {
      if (fix === "bom") fixes.bom = true;
      else if (fix === "crlf") fixes.crlfLines += 1;
      else fixes.trailingWhitespaceLines += 1;
    }
  };

  for await (const line of readLogLines(input)) {
    if (dropFromOffset !== undefined && line.offset === dropFromOffset) plan.cutIsRecordStart = true;
    const length = line.bytes.length + (line.complete ? 1 : 0);
    if (plan.damage || (dropFromOffset !== undefined && line.offset >= dropFromOffset)) {
      await output.diverge();
      // A blank line holds nothing to drop; everything else after the cut is reported.
      const after = keepable(line);
      if (after.kind === "blank") continue;
      const damage = after.kind === "damaged" ? after.found : after.kind === "torn" ? "incomplete last record (torn tail)" : undefined;
      plan.dropped.push({ ...describeRecord(line, length), ...(damage === undefined ? {} : { damage }) });
      continue;
    }
    const kept = keepable(line);
    if (kept.kind === "blank") {
      fixes.blankLines += 1;
      await output.diverge();
      continue;
    }
    if (kept.kind === "torn") {
      plan.tornTail = { offset: line.offset, bytes: line.bytes.length };
      await output.diverge();
      continue;
    }
    let found = kept.kind === "damaged" ? kept.found : undefined;
    if (kept.kind === "record") {
      try {
        const batch = asEventBatch(kept.value);
        index.add(batch.streamId, batch.revision, batch.position, batch.events.length, kept.bytes.length + 1);
        countFixes(kept.fixes);
        if (kept.newline === "added") fixes.newlineAdded = true;
        if (kept.newline === "restored") fixes.newlineRestored = true;
        streams.add(batch.streamId);
        plan.kept.records += 1;
        plan.kept.events += batch.events.length;
        await output.keep(kept.bytes, kept.fixes.length === 0 && kept.newline === undefined, line.offset + length);
        continue;
      } catch (error) {
        found = `invalid record: ${(error as Error).message}`;
      }
    }
    await output.diverge();
    plan.damage = { offset: line.offset, found: found! };
    plan.dropped.push({ ...describeRecord(line, length), damage: found });
  }
  plan.kept.streams = streams.size;
  inferPositions(plan.dropped, plan.kept.events);
  return plan;
}

/** Positions are gapless, so an unreadable record between readable ones held exactly the positions between them. */
function inferPositions(dropped: DroppedRecord[], firstPosition: number): void {
  let next = firstPosition;
  dropped.forEach((record, i) => {
    if (record.position !== undefined && record.eventTypes) {
      next = record.position + record.eventTypes.length;
      return;
    }
    const following = dropped[i + 1]?.position;
    if (next >= 0 && following !== undefined && following > next) record.inferredPositions = { from: next, to: following - 1 };
    next = -1; // unknown until the next readable record
  });
}

type Keepable =
  | { kind: "record"; bytes: Buffer; value: unknown; fixes: LineFix[]; newline?: "added" | "restored" }
  | { kind: "blank" }
  | { kind: "torn" }
  | { kind: "damaged"; found: string };

/** What one line is: a record (once alterations are undone), a blank line, a torn tail or damage. */
function keepable(line: LogLine): Keepable {
  const normalized = normalizeLine(line.bytes, line.offset === 0);
  if (normalized.bytes.length === 0) return line.complete ? { kind: "blank" } : { kind: "torn" };
  const decoded = decodeRecord(normalized.bytes);
  if (decoded.ok) {
    return { kind: "record", bytes: normalized.bytes, value: decoded.value, fixes: normalized.fixes, newline: line.complete ? undefined : "added" };
  }
  if (!line.complete) {
    const withoutLastByte = decodeRecord(line.bytes.subarray(0, -1));
    if (line.bytes.length > 9 && withoutLastByte.ok) {
      return { kind: "record", bytes: line.bytes.subarray(0, -1), value: withoutLastByte.value, fixes: [], newline: "restored" };
    }
    const notTorn = notATornRecord(line.bytes);
    if (!notTorn) return { kind: "torn" };
    return { kind: "damaged", found: `an incomplete last line that is not the start of one record (${notTorn})` };
  }
  return { kind: "damaged", found: describeDamage(line.bytes, line.offset, decoded.reason) };
}

/** What a line says it holds: verified when its checksum holds, else read from its JSON, if that parses. */
function describeRecord(line: LogLine, length: number): DroppedRecord {
  const base = { offset: line.offset, length };
  const normalized = normalizeLine(line.bytes, line.offset === 0).bytes;
  const decoded = decodeRecord(normalized);
  let value: unknown;
  if (decoded.ok) {
    value = decoded.value;
  } else {
    try {
      value = JSON.parse(normalized.subarray(9).toString("utf8"));
    } catch {
      return { ...base, verified: false };
    }
  }
  try {
    const batch = asEventBatch(value);
    return {
      ...base,
      verified: decoded.ok,
      streamId: batch.streamId,
      revision: batch.revision,
      position: batch.position,
      eventTypes: batch.events.map((event) => event.type),
    };
  } catch {
    return { ...base, verified: false };
  }
}

function refusalOf(file: string, dir: string, plan: Plan, dropFromOffset: number | undefined): LogRepairRefused | undefined {
  const { damage, dropped } = plan;
  const at = (offset: number) => `npm run baton -- repair --data-dir ${dir} --drop-from-offset ${offset}`;
  if (dropFromOffset === undefined) {
    if (!damage) return undefined;
    const after = dropped.length - 1;
    return new LogRepairRefused(
      file,
      `${file}: damaged record at byte offset ${damage.offset} (${damage.found})` +
        (after > 0 ? `, followed by ${after} more record(s)` : "") +
        `. Nothing was changed: repairing it means dropping it${after > 0 ? " and every record after it" : ""}. ` +
        `To do that on purpose (the original is kept as a backup): ${at(damage.offset)}`,
      damage,
      dropped,
    );
  }
  if (!plan.cutIsRecordStart) {
    return new LogRepairRefused(
      file,
      `${file}: no record starts at byte offset ${dropFromOffset}; nothing was changed` +
        (damage ? `. The first damaged record is at byte offset ${damage.offset}: ${at(damage.offset)}` : ""),
      damage,
      dropped,
    );
  }
  if (damage && damage.offset < dropFromOffset) {
    return new LogRepairRefused(
      file,
      `${file}: damaged record at byte offset ${damage.offset} (${damage.found}) comes before --drop-from-offset ${dropFromOffset}; nothing was changed. Drop from the damage: ${at(damage.offset)}`,
      damage,
      dropped,
    );
  }
  if (!damage && !dropped.some((record) => record.damage)) {
    return new LogRepairRefused(
      file,
      `${file}: no damaged record at or after byte offset ${dropFromOffset}; --drop-from-offset only drops from damage, so nothing was changed`,
      undefined,
      [],
    );
  }
  return undefined;
}

function reportOf(plan: Plan): Omit<LogRepairReport, "file" | "changed" | "dryRun" | "backup" | "removedCheckpoints"> {
  return {
    kept: plan.kept,
    fixes: plan.fixes,
    tornTail: plan.tornTail,
    dropped: plan.dropped,
    droppedEvents: plan.dropped.reduce((sum, record) => sum + (record.eventTypes?.length ?? 0), 0),
  };
}

/** The repaired file must open as the store opens it: every record valid, nothing torn. */
async function verifyRepaired(temporary: string, events: number): Promise<void> {
  const handle = await open(temporary, "r");
  try {
    const index = createLogIndex();
    const tail = await scanLog(handle, temporary, (batch, span) => {
      index.add(batch.streamId, batch.revision, batch.position, batch.events.length, span.length);
    });
    if (tail || index.eventCount() !== events) throw new Error(`${temporary}: the repaired log does not read back as written; the original is unchanged`);
  } finally {
    await handle.close();
  }
}

/** Keeps the original under a new name (a hard link: no copy, and link() never replaces an existing file). */
async function keepBackup(file: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  for (let attempt = 0; ; attempt += 1) {
    const backup = `${file}.bak-${stamp}${attempt === 0 ? "" : `-${attempt}`}`;
    try {
      await link(file, backup);
      return backup;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** The read-model checkpoints (derived from the log, rebuilt by the next start when missing). */
async function checkpointFiles(dir: string): Promise<string[]> {
  const checkpoints = join(dir, "checkpoints");
  const names = await readdir(checkpoints).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith(".json")).map((name) => join(checkpoints, name));
}

