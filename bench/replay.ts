/**
 * Replay throughput (issue 5): how fast every read model is rebuilt from the
 * store, next to the floor measured in the same run — reading the same events
 * with no projection work.
 *
 *   tsx bench/replay.ts [--workflows N] [--rounds N] [--out file.json]
 *
 * A log is generated once by running N three-task workflows to completion
 * through the engine on the file store; then each store under test is read
 * `--rounds` times (median reported). Stores: the file log, and EventStoreDB
 * through its adapter when one can be had (the test stand-in, see the README).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openFileEventStore } from "../src/adapters/eventstore/file.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../src/domain/definitions/requests.ts";
import { TaskDefSchema } from "../src/domain/definitions/task-def.ts";
import { parseOrThrow } from "../src/domain/definitions/validate.ts";
import { parseWorkflowDef } from "../src/domain/definitions/check-workflow-def.ts";
import type { EventStore } from "../src/domain/ports.ts";
import { createEngine } from "../src/engine/engine.ts";
import { replayAll } from "../src/engine/replay.ts";
import { replayStores } from "./replay-stores.ts";

const { values } = parseArgs({
  options: {
    workflows: { type: "string", default: process.env.BENCH_REPLAY_WORKFLOWS || "2000" },
    rounds: { type: "string", default: "3" },
    out: { type: "string" },
  },
});
const workflows = Number(values.workflows);
const rounds = Number(values.rounds);
if (!Number.isInteger(workflows) || workflows < 1 || !Number.isInteger(rounds) || rounds < 1) {
  console.error("bench/replay: --workflows and --rounds must be whole numbers >= 1");
  process.exit(2);
}

const source = { kind: "cli" as const, detail: "bench" };

/** Runs `count` three-task workflows to completion through the engine, on the file store in `dir`. */
async function generateLog(dir: string, count: number): Promise<void> {
  const store = await openFileEventStore({ dir, fsync: false });
  const engine = await createEngine({ store });
  await engine.registerTaskDef(parseOrThrow(TaskDefSchema, { name: "r_step", retryCount: 0 }, "task"), false, source);
  await engine.registerWorkflowDef(
    parseWorkflowDef({
      name: "r_flow",
      tasks: ["a", "b", "c"].map((ref, i) => ({
        name: "r_step",
        taskReferenceName: ref,
        inputParameters: { n: i === 0 ? "${workflow.input.n}" : `\${${["a", "b"][i - 1]}.output.n}` },
      })),
    }),
    false,
    source,
  );
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, (_, k) =>
        engine.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "r_flow", input: { n: i + k } }, "start"), source),
      ),
    );
  }
  for (;;) {
    const tasks = await engine.poll("r_step", { workerId: "bench", count: 500 });
    if (tasks.length === 0) break;
    await Promise.all(
      tasks.map((task) =>
        engine.updateTask(
          parseOrThrow(
            TaskResultSchema,
            {
              workflowInstanceId: task.workflowInstanceId,
              taskId: task.taskId,
              status: "COMPLETED",
              outputData: { n: Number((task.inputData as { n: number }).n) + 1 },
            },
            "result",
          ),
          source,
        ),
      ),
    );
  }
  await engine.close();
  await store.close();
}

/** Reads every event with no projection work: the floor. */
async function readOnly(store: EventStore): Promise<{ events: number; ms: number }> {
  const started = performance.now();
  let events = 0;
  for (let from = 0; ; ) {
    const page = await store.readAll({ fromPosition: from, maxCount: 10_000 });
    events += page.length;
    const last = page[page.length - 1];
    if (last === undefined || page.length < 10_000) break;
    from = last.position + 1;
  }
  return { events, ms: performance.now() - started };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "baton-replay-bench-"));
  try {
    const generated = performance.now();
    await generateLog(dir, workflows);
    const generatedMs = performance.now() - generated;
    const rows: Record<string, unknown>[] = [];
    for await (const { name, open, close } of replayStores(dir)) {
      const floor: number[] = [];
      const replay: number[] = [];
      let events = 0;
      // Both sides open the store from scratch (for the file log: read, checksum and
      // parse the file), so the floor is everything but the projection work.
      for (let round = 0; round < rounds; round++) {
        let started = performance.now();
        let store = await open();
        const read = await readOnly(store);
        floor.push((read.events * 1000) / (performance.now() - started));
        await close(store);
        started = performance.now();
        store = await open();
        const result = await replayAll(store);
        replay.push((result.events * 1000) / (performance.now() - started));
        events = result.events;
        await close(store);
      }
      const floorRate = median(floor);
      const replayRate = median(replay);
      rows.push({ store: name, events, floorEventsPerSecond: floorRate, replayEventsPerSecond: replayRate, ratio: replayRate / floorRate });
      console.log(
        `replay ${name.padEnd(22)} ${String(events).padStart(7)} events  read-only ${floorRate.toFixed(0).padStart(8)} ev/s  replay ${replayRate
          .toFixed(0)
          .padStart(8)} ev/s  = ${(replayRate / floorRate).toFixed(2)}x read-only`,
      );
    }
    console.log(`(log of ${workflows} three-task workflows generated in ${(generatedMs / 1000).toFixed(1)} s; median of ${rounds} rounds)`);
    if (values.out) await writeFile(values.out, JSON.stringify({ workflows, rounds, rows }, null, 2));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
