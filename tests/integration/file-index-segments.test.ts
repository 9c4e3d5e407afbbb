/**
 * The file store with its index mostly frozen into on-disk segments: a stream
 * that lives only in a segment is read, appended to at the right revision,
 * and survives a restart; a damaged or stale segment is detected, deleted and
 * the index rebuilt from the log, with nothing lost.
 */
import { cp, mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import type { FileEventStoreOptions } from "../../src/adapters/eventstore/file.ts";
import { openIndexSegment } from "../../src/adapters/eventstore/index-segment.ts";
import { ConcurrencyError } from "../../src/domain/errors.ts";
import type { EventStore, NewEvent, RecordedEvent } from "../../src/domain/ports.ts";

let dir: string;
const open: EventStore[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-index-segments-"));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
  await rm(dir, { recursive: true, force: true });
});

const HOT = 4;
const STREAMS = 40;
const APPENDS = 3;

async function openStore(options: Partial<FileEventStoreOptions> = {}, at = dir): Promise<EventStore> {
  const store = await openFileEventStore({ dir: at, hotRecords: HOT, ...options });
  open.push(store);
  return store;
}

const event = (id: string): NewEvent => ({ id, type: "Happened", data: { id, padding: "p".repeat(50) } });

/** STREAMS streams of APPENDS appends (2 events each), interleaved: the first streams end long before the log does. */
async function writeStreams(store: EventStore): Promise<void> {
  for (let append = 0; append < APPENDS; append++) {
    for (let stream = 0; stream < STREAMS; stream++) {
      await store.append(`workflow-${stream}`, [event(`${stream}/${append}a`), event(`${stream}/${append}b`)], append === 0 ? "no_stream" : append * 2 - 1);
    }
  }
}

async function segmentFiles(at = dir): Promise<string[]> {
  return (await readdir(join(at, "index")).catch(() => [])).filter((name) => name.endsWith(".idx"));
}

/** The records the segments cover: freezing runs in the background, so wait for it to reach `records`. */
async function frozenUpTo(records: number, at = dir): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ends = (await segmentFiles(at)).map((name) => Number(/-(\d+)\.idx$/.exec(name)![1]));
    const end = Math.max(0, ...ends);
    if (end >= records || Date.now() > deadline) return end;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ids = (events: RecordedEvent[]) => events.map((recorded) => recorded.id);

