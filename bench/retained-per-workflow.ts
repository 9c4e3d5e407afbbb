/**
 * What each finished workflow leaves in memory, counted rather than timed (so
 * a loaded machine slows it but does not change the figure): Baton's engine
 * in-process on the file store (fsync off) runs `--workflows` three-task
 * workflows, 20 at a time, and reads memory after a full GC once `--warm` have
 * finished (digests at their bound, `--searchable`; the write-side cache and
 * finished workflows in memory at 200, the file store's index in memory at
 * `--hot-records`, default 2,000 records, about 200 workflows) and at the end.
 *
 *   npx tsx bench/retained-per-workflow.ts --workflows 6000 --warm 2000 [--hot-records 2000]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { openFileEventStore } from "../src/adapters/eventstore/file.ts";
import { parseWorkflowDef } from "../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../src/domain/definitions/requests.ts";
import { parseOrThrow } from "../src/domain/definitions/validate.ts";
import { createEngine } from "../src/engine/engine.ts";

const { values } = parseArgs({
  options: {
    workflows: { type: "string", default: "6000" },
    warm: { type: "string", default: "2000" },
    searchable: { type: "string", default: "1000" },
    "hot-records": { type: "string", default: "2000" },
  },
});
const total = Number(values.workflows);
const warm = Number(values.warm);
const searchable = Number(values.searchable);
if (!(warm > searchable && total > warm)) throw new Error("--workflows > --warm > --searchable expected");

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
const memory = () => {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage();
};

const rest = { kind: "rest" as const };
const dir = await mkdtemp(join(tmpdir(), "baton-retained-"));
const store = await openFileEventStore({ dir, fsync: false, hotRecords: Number(values["hot-records"]) });
// The write-side cache (default 5,000 workflows) is kept small so that it is full before `--warm`.
const engine = await createEngine({ store, writeCacheSize: 200, retention: { finishedInMemory: 200, searchableFinished: searchable } });
const tasks = ["ret_a", "ret_b", "ret_c"];
await engine.registerWorkflowDef(
  parseWorkflowDef({ name: "ret_flow", tasks: tasks.map((name) => ({ name, taskReferenceName: name, inputParameters: { order: "${workflow.input.order}" } })) }),
  false,
  rest,
);

async function runOne(order: number): Promise<void> {
  await engine.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "ret_flow", input: { order, note: "x".repeat(200) } }, "start"), rest);
  for (const type of tasks) {
    const [task] = await engine.poll(type, { workerId: "w", timeoutMs: 5000 });
    if (!task) throw new Error(`no ${type} task to poll`);
    await engine.updateTask(parseOrThrow(TaskResultSchema, { workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, status: "COMPLETED", outputData: { done: type, order } }, "result"), rest);
  }
}

async function runUpTo(count: number, from: number): Promise<void> {
  let next = from;
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (next < count) await runOne(next++);
  }));
}

const started = performance.now();
await runUpTo(warm, 0);
const atWarm = memory();
await runUpTo(total, warm);
const atEnd = memory();
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const per = (field: keyof NodeJS.MemoryUsage) => ((atEnd[field] - atWarm[field]) / (total - warm)).toFixed(0);
console.log(`${total} workflows in ${((performance.now() - started) / 1000).toFixed(1)} s; memory after a full GC at ${warm} -> ${total}:`);
for (const field of ["heapUsed", "heapTotal", "external", "arrayBuffers", "rss"] as const) {
  console.log(`  ${field.padEnd(12)} ${mib(atWarm[field]).padStart(7)} -> ${mib(atEnd[field]).padStart(7)} MiB, ${per(field).padStart(6)} bytes per workflow`);
}
await engine.close();
await store.close();
await rm(dir, { recursive: true, force: true });
