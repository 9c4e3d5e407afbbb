/** What only the file store promises: durability across reopen and repair of a damaged log. */
import { existsSync, readFileSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DirectoryInUseError, LogDamageError, openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { openFileSnapshot } from "../../src/adapters/eventstore/file-snapshot.ts";
import type { FileEventStoreOptions } from "../../src/adapters/eventstore/file.ts";
import type { EventStore, NewEvent } from "../../src/domain/ports.ts";

let dir: string;
let logFile: string;
const open: EventStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-file-eventstore-"));
  logFile = join(dir, "events.log");
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await rm(dir, { recursive: true, force: true });
});

async function openStore(options: Partial<FileEventStoreOptions> = {}): Promise<EventStore> {
  const store = await openFileEventStore({ dir, ...options });
  open.push(store);
  return store;
}

function event(id: string, data: unknown = { id }): NewEvent {
  return { id, type: "Happened", data, metadata: { correlationId: `corr-${id}` } };
}

/** Three records: s/a0+a1, t/b0, s/a2. Returns the byte offset of each record. */
async function writeThreeRecords(): Promise<number[]> {
  const store = await openStore();
  await store.append("s", [event("a0"), event("a1")], "no_stream");
  await store.append("t", [event("b0")], "no_stream");
  await store.append("s", [event("a2")], 1);
  await store.close();
  const lines = (await readFile(logFile, "utf8")).split("\n").slice(0, -1);
  expect(lines).toHaveLength(3);
  return lines.map((_, index) => lines.slice(0, index).reduce((offset, line) => offset + Buffer.byteLength(line) + 1, 0));
}

async function flipByte(offset: number): Promise<void> {
  const bytes = await readFile(logFile);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0x01;
  await writeFile(logFile, bytes);
}

async function ids(store: EventStore): Promise<string[]> {
  return (await store.readAll()).map((recorded) => recorded.id);
}