describe("file store index segments", () => {
  it("reads, appends to and retries a stream known only to a segment, and keeps it all across a restart", async () => {
    const store = await openStore();
    await writeStreams(store);
    const records = STREAMS * APPENDS;
    // Freezing leaves HOT to 2 x HOT records in memory.
    expect(await frozenUpTo(records - 2 * HOT)).toBeGreaterThanOrEqual(records - 2 * HOT);
    // workflow-0's last record is among the first of the last round: frozen, and in a segment.
    const holders = [];
    for (const name of await segmentFiles()) {
      const segment = await openIndexSegment(join(dir, "index", name));
      if (await segment.lookup("workflow-0")) holders.push(name);
      await segment.close();
    }
    expect(holders.length).toBeGreaterThanOrEqual(1);

    expect(ids(await store.readStream("workflow-0"))).toEqual(["0/0a", "0/0b", "0/1a", "0/1b", "0/2a", "0/2b"]);
    expect(ids(await store.readStream("workflow-0", { direction: "backwards", maxCount: 3 }))).toEqual(["0/2b", "0/2a", "0/1b"]);
    expect(ids(await store.readStream("workflow-1", { fromRevision: 3, maxCount: 2 }))).toEqual(["1/1b", "1/2a"]);
    // The revision a segment holds is the one appends are checked against.
    await expect(store.append("workflow-0", [event("0/late")], 4)).rejects.toThrow(ConcurrencyError);
    await expect(store.append("workflow-2", [event("2/late")], "no_stream")).rejects.toThrow(ConcurrencyError);
    expect(await store.append("workflow-3", [], 5)).toMatchObject({ nextExpectedRevision: 5 });
    const appended = await store.append("workflow-0", [event("0/3a")], 5);
    expect(appended.nextExpectedRevision).toBe(6);
    // A retry of an append whose record is frozen: recognised from the disk.
    expect(await store.append("workflow-1", [event("1/0a"), event("1/0b")], "no_stream")).toMatchObject({ nextExpectedRevision: 1 });
    // Concurrent appends at the same frozen revision: exactly one wins.
    const racing = await Promise.allSettled(Array.from({ length: 5 }, (_, n) => store.append("workflow-4", [event(`4/race${n}`)], 5)));
    expect(racing.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const lost of racing.filter((result) => result.status === "rejected")) expect(lost.reason).toBeInstanceOf(ConcurrencyError);

    const all = ids(await store.readAll());
    expect(all).toHaveLength(STREAMS * APPENDS * 2 + 2);
    const caughtUp: string[] = [];
    await new Promise<void>((resolve) => {
      const subscription = store.subscribeToAll((recorded) => void caughtUp.push(recorded.id), { onCaughtUp: () => void subscription.close().then(resolve) });
    });
    expect(caughtUp).toEqual(all);
    expect(ids(await store.readAll({ fromPosition: 37, maxCount: 5 }))).toEqual(all.slice(37, 42));
    await store.close();
    open.splice(0);

    const problems: string[] = [];
    const reopened = await openStore({ onIndexProblem: (reason) => problems.push(reason) });
    expect(problems).toEqual([]);
    expect(ids(await reopened.readAll())).toEqual(all);
    expect(ids(await reopened.readStream("workflow-0"))).toEqual(["0/0a", "0/0b", "0/1a", "0/1b", "0/2a", "0/2b", "0/3a"]);
    await expect(reopened.append("workflow-0", [event("0/stale")], 5)).rejects.toThrow(ConcurrencyError);
    expect((await reopened.append("workflow-0", [event("0/4a")], 6)).nextExpectedRevision).toBe(7);
    expect((await reopened.append("workflow-new", [event("new")], "no_stream")).nextExpectedRevision).toBe(0);
  });

  describe("a segment that cannot be trusted is deleted and the index rebuilt from the log", () => {
    async function frozenStore(): Promise<string[]> {
      const store = await openStore();
      await writeStreams(store);
      await frozenUpTo(STREAMS * APPENDS - 2 * HOT);
      const all = ids(await store.readAll());
      await store.close();
      open.splice(0);
      expect((await segmentFiles()).length).toBeGreaterThan(0);
      return all;
    }

    async function reopensWhole(all: string[], problem: RegExp): Promise<void> {
      const problems: string[] = [];
      const store = await openStore({ hotRecords: 1_000, onIndexProblem: (reason) => problems.push(reason) });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(problem);
      expect(await segmentFiles()).toEqual([]);
      expect(ids(await store.readAll())).toEqual(all);
      await expect(store.append("workflow-0", [event("0/stale")], 4)).rejects.toThrow(ConcurrencyError);
      expect((await store.append("workflow-0", [event("0/3a")], 5)).nextExpectedRevision).toBe(6);
    }

    it("a segment with a flipped byte", async () => {
      const all = await frozenStore();
      const [first] = (await segmentFiles()).sort();
      const file = join(dir, "index", first!);
      const bytes = await readFile(file);
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = bytes[middle]! ^ 0x01;
      await writeFile(file, bytes);
      await reopensWhole(all, /damaged index segment \(checksum mismatch\)/);
    });

    it("a truncated segment", async () => {
      const all = await frozenStore();
      const [first] = (await segmentFiles()).sort();
      await truncate(join(dir, "index", first!), 30);
      await reopensWhole(all, /damaged index segment/);
    });

    it("a missing segment in the middle", async () => {
      const all = await frozenStore();
      const files = (await segmentFiles()).sort((a, b) => Number(/-(\d+)-/.exec(a)![1]) - Number(/-(\d+)-/.exec(b)![1]));
      if (files.length < 2) throw new Error(`expected several segments, found ${files.length}`);
      await rm(join(dir, "index", files[0]!));
      await reopensWhole(all, /does not continue the segment before it/);
    });

    it("segments of another log", async () => {
      await frozenStore();
      const other = await mkdtemp(join(tmpdir(), "baton-index-segments-other-"));
      try {
        const store = await openStore({ hotRecords: 1_000 }, other);
        for (let n = 0; n < 150; n++) await store.append(`other-${n}`, [event(`o${n}`)], "no_stream");
        const all = ids(await store.readAll());
        await store.close();
        open.splice(0);
        await cp(join(dir, "index"), join(other, "index"), { recursive: true });
        const problems: string[] = [];
        const reopened = await openStore({ hotRecords: 1_000, onIndexProblem: (reason) => problems.push(reason) }, other);
        expect(problems.join("\n")).toMatch(/changed since the segment was written/);
        expect(ids(await reopened.readAll())).toEqual(all);
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    });

    it("a temp file a crash left mid-write is removed and never read", async () => {
      const all = await frozenStore();
      await writeFile(join(dir, "index", "segment-999-1000.idx.tmp"), "half a segment");
      const problems: string[] = [];
      const store = await openStore({ onIndexProblem: (reason) => problems.push(reason) });
      expect(problems).toEqual([]);
      expect((await readdir(join(dir, "index"))).some((name) => name.endsWith(".tmp"))).toBe(false);
      expect(ids(await store.readAll())).toEqual(all);
    });
  });
});
