/**
 * What stays in memory for each finished workflow, measured on the JS heap
 * after a full collection: the file store's index entry of its stream and its
 * search digest. Both are kept for as long as the process runs (the index) or
 * up to BATON_SEARCHABLE_FINISHED (digests), so a few hundred bytes more per
 * workflow is hundreds of megabytes over a day of load.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogIndex } from "../../src/adapters/eventstore/file-index.ts";
import { openIndexSegment, writeIndexSegment } from "../../src/adapters/eventstore/index-segment.ts";
import type { WorkflowEvent } from "../../src/domain/workflow/events.ts";
import { foldWorkflow } from "../../src/domain/workflow/evolve.ts";
import { digestOf, type WorkflowDigest } from "../../src/projections/search.ts";
import { at, simpleTask, started, workflowDef } from "../support/decider-spec.ts";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe("the file store's index", () => {
  it("holds a stream of 8 records in about 100 bytes of JS heap, however its name was built", () => {
    const streams = 20_000;
    const index = createLogIndex();
    const before = heapAfterGc();
    for (let stream = 0, position = 0; stream < streams; stream++) {
      // Built as the engine builds stream names: a template around a random UUID.
      const streamId = `workflow-${crypto.randomUUID()}`;
      for (let revision = 0; revision < 8; revision++, position++) index.add(streamId, revision, position, 1, 300);
    }
    const perStream = (heapAfterGc() - before) / streams;
    expect(index.eventCount()).toBe(streams * 8);
    // Was ~790 bytes: a list of record numbers per stream, and the caller's string tree as key.
    expect(perStream).toBeLessThan(200);
  });

  it("finds a stream's records among others' by walking back from its last one", async () => {
    const numbers = async (found: Promise<Array<{ number: number }>>) => (await found).map((batch) => batch.number);
    const index = createLogIndex();
    let position = 0;
    // a: revisions 0, 1-2, 3 ; b: 0-1, 2 ; interleaved.
    const a0 = index.add("a", 0, position, 1, 10);
    position += 1;
    const b0 = index.add("b", 0, position, 2, 10);
    position += 2;
    const a1 = index.add("a", 1, position, 2, 10);
    position += 2;
    const b2 = index.add("b", 2, position, 1, 10);
    position += 1;
    const a3 = index.add("a", 3, position, 1, 10);
    expect(await numbers(index.streamBatches("a", 0, 3))).toEqual([a0, a1, a3]);
    expect(await numbers(index.streamBatches("a", 2, 2))).toEqual([a1]);
    expect(await numbers(index.streamBatches("a", 2, 3))).toEqual([a1, a3]);
    expect(await numbers(index.streamBatches("a", 3, 10))).toEqual([a3]);
    expect(await numbers(index.streamBatches("a", 0, 0))).toEqual([a0]);
    expect(await numbers(index.streamBatches("b", 1, 2))).toEqual([b0, b2]);
    expect(await numbers(index.streamBatches("b", 3, 2))).toEqual([]);
    expect(await numbers(index.streamBatches("c", 0, 5))).toEqual([]);
    expect(index.lastRevision("a")).toBe(3);
    expect(index.lastRevision("b")).toBe(2);
    expect(index.batch(a1)).toMatchObject({ streamId: "a", revision: 1, count: 2, position: 3 });
  });
});

describe("the file store's index, frozen", () => {
  it("keeps about 8 bytes per stream in memory once the stream's records are in a segment on disk", async () => {
    // Enough streams that the fixed costs (code, buffers, the 100 records left in memory) are a few bytes each.
    const streams = 60_000;
    const dir = await mkdtemp(join(tmpdir(), "baton-retained-index-"));
    try {
      const index = createLogIndex();
      const memory = () => {
        collectGarbage();
        collectGarbage();
        const { heapUsed, arrayBuffers } = process.memoryUsage();
        return heapUsed + arrayBuffers;
      };
      const before = memory();
      for (let stream = 0, position = 0; stream < streams; stream++) {
        const streamId = `workflow-${crypto.randomUUID()}`;
        for (let revision = 0; revision < 8; revision++, position++) index.add(streamId, revision, position, 1, 300);
      }
      const whole = (memory() - before) / streams;
      const cut = index.firstHotRecord() + index.hotRecords() - 100;
      const file = join(dir, "segment.idx");
      await writeIndexSegment(file, index.frozenContents(cut), false);
      const segment = await openIndexSegment(file);
      index.frozen(segment);
      const frozen = (memory() - before) / streams;
      expect(index.hotRecords()).toBe(100);
      // Was ~440 bytes (the heap's map entry and name plus 8 records' columns), and stayed for as long as the store was open.
      expect(whole).toBeGreaterThan(300);
      expect(frozen).toBeLessThan(24);
      expect(index.lastRevision("workflow-unknown")).toBe(-1);
      await segment.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("search digests", () => {
  it("keep their 256 characters, not the workflow's whole input and output they were cut from", () => {
    const count = 200;
    const definition = workflowDef([simpleTask("step")], { name: "orders" });
    const digests: WorkflowDigest[] = [];
    const before = heapAfterGc();
    for (let n = 0; n < count; n++) {
      const workflowId = `wf-${crypto.randomUUID()}`;
      // Lower case, as JSON payloads often are: `toLowerCase` then returns its input unchanged.
      const events: WorkflowEvent[] = [
        started(definition, { note: "x".repeat(64 * 1024), n }, at(n), { workflowId }),
        { type: "WorkflowCompleted", data: { output: { done: "y".repeat(16 * 1024) }, time: at(n + 1) } },
      ];
      digests.push(digestOf(foldWorkflow(events)));
    }
    const perDigest = (heapAfterGc() - before) / count;
    expect(digests).toHaveLength(count);
    expect(digests[0]!.text).toHaveLength(256);
    // Was over 80 KB: the text was a view into the joined id, name, input and output.
    expect(perDigest).toBeLessThan(4 * 1024);
  });
});