describe("file event store", () => {
  it("keeps events, revisions, positions and created across close and reopen", async () => {
    let clock = 1_000;
    const first = await openStore({ now: () => (clock += 1) });
    await Promise.all([
      first.append("s", [event("a0"), event("a1")], "no_stream"),
      first.append("t", [event("b0", { blob: "é".repeat(700_000) })], "no_stream"),
    ]);
    await first.append("s", [event("a2")], 1);
    const before = await first.readAll();
    await first.close();

    const reopened = await openStore();
    expect(await reopened.readAll()).toEqual(before);
    expect((await reopened.readStream("s")).map(({ revision, position }) => [revision, position])).toEqual([[0, 0], [1, 1], [2, 3]]);
    expect(await reopened.append("s", [event("a3")], 2)).toEqual({ nextExpectedRevision: 3, position: 4 });
  });

  it("delivers a live event to subscribers only once it is in the file", async () => {
    const store = await openStore();
    const inFileWhenDelivered: boolean[] = [];
    store.subscribeToAll((recorded) => {
      inFileWhenDelivered.push(readFileSync(logFile, "utf8").includes(`"id":"${recorded.id}"`));
    });
    await Promise.all([store.append("s", [event("live-0")], "any"), store.append("t", [event("live-1")], "any")]);
    await store.append("s", [event("live-2")], "any");
    await vi.waitFor(() => expect(inFileWhenDelivered).toHaveLength(3));
    expect(inFileWhenDelivered).toEqual([true, true, true]);
  });

  it("creates its directory", async () => {
    const nested = join(dir, "a", "b");
    const store = await openFileEventStore({ dir: nested });
    open.push(store);
    await store.append("s", [event("e")], "no_stream");
    expect((await readFile(join(nested, "events.log"), "utf8")).endsWith("\n")).toBe(true);
  });

  it("writes each append as one checksummed line", async () => {
    await writeThreeRecords();
    const [line] = (await readFile(logFile, "utf8")).split("\n");
    const [checksum, json = ""] = [line?.slice(0, 8), line?.slice(9)];
    expect(checksum).toBe(crc32(Buffer.from(json)).toString(16).padStart(8, "0"));
    expect(JSON.parse(json)).toMatchObject({ streamId: "s", revision: 0, position: 0, events: [{ id: "a0" }, { id: "a1" }] });
  });

  describe("reads from disk, not from memory", () => {
    it("checks a record again when it reads it: damage since the open fails that read only", async () => {
      const offsets = await writeThreeRecords();
      const store = await openStore({ cacheBytes: 0 });
      await flipByte((offsets[1] ?? 0) + 30);
      await expect(store.readStream("t")).rejects.toThrow(`${logFile}: record at byte offset ${offsets[1]} is damaged (checksum mismatch)`);
      expect((await store.readStream("s")).map((recorded) => recorded.id)).toEqual(["a0", "a1", "a2"]);
      await expect(store.readAll()).rejects.toThrow(/checksum mismatch/);
    });

    it("catches a subscriber up through a log far larger than its cache, in order, then goes live", async () => {
      const first = await openStore({ fsync: false });
      for (let round = 0; round < 30; round += 1) {
        await Promise.all(Array.from({ length: 100 }, (_, n) => first.append(`s${n}`, [event(`e${round}-${n}`, { pad: "x".repeat(300) })], round === 0 ? "no_stream" : round - 1)));
      }
      const written = await ids(first);
      await first.close();

      const store = await openStore({ cacheBytes: 2_000 });
      const seen: string[] = [];
      let caughtUp = false;
      store.subscribeToAll(
        async (recorded) => {
          seen.push(recorded.id);
          if (seen.length % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        },
        { fromPosition: 17, onCaughtUp: () => (caughtUp = true) },
      );
      await vi.waitFor(() => expect(caughtUp).toBe(true), { timeout: 10_000 });
      await store.append("s0", [event("live")], 29);
      await vi.waitFor(() => expect(seen).toHaveLength(written.length - 17 + 1));
      expect(seen).toEqual([...written.slice(17), "live"]);
      expect((await store.readStream("s42")).map((recorded) => recorded.revision)).toEqual(Array.from({ length: 30 }, (_, index) => index));
      expect((await store.readAll({ fromPosition: 2_990, maxCount: 5 })).map((recorded) => recorded.id)).toEqual(written.slice(2_990, 2_995));
    });

    it("recognises a retried append after a reopen, reading the stream's events from disk", async () => {
      const first = await openStore();
      await first.append("s", [event("a0")], "no_stream");
      const original = await first.append("s", [event("a1"), event("a2")], 0);
      await first.append("t", [event("b0")], "no_stream");
      await first.close();

      const reopened = await openStore({ cacheBytes: 0 });
      expect(await reopened.append("s", [event("a1"), event("a2")], 0)).toEqual(original);
      await expect(reopened.append("s", [event("a1"), event("zz")], 0)).rejects.toThrow(/expected revision 0, but it is at revision 2/);
      expect(await ids(reopened)).toEqual(["a0", "a1", "a2", "b0"]);
    });
  });

  describe("one owner per directory", () => {
    it("refuses a second open while the first is open, touching nothing, and opens again after close", async () => {
      const first = await openStore();
      await first.append("s", [event("a0")], "no_stream");
      const before = await readFile(logFile);
      const second = openFileEventStore({ dir });
      await expect(second).rejects.toBeInstanceOf(DirectoryInUseError);
      await expect(second).rejects.toThrow(`DATA_DIR ${dir} is in use by process ${process.pid} on host `);
      expect((await readFile(logFile)).equals(before)).toBe(true);
      await first.append("s", [event("a1")], 0);
      await first.close();

      const reopened = await openStore();
      expect(await ids(reopened)).toEqual(["a0", "a1"]);
    });

    it("releases the directory when the open fails", async () => {
      const offsets = await writeThreeRecords();
      await flipByte((offsets[1] ?? 0) + 25);
      await expect(openFileEventStore({ dir })).rejects.toThrow(/checksum mismatch/);
      expect(existsSync(join(dir, "baton.lock"))).toBe(false);
      await expect(openFileEventStore({ dir })).rejects.toThrow(/checksum mismatch/);
    });

    it("lets a read-only snapshot open beside the open store", async () => {
      const store = await openStore();
      await store.append("s", [event("a0")], "no_stream");
      const snapshot = await openFileSnapshot(dir);
      try {
        expect(await ids(snapshot)).toEqual(["a0"]);
      } finally {
        await snapshot.close();
      }
      await store.append("s", [event("a1")], 0);
    });
  });

  describe("a damaged tail", () => {
    it("cuts a partial line appended after the last record", async () => {
      await writeThreeRecords();
      const goodSize = (await readFile(logFile)).length;
      const garbage = '0badf00d {"streamId":"s","revi';
      await appendFile(logFile, garbage);
      await expectRepairedTo(goodSize, Buffer.byteLength(garbage), /incomplete/, ["a0", "a1", "b0", "a2"]);
    });

    it("cuts a last record whose final bytes are missing", async () => {
      const offsets = await writeThreeRecords();
      const size = (await readFile(logFile)).length;
      await truncate(logFile, size - 5);
      await expectRepairedTo(offsets[2] ?? -1, size - 5 - (offsets[2] ?? 0), /incomplete/, ["a0", "a1", "b0"]);
    });

    it("cuts a torn last record whose data looks like a record header", async () => {
      const offsets = await writeThreeRecords();
      const store = await openStore();
      await store.append("t", [event("b1", { note: "0badf00d {", more: '"streamId":' })], 0);
      await store.close();
      const size = (await readFile(logFile)).length;
      const lastOffset = (await readFile(logFile, "latin1")).split("\n").slice(0, 3).reduce((sum, line) => sum + line.length + 1, 0);
      expect(lastOffset).toBeGreaterThan(offsets[2] ?? 0);
      await truncate(logFile, size - 5);
      await expectRepairedTo(lastOffset, size - 5 - lastOffset, /incomplete/, ["a0", "a1", "b0", "a2"]);
    });

    it("repairs even without an onRepair listener", async () => {
      await writeThreeRecords();
      await appendFile(logFile, "garbage");
      const store = await openStore();
      expect(await ids(store)).toEqual(["a0", "a1", "b0", "a2"]);
    });

    /** Reopens twice: the repair is reported once, events survive, new appends work and persist. */
    async function expectRepairedTo(offset: number, droppedBytes: number, reason: RegExp, kept: string[]): Promise<void> {
      const onRepair = vi.fn();
      const repaired = await openStore({ onRepair });
      expect(onRepair).toHaveBeenCalledTimes(1);
      expect(onRepair).toHaveBeenCalledWith({ offset, droppedBytes, reason: expect.stringMatching(reason) });
      expect((await readFile(logFile)).length).toBe(offset);
      expect(await ids(repaired)).toEqual(kept);
      const revisionOfS = (await repaired.readStream("s")).length - 1;
      await repaired.append("s", [event("after-repair")], revisionOfS);
      await repaired.close();

      const onSecondRepair = vi.fn();
      const reopened = await openStore({ onRepair: onSecondRepair });
      expect(onSecondRepair).not.toHaveBeenCalled();
      expect(await ids(reopened)).toEqual([...kept, "after-repair"]);
      const [last] = await reopened.readAll({ fromPosition: kept.length });
      expect(last).toMatchObject({ streamId: "s", revision: revisionOfS + 1, position: kept.length });
    }
  });

  describe("damage that is not a torn tail stops the open, touching nothing", () => {
    /** Opening fails with LogDamageError naming the file, offset and finding, leaves the file as it was, and frees the directory. */
    async function expectRefused(offset: number, found: RegExp): Promise<LogDamageError> {
      const before = await readFile(logFile);
      const onRepair = vi.fn();
      const error = await openFileEventStore({ dir, onRepair }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(LogDamageError);
      const damage = error as LogDamageError;
      expect(damage.message).toContain(`${logFile}: damaged record at byte offset ${offset} (`);
      expect(damage.offset).toBe(offset);
      expect(damage.found).toMatch(found);
      expect(damage.message).toContain(`npm run baton -- repair --data-dir ${dir}`);
      expect(onRepair).not.toHaveBeenCalled();
      expect((await readFile(logFile)).equals(before)).toBe(true);
      expect(existsSync(join(dir, "baton.lock"))).toBe(false);
      return damage;
    }

    it("a log converted to CRLF line endings", async () => {
      await writeThreeRecords();
      await writeFile(logFile, (await readFile(logFile, "utf8")).replaceAll("\n", "\r\n"));
      await expectRefused(0, /carriage return before the newline \(CRLF line endings\).*editor or copy tool/);
    });

    it("a log with a trailing space on every line", async () => {
      await writeThreeRecords();
      await writeFile(logFile, (await readFile(logFile, "utf8")).replaceAll("\n", " \n"));
      await expectRefused(0, /trailing whitespace after the record/);
    });

    it("a log that starts with a UTF-8 byte order mark", async () => {
      await writeThreeRecords();
      await writeFile(logFile, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), await readFile(logFile)]));
      await expectRefused(0, /UTF-8 byte order mark/);
    });

    it("a flipped byte in the last complete record", async () => {
      const offsets = await writeThreeRecords();
      await flipByte((offsets[2] ?? 0) + 30);
      await expectRefused(offsets[2] ?? -1, /^checksum mismatch$/);
    });

    it("a flipped byte in a record in the middle", async () => {
      const offsets = await writeThreeRecords();
      await flipByte((offsets[1] ?? 0) + 30);
      await expectRefused(offsets[1] ?? -1, /^checksum mismatch$/);
    });

    it("a last complete record with a valid checksum over unparsable JSON", async () => {
      await writeThreeRecords();
      const goodSize = (await readFile(logFile)).length;
      const body = Buffer.from('{"streamId":');
      await appendFile(logFile, `${crc32(body).toString(16).padStart(8, "0")} ${body.toString()}\n`);
      await expectRefused(goodSize, /^unparsable JSON$/);
    });

    it("a last record split in two by a byte damaged into a newline", async () => {
      const offsets = await writeThreeRecords();
      const bytes = await readFile(logFile);
      bytes[(offsets[2] ?? 0) + 20] = 0x0a;
      await writeFile(logFile, bytes);
      await expectRefused(offsets[2] ?? -1, /^checksum mismatch$/);
    });

    it("a last record whose newline was damaged into another byte", async () => {
      await writeThreeRecords();
      const bytes = await readFile(logFile);
      bytes[bytes.length - 1] = 0x0b;
      await writeFile(logFile, bytes);
      const offsets = (await readFile(logFile, "latin1")).split("\n");
      await expectRefused(offsets[0]!.length + offsets[1]!.length + 2, /newline is byte 0x0b/);
    });

    it("a log whose newlines were all converted to CR (one incomplete line of many records)", async () => {
      await writeThreeRecords();
      await writeFile(logFile, (await readFile(logFile, "utf8")).replaceAll("\n", "\r"));
      await expectRefused(0, /not the start of one record/);
    });

    it("a blank line between records", async () => {
      const offsets = await writeThreeRecords();
      const bytes = await readFile(logFile);
      await writeFile(logFile, Buffer.concat([bytes.subarray(0, offsets[1]), Buffer.from("\n"), bytes.subarray(offsets[1])]));
      await expectRefused(offsets[1] ?? -1, /^an empty line$/);
    });

    it("damage in each of the last 5 records (10 acknowledged events)", async () => {
      const store = await openStore();
      for (let i = 0; i < 8; i++) await store.append("many", [event(`m${2 * i}`), event(`m${2 * i + 1}`)], i === 0 ? "no_stream" : 2 * i - 1);
      await store.close();
      const lines = (await readFile(logFile, "latin1")).split("\n").slice(0, -1);
      const offsets = lines.map((_, index) => lines.slice(0, index).reduce((offset, line) => offset + line.length + 1, 0));
      for (const offset of offsets.slice(-5)) await flipByte(offset + 30);
      await expectRefused(offsets[3] ?? -1, /^checksum mismatch$/);
    });

    it("a read-only snapshot refuses a damaged last record too, rather than show a log without it", async () => {
      const offsets = await writeThreeRecords();
      await flipByte((offsets[2] ?? 0) + 30);
      await expect(openFileSnapshot(dir)).rejects.toThrow(`${logFile}: damaged record at byte offset ${offsets[2]} (checksum mismatch)`);
    });

    it("keeps a whole last record that lacks only its newline, and ends it", async () => {
      await writeThreeRecords();
      const size = (await readFile(logFile)).length;
      await truncate(logFile, size - 1);
      const onRepair = vi.fn();
      const store = await openStore({ onRepair });
      expect(await ids(store)).toEqual(["a0", "a1", "b0", "a2"]);
      expect(onRepair).toHaveBeenCalledWith(expect.objectContaining({ droppedBytes: 0, reason: expect.stringMatching(/added the newline/) }));
      await store.append("s", [event("a3")], 2);
      await store.close();
      const reopened = await openStore();
      expect(await ids(reopened)).toEqual(["a0", "a1", "b0", "a2", "a3"]);
    });
  });

  describe("exhaustively, on a small log", () => {
    it("a flipped bit at any byte stops the open; nothing is dropped", async () => {
      await writeThreeRecords();
      const original = await readFile(logFile);
      for (let at = 0; at < original.length; at++) {
        const damaged = Buffer.from(original);
        damaged[at] = (damaged[at] ?? 0) ^ 0x01;
        await writeFile(logFile, damaged);
        // The snapshot scans as the store does, without the lock's synced files: hundreds of opens stay fast.
        const opened = await openFileSnapshot(dir).then(
          async (store) => {
            await store.close();
            return "opened";
          },
          (error: unknown) => (error instanceof LogDamageError ? "refused" : String(error)),
        );
        expect(opened, `bit flipped at byte ${at}`).toBe("refused");
      }
      // And the store itself, on a flip in the last record.
      const damaged = Buffer.from(original);
      damaged[original.length - 3] = (damaged[original.length - 3] ?? 0) ^ 0x01;
      await writeFile(logFile, damaged);
      await expect(openFileEventStore({ dir })).rejects.toBeInstanceOf(LogDamageError);
      expect((await readFile(logFile)).equals(damaged)).toBe(true);
    });

    it("a crash at every 10th byte and at every byte near a record end keeps exactly the records written whole, and reports any cut", async () => {
      const offsets = await writeThreeRecords();
      const original = await readFile(logFile);
      const ends = [...offsets.slice(1), original.length];
      const all = ["a0", "a1", "b0", "a2"];
      const eventsOf = [2, 1, 1];
      const lengths = new Set([0, ...ends.flatMap((end) => [end - 2, end - 1, end, end + 1])]);
      for (let length = 0; length <= original.length; length += 10) lengths.add(length);
      for (const length of [...lengths].filter((n) => n <= original.length)) {
        await writeFile(logFile, original.subarray(0, length));
        const onRepair = vi.fn();
        const store = await openFileEventStore({ dir, onRepair, fsync: false });
        // A record is kept once all its bytes but the newline are there.
        const whole = ends.filter((end) => end - 1 <= length).length;
        const kept = all.slice(0, eventsOf.slice(0, whole).reduce((sum, n) => sum + n, 0));
        expect(await ids(store), `cut at ${length}`).toEqual(kept);
        expect(onRepair.mock.calls.length, `cut at ${length}`).toBe(ends.includes(length) || length === 0 ? 0 : 1);
        await store.close();
      }
    });
  });

  describe("damage before intact records", () => {
    it("fails to open, naming the file, byte offset and reason", async () => {
      const offsets = await writeThreeRecords();
      const before = await readFile(logFile);
      await flipByte((offsets[1] ?? 0) + 25);
      const onRepair = vi.fn();
      const failure = openFileEventStore({ dir, onRepair });
      await expect(failure).rejects.toThrow(logFile);
      await expect(failure).rejects.toThrow(`byte offset ${offsets[1]}`);
      await expect(failure).rejects.toThrow(/checksum mismatch/);
      expect(onRepair).not.toHaveBeenCalled();
      expect((await readFile(logFile)).length).toBe(before.length);
    });

    it("fails to open when an early record's newline is lost", async () => {
      const offsets = await writeThreeRecords();
      const bytes = await readFile(logFile);
      bytes[(offsets[1] ?? 0) - 1] = 0x20;
      await writeFile(logFile, bytes);
      await expect(openFileEventStore({ dir })).rejects.toThrow(/byte offset 0 \(checksum mismatch\)/);
    });

    it("fails to open on an intact record that breaks the position sequence", async () => {
      await writeThreeRecords();
      const [first = ""] = (await readFile(logFile, "utf8")).split("\n");
      await appendFile(logFile, `${first}\n`);
      const size = (await readFile(logFile)).length;
      await expect(openFileEventStore({ dir })).rejects.toThrow(`byte offset ${size - first.length - 1}`);
    });
  });
});
