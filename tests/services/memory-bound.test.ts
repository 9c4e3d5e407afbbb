/**
 * Bounded memory over a long in-process run: Baton on the file store (fsync
 * on) runs three-task workflows without pause for about two minutes, and the
 * JS heap after the first third grows by far less per finished workflow than
 * it would if every event and every finished workflow stayed in memory (over
 * 10 KB per workflow before the read models and the file store were bounded).
 * What may still grow is written down: the file store's index (about 40 bytes
 * a record in typed arrays, off the JS heap, and about 110 bytes of heap a
 * stream; tests/unit/retained-memory.test.ts) and search digests of finished
 * workflows (up to their bound, 5,000 here, reached in the first third). The
 * write-side cache is kept at 200 workflows so that it is full long before the
 * first third on a slow machine too (at its default, 5,000, it filled after
 * the warm point on a loaded machine and counted ~4.5 KB a workflow).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../../src/domain/definitions/requests.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import type { EventStore } from "../../src/domain/ports.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { removeDir } from "../support/baton.ts";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** Heap in use after a full collection. */
function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const RUN_MS = 120_000;
const IN_FLIGHT = 20;
/** Workflows started per second, at most: sustained load, not a race to fill the disk. */
const RATE = 200;
const rest = { kind: "rest" as const };

describe("memory under sustained load (in-process, file store)", () => {
  let dir: string | undefined;
  let engine: Engine | undefined;
  let store: EventStore | undefined;
  afterAll(async () => {
    await engine?.close();
    await store?.close();
    await removeDir(dir);
  });

  it("grows by no more than the file store's index entry per finished workflow once warm", async () => {
    dir = await mkdtemp(join(tmpdir(), "baton-memory-"));
    store = await openFileEventStore({ dir });
    engine = await createEngine({ store, writeCacheSize: 200, retention: { finishedInMemory: 200, searchableFinished: 5000 } });
    const e = engine;
    const tasks = ["mem_a", "mem_b", "mem_c"];
    await e.registerWorkflowDef(
      parseWorkflowDef({
        name: "mem_flow",
        tasks: tasks.map((name) => ({ name, taskReferenceName: name, inputParameters: { order: "${workflow.input.order}" } })),
      }),
      false,
      rest,
    );

    let completed = 0;
    let failed = 0;
    const started = Date.now();
    const samples: { at: number; completed: number; heap: number }[] = [];

    async function runOne(order: number): Promise<void> {
      const id = await e.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "mem_flow", input: { order, note: "x".repeat(200) } }, "start"), rest);
      for (const type of tasks) {
        const [task] = await e.poll(type, { workerId: "w", timeoutMs: 5000 });
        if (!task) throw new Error(`no ${type} task to poll for ${id}`);
        const result = { workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, status: "COMPLETED", outputData: { done: type, order } };
        await e.updateTask(parseOrThrow(TaskResultSchema, result, "result"), rest);
      }
    }

    async function worker(slot: number): Promise<void> {
      for (let n = slot; Date.now() - started < RUN_MS; n += IN_FLIGHT) {
        const due = started + (n * 1000) / RATE;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        try {
          await runOne(n);
          completed++;
        } catch {
          failed++;
        }
      }
    }

    const sampler = setInterval(() => samples.push({ at: Date.now() - started, completed, heap: process.memoryUsage().heapUsed }), 5000);
    const firstThird = new Promise<{ completed: number; heap: number }>((resolve) =>
      setTimeout(() => resolve({ completed, heap: heapUsed() }), RUN_MS / 3),
    );
    await Promise.all(Array.from({ length: IN_FLIGHT }, (_, slot) => worker(slot)));
    clearInterval(sampler);
    const warm = await firstThird;
    const end = { completed, heap: heapUsed() };

    const finishedSinceWarm = end.completed - warm.completed;
    const bytesPerWorkflow = (end.heap - warm.heap) / finishedSinceWarm;
    console.info(
      `memory-bound: ${completed} workflows (${failed} failed) in ${RUN_MS / 1000} s; heap ${(warm.heap / 2 ** 20).toFixed(1)} MiB ` +
        `after ${warm.completed} -> ${(end.heap / 2 ** 20).toFixed(1)} MiB after ${end.completed}: ${bytesPerWorkflow.toFixed(0)} bytes per workflow; ` +
        `in memory: ${e.models.workflows.size} workflows, ${e.models.taskIndex.size} task ids`,
    );
    expect(failed).toBe(0);
    expect(finishedSinceWarm).toBeGreaterThan(500);
    // Only active and the 200 most recent finished workflows are held whole.
    expect(e.models.workflows.size).toBeLessThanOrEqual(200 + IN_FLIGHT);
    expect(e.models.taskIndex.size).toBeLessThanOrEqual((200 + IN_FLIGHT) * tasks.length);
    // Past 5,000 finished workflows the digests stop growing: what is left on the heap is
    // the file store's index entry of the workflow's stream, about 110 bytes (its records'
    // entries are off the heap). Was 329-458 bytes before the index kept no per-stream
    // record list and copied stream names.
    expect(bytesPerWorkflow).toBeLessThan(400);
  }, RUN_MS + 60_000);
});
