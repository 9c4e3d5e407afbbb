/** `repairLog`: fixes what editors do to the log, cuts only a torn tail, drops damage only when told, and always keeps a backup. */
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockDirectory } from "../../src/adapters/eventstore/directory-lock.ts";
import { DirectoryInUseError, openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { LogRepairRefused, repairLog } from "../../src/adapters/eventstore/file-repair.ts";
import type { EventStore, NewEvent } from "../../src/domain/ports.ts";

let dir: string;
let logFile: string;
const CLOCK = () => new Date("2026-01-02T03:04:05.678Z");
const BACKUP = "events.log.bak-2026-01-02T03-04-05-678Z";

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-file-repair-"));
  logFile = join(dir, "events.log");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function event(id: string, type = "Happened"): NewEvent {
  return { id, type, data: { id }, metadata: {} };
}

/** Three records: s/a0+a1 (positions 0-1), t/b0 (2), s/a2 (3). Returns each record's byte offset. */
async function writeThreeRecords(): Promise<number[]> {
  const store = await openFileEventStore({ dir });
  await store.append("s", [event("a0", "First"), event("a1", "Second")], "no_stream");
  await store.append("t", [event("b0", "Other")], "no_stream");
  await store.append("s", [event("a2", "Third")], 1);
  await store.close();
  const lines = (await readFile(logFile, "latin1")).split("\n").slice(0, -1);
  return lines.map((_, index) => lines.slice(0, index).reduce((offset, line) => offset + line.length + 1, 0));
}

async function idsAfterOpen(): Promise<string[]> {
  const store: EventStore = await openFileEventStore({ dir });
  try {
    return (await store.readAll()).map((recorded) => recorded.id);
  } finally {
    await store.close();
  }
}

async function alter(change: (bytes: Buffer) => Buffer | void): Promise<Buffer> {
  const bytes = await readFile(logFile);
  const changed = change(bytes) ?? bytes;
  await writeFile(logFile, changed);
  return changed;
}

function flipBit(bytes: Buffer, offset: number): void {
  bytes[offset] = (bytes[offset] ?? 0) ^ 0x01;
}

async function refusal(options: { dropFromOffset?: number } = {}): Promise<LogRepairRefused> {
  const error = await repairLog({ dir, now: CLOCK, ...options }).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(LogRepairRefused);
  return error as LogRepairRefused;
}

describe("repairLog", () => {
  describe("undoes whole-file alterations without losing an event, keeping the original", () => {
    it("CRLF line endings", async () => {
      await writeThreeRecords();
      const original = await alter((bytes) => Buffer.from(bytes.toString("latin1").replaceAll("\n", "\r\n"), "latin1"));
      const report = await repairLog({ dir, now: CLOCK });
      expect(report).toMatchObject({ changed: true, backup: join(dir, BACKUP), kept: { records: 3, events: 4, streams: 2 }, dropped: [], droppedEvents: 0 });
      expect(report.fixes).toMatchObject({ crlfLines: 3, trailingWhitespaceLines: 0, bom: false });
      expect((await readFile(join(dir, BACKUP))).equals(original)).toBe(true);
      expect(await idsAfterOpen()).toEqual(["a0", "a1", "b0", "a2"]);
    });

    it("a trailing space on every line", async () => {
      await writeThreeRecords();
      await alter((bytes) => Buffer.from(bytes.toString("latin1").replaceAll("\n", " \n"), "latin1"));
      const report = await repairLog({ dir, now: CLOCK });
      expect(report.fixes).toMatchObject({ trailingWhitespaceLines: 3, crlfLines: 0 });
      expect(await idsAfterOpen()).toEqual(["a0", "a1", "b0", "a2"]);
    });

    it("a UTF-8 byte order mark with CRLF and blank lines", async () => {
      await writeThreeRecords();
      await alter((bytes) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(bytes.toString("latin1").replaceAll("\n", "\r\n\r\n"), "latin1")]));
      const report = await repairLog({ dir, now: CLOCK });
      expect(report.fixes).toMatchObject({ bom: true, crlfLines: 3, blankLines: 3 });
      expect(await idsAfterOpen()).toEqual(["a0", "a1", "b0", "a2"]);
    });

    it("a last record without its newline, or with its newline damaged", async () => {
      await writeThreeRecords();
      const size = (await readFile(logFile)).length;
      await truncate(logFile, size - 1);
      expect((await repairLog({ dir, now: CLOCK })).fixes.newlineAdded).toBe(true);
      await alter((bytes) => {
        bytes[bytes.length - 1] = 0x0b;
      });
      const report = await repairLog({ dir, now: () => new Date("2026-01-02T03:04:06Z") });
      expect(report.fixes.newlineRestored).toBe(true);
      expect(report.dropped).toEqual([]);
      expect(await idsAfterOpen()).toEqual(["a0", "a1", "b0", "a2"]);
    });
  });

  it("cuts a torn tail (an incomplete last record) and reports its offset and size", async () => {
    await writeThreeRecords();
    const size = (await readFile(logFile)).length;
    const partial = '0badf00d {"streamId":"s","revi';
    await appendFile(logFile, partial);
    const report = await repairLog({ dir, now: CLOCK });
    expect(report).toMatchObject({ changed: true, tornTail: { offset: size, bytes: partial.length }, dropped: [], kept: { events: 4 } });
    expect((await readFile(logFile)).length).toBe(size);
    expect(await idsAfterOpen()).toEqual(["a0", "a1", "b0", "a2"]);
  });

  it("changes nothing, and keeps no backup, on an intact log", async () => {
    await writeThreeRecords();
    const before = await readFile(logFile);
    const report = await repairLog({ dir, now: CLOCK });
    expect(report).toMatchObject({ changed: false, kept: { records: 3, events: 4, streams: 2 } });
    expect(report.backup).toBeUndefined();
    expect((await readFile(logFile)).equals(before)).toBe(true);
    expect((await readdir(dir)).filter((name) => name.startsWith("events.log"))).toEqual(["events.log"]);
  });

  describe("a damaged complete record", () => {
    it("in the last record: refuses, changing nothing; with --drop-from-offset drops exactly it", async () => {
      const offsets = await writeThreeRecords();
      const before = await alter((bytes) => {
        const at = bytes.indexOf("a2", offsets[2]);
        bytes[at] = "c".charCodeAt(0); // the event id: the JSON still parses, the checksum fails
      });
      const refused = await refusal();
      expect(refused.message).toContain(`${logFile}: damaged record at byte offset ${offsets[2]} (checksum mismatch)`);
      expect(refused.message).toContain(`--drop-from-offset ${offsets[2]}`);
      expect(refused.wouldDrop).toEqual([
        expect.objectContaining({ offset: offsets[2], verified: false, streamId: "s", revision: 2, position: 3, eventTypes: ["Third"], damage: "checksum mismatch" }),
      ]);
      expect((await readFile(logFile)).equals(before)).toBe(true);
      expect(existsSync(join(dir, BACKUP))).toBe(false);

      const report = await repairLog({ dir, now: CLOCK, dropFromOffset: offsets[2] });
      expect(report).toMatchObject({ changed: true, droppedEvents: 1, kept: { records: 2, events: 3 } });
      expect(report.dropped).toHaveLength(1);
      expect((await readFile(join(dir, BACKUP))).equals(before)).toBe(true);
      expect(await idsAfterOpen()).toEqual(["a0", "a1", "b0"]);
    });

    it("in the middle: lists every event dropping would lose, inferring what an unreadable record held", async () => {
      const offsets = await writeThreeRecords();
      await alter((bytes) => {
        bytes[(offsets[1] ?? 0) + 9] = 0x00; // the record's opening brace: its JSON no longer parses
      });
      const refused = await refusal();
      expect(refused.damage).toEqual({ offset: offsets[1], found: "checksum mismatch" });
      expect(refused.wouldDrop).toEqual([
        expect.objectContaining({ offset: offsets[1], verified: false, inferredPositions: { from: 2, to: 2 }, damage: "checksum mismatch" }),
        expect.objectContaining({ offset: offsets[2], verified: true, streamId: "s", revision: 2, position: 3, eventTypes: ["Third"] }),
      ]);
      const report = await repairLog({ dir, now: CLOCK, dropFromOffset: offsets[1] });
      expect(report).toMatchObject({ droppedEvents: 1, kept: { records: 1, events: 2, streams: 1 } });
      expect(report.dropped.map((record) => record.offset)).toEqual([offsets[1], offsets[2]]);
      expect(await idsAfterOpen()).toEqual(["a0", "a1"]);
    });

    it("refuses a --drop-from-offset that is not a record start, lies past the damage, or finds no damage", async () => {
      const offsets = await writeThreeRecords();
      expect((await refusal({ dropFromOffset: offsets[1] })).message).toMatch(/no damaged record at or after byte offset/);
      const before = await alter((bytes) => flipBit(bytes, (offsets[1] ?? 0) + 30));
      expect((await refusal({ dropFromOffset: (offsets[1] ?? 0) + 1 })).message).toContain(`no record starts at byte offset ${(offsets[1] ?? 0) + 1}`);
      expect((await refusal({ dropFromOffset: offsets[2] })).message).toContain(`comes before --drop-from-offset ${offsets[2]}`);
      expect((await readFile(logFile)).equals(before)).toBe(true);
      expect((await readdir(dir)).filter((name) => name.startsWith("events.log"))).toEqual(["events.log"]);
    });
  });

  it("removes read-model checkpoints only when it drops events", async () => {
    const offsets = await writeThreeRecords();
    const checkpoint = join(dir, "checkpoints", "read-models.json");
    await mkdir(join(dir, "checkpoints"));
    await writeFile(checkpoint, "{}");
    await alter((bytes) => Buffer.from(bytes.toString("latin1").replaceAll("\n", "\r\n"), "latin1"));
    expect((await repairLog({ dir, now: CLOCK })).removedCheckpoints).toEqual([]);
    expect(existsSync(checkpoint)).toBe(true);
    await alter((bytes) => flipBit(bytes, (offsets[2] ?? 0) + 30));
    const report = await repairLog({ dir, now: () => new Date("2026-01-02T03:04:06Z"), dropFromOffset: offsets[2] });
    expect(report.removedCheckpoints).toEqual([checkpoint]);
    expect(existsSync(checkpoint)).toBe(false);
  });

  it("a dry run reports what a repair would do and writes nothing", async () => {
    const offsets = await writeThreeRecords();
    const checkpoint = join(dir, "checkpoints", "read-models.json");
    await mkdir(join(dir, "checkpoints"));
    await writeFile(checkpoint, "{}");
    const before = await alter((bytes) => {
      flipBit(bytes, (offsets[2] ?? 0) + 30);
      return Buffer.from(bytes.toString("latin1").replaceAll("\n", "\r\n"), "latin1");
    });
    // CRLF moved the last record by one byte per line before it.
    const report = await repairLog({ dir, now: CLOCK, dryRun: true, dropFromOffset: (offsets[2] ?? 0) + 2 });
    expect(report).toMatchObject({ changed: true, dryRun: true, fixes: { crlfLines: 2 }, kept: { records: 2, events: 3 }, removedCheckpoints: [checkpoint] });
    expect(report.backup).toBeUndefined();
    expect(report.dropped.map((record) => record.offset)).toEqual([(offsets[2] ?? 0) + 2]);
    expect((await readFile(logFile)).equals(before)).toBe(true);
    expect(existsSync(checkpoint)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(["checkpoints", "events.log"]);
  });

  it("never overwrites a backup", async () => {
    await writeThreeRecords();
    const crlf = (bytes: Buffer) => Buffer.from(bytes.toString("latin1").replaceAll("\n", "\r\n"), "latin1");
    const first = await alter(crlf);
    await repairLog({ dir, now: CLOCK });
    const second = await alter((bytes) => Buffer.from(bytes.toString("latin1").replaceAll("\n", " \n"), "latin1"));
    const report = await repairLog({ dir, now: CLOCK });
    expect(report.backup).toBe(join(dir, `${BACKUP}-1`));
    expect((await readFile(join(dir, BACKUP))).equals(first)).toBe(true);
    expect((await readFile(join(dir, `${BACKUP}-1`))).equals(second)).toBe(true);
  });

  it("does not run while another holder (a server) has the directory, touching nothing", async () => {
    await writeThreeRecords();
    const before = await alter((bytes) => Buffer.from(bytes.toString("latin1").replaceAll("\n", "\r\n"), "latin1"));
    // Held the way a running server holds it.
    const lock = await lockDirectory(dir);
    try {
      await expect(repairLog({ dir, now: CLOCK })).rejects.toBeInstanceOf(DirectoryInUseError);
      expect((await readFile(logFile)).equals(before)).toBe(true);
      expect(existsSync(join(dir, BACKUP))).toBe(false);
    } finally {
      await lock.release();
    }
  });

  it("names the file when there is no log", async () => {
    await expect(repairLog({ dir: join(dir, "missing") })).rejects.toThrow(`no event log at ${join(dir, "missing", "events.log")}`);
  });
});
