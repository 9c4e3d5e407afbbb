/** The file store's on-disk index segments: written whole, read by binary search, refused when damaged. */
import { readdir, readFile, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FENCE_EVERY, IndexSegmentDamageError, openIndexSegment, streamHash, writeIndexSegment } from "../../src/adapters/eventstore/index-segment.ts";
import type { IndexSegment, SegmentContents, SegmentRecord } from "../../src/adapters/eventstore/index-segment.ts";
import { seededRandom } from "../support/seeded-random.ts";

let dir: string;
const opened: IndexSegment[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-index-segment-"));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((segment) => segment.close()));
  await rm(dir, { recursive: true, force: true });
});

async function openSegment(file: string): Promise<IndexSegment> {
  const segment = await openIndexSegment(file);
  opened.push(segment);
  return segment;
}

/** `streams` streams of `recordsEach` one-event records each, interleaved as a log would have them, 100 bytes each. */
function contents(names: string[], recordsEach: number, firstRecord = 0): SegmentContents {
  const byStream = new Map<string, SegmentRecord[]>(names.map((name) => [name, []]));
  const fences = [];
  let number = firstRecord;
  for (let revision = 0; revision < recordsEach; revision++) {
    for (const name of names) {
      const record = { number, offset: number * 100, length: 100, revision, position: number, count: 1 };
      if ((number - firstRecord) % FENCE_EVERY === 0) fences.push({ number, position: number, offset: number * 100 });
      byStream.get(name)!.push(record);
      number++;
    }
  }
  const last = number - 1;
  return {
    range: {
      firstRecord,
      endRecord: number,
      firstPosition: firstRecord,
      endPosition: number,
      startOffset: firstRecord * 100,
      endOffset: number * 100,
      lastRecordOffset: last * 100,
      lastRecordLength: 100,
    },
    streams: [...byStream].map(([streamId, records]) => ({ streamId, records })),
    fences,
  };
}

describe("index segments", () => {
  it("round-trip every stream's records and the range, and know nothing of other streams", async () => {
    const names = Array.from({ length: 500 }, (_, n) => `workflow-${n}`);
    const written = contents(names, 3);
    const file = join(dir, "segment-0-1500.idx");
    await writeIndexSegment(file, written, true);
    const segment = await openSegment(file);
    expect(segment.range).toEqual(written.range);
    expect(segment.streamCount()).toBe(500);
    for (const { streamId, records } of written.streams) expect(await segment.lookup(streamId)).toEqual(records);
    expect(await segment.lookup("workflow-500")).toBeUndefined();
    expect(await segment.lookup("")).toBeUndefined();
    // Only a hash that happens to match one of 500 costs a read: almost none of 1,000 others.
    const maybe = Array.from({ length: 1000 }, (_, n) => `other-${n}`).filter((name) => segment.mayHold(name));
    expect(maybe.length).toBeLessThan(5);
    expect(names.every((name) => segment.mayHold(name))).toBe(true);
    expect(await readdir(dir)).toEqual(["segment-0-1500.idx"]);
  });

  it("tells two streams with the same hash apart by name", async () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    // Random names meet a 32-bit hash twice within a few hundred thousand (the birthday bound).
    const next = seededRandom(9);
    while (!pair) {
      const name = `workflow-${Math.floor(next() * 2 ** 52).toString(36)}`;
      const other = seen.get(streamHash(name));
      if (other) pair = [other, name];
      seen.set(streamHash(name), name);
    }
    expect(streamHash(pair[0])).toBe(streamHash(pair[1]));
    const written = contents([pair[1], "unrelated", pair[0]], 2);
    const file = join(dir, "segment.idx");
    await writeIndexSegment(file, written, false);
    const segment = await openSegment(file);
    for (const { streamId, records } of written.streams) expect(await segment.lookup(streamId)).toEqual(records);
    expect(await segment.lookup(`${pair[0]}x`)).toBeUndefined();
  });

  it("finds the fence at or before a position", async () => {
    const written = contents(Array.from({ length: 10 }, (_, n) => `w${n}`), 100, 1000);
    const file = join(dir, "segment.idx");
    await writeIndexSegment(file, written, false);
    const segment = await openSegment(file);
    expect(written.fences.length).toBe(Math.ceil(1000 / FENCE_EVERY));
    expect(segment.fenceAtOrBefore(1000)).toEqual({ number: 1000, position: 1000, offset: 100_000 });
    expect(segment.fenceAtOrBefore(1000 + FENCE_EVERY - 1)).toEqual({ number: 1000, position: 1000, offset: 100_000 });
    expect(segment.fenceAtOrBefore(1000 + FENCE_EVERY + 3)).toMatchObject({ position: 1000 + FENCE_EVERY });
    expect(segment.fenceAtOrBefore(1999)).toMatchObject({ position: 1000 + 3 * FENCE_EVERY });
  });

  describe("a damaged segment is refused, never used", () => {
    async function written(): Promise<{ file: string; size: number }> {
      const file = join(dir, "segment.idx");
      await writeIndexSegment(file, contents(Array.from({ length: 40 }, (_, n) => `workflow-${n}`), 3), false);
      return { file, size: (await readFile(file)).length };
    }

    it("cut short anywhere", async () => {
      const { file, size } = await written();
      const whole = await readFile(file);
      for (const length of [0, 5, 12, 40, Math.floor(size / 2), size - 5, size - 1]) {
        await writeFile(file, whole.subarray(0, length));
        await expect(openIndexSegment(file), `cut to ${length} bytes`).rejects.toThrow(IndexSegmentDamageError);
      }
      await truncate(file, size - 1);
      await expect(openIndexSegment(file)).rejects.toThrow(/damaged index segment \(checksum mismatch\)/);
    });

    it("with a flipped bit in any of a spread of bytes, head, entries or checksum", async () => {
      const { file, size } = await written();
      const whole = await readFile(file);
      for (let offset = 0; offset < size; offset += 61) {
        const damaged = Buffer.from(whole);
        damaged[offset] = damaged[offset]! ^ 0x10;
        await writeFile(file, damaged);
        await expect(openIndexSegment(file), `bit flipped at byte ${offset}`).rejects.toThrow(IndexSegmentDamageError);
      }
    });

    it("that is not a segment at all", async () => {
      const file = join(dir, "segment.idx");
      await writeFile(file, "a text file, long enough to have a head\n");
      await expect(openIndexSegment(file)).rejects.toThrow(/not an index segment \(wrong magic\)/);
    });
  });
});
