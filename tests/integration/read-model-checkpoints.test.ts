/**
 * Read-model checkpoints: a restart starts from the checkpoint and folds only
 * the events after it, with read models equal to a full rebuild; a checkpoint
 * that is damaged, or belongs to another log, is refused and the read models
 * are rebuilt from the log.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsCheckpointStore } from "../../src/adapters/checkpoints/fs.ts";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../../src/domain/definitions/requests.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import type { EventStore } from "../../src/domain/ports.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { READ_MODEL_CHECKPOINT } from "../../src/engine/read-side.ts";
import { replayAll } from "../../src/engine/replay.ts";
import { snapshotReadModels } from "../../src/projections/read-model-snapshot.ts";
import { removeDir } from "../support/baton.ts";

const rest = { kind: "rest" as const };

/** Counts the events the store hands to subscribers. */
function counting(store: EventStore): EventStore & { delivered: () => number } {
  let delivered = 0;
  return {
    ...store,
    append: store.append.bind(store),
    readStream: store.readStream.bind(store),
    readAll: store.readAll.bind(store),
    close: store.close.bind(store),
    subscribeToAll: (handler, options) =>
      store.subscribeToAll((event) => {
        delivered++;
        return handler(event);
      }, options),
    delivered: () => delivered,
  };
}

describe("read-model checkpoints", () => {
  const dirs: string[] = [];
  const open: { engine: Engine; store: EventStore }[] = [];
  afterEach(async () => {
    for (const { engine, store } of open.splice(0)) {
      await engine.close();
      await store.close();
    }
    for (const dir of dirs.splice(0)) await removeDir(dir);
  });

  async function boot(dir: string, warnings: string[] = []) {
    const store = counting(await openFileEventStore({ dir, fsync: false }));
    const engine = await createEngine({
      store,
      checkpoints: createFsCheckpointStore(join(dir, "checkpoints")),
      retention: { finishedInMemory: 2 },
      logger: { info: () => {}, error: (message) => warnings.push(message) },
    });
    open.push({ engine, store });
    return { engine, store };
  }

  async function stop(engine: Engine) {
    const index = open.findIndex((o) => o.engine === engine);
    const [{ store }] = open.splice(index, 1) as [{ engine: Engine; store: EventStore }];
    await engine.close();
    await store.close();
  }

  /** Six workflows: four finished (two of them left memory), two waiting for a worker. */
  async function someHistory(engine: Engine): Promise<string[]> {
    await engine.registerWorkflowDef(parseWorkflowDef({ name: "cp", tasks: [{ name: "cp_task", taskReferenceName: "t" }] }), false, rest);
    const ids: string[] = [];
    for (let n = 0; n < 6; n++) {
      const id = await engine.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "cp", input: { n } }, "start"), rest);
      ids.push(id);
      if (n >= 4) continue;
      const [task] = await engine.poll("cp_task", { workerId: "w" });
      await engine.updateTask(parseOrThrow(TaskResultSchema, { workflowInstanceId: task!.workflowInstanceId, taskId: task!.taskId, status: "COMPLETED" }, "result"), rest);
    }
    return ids;
  }

  async function newDir() {
    const dir = await mkdtemp(join(tmpdir(), "baton-checkpoint-"));
    dirs.push(dir);
    return dir;
  }

  it("restarts from the checkpoint written on close, folding nothing, with the read models a full rebuild gives", async () => {
    const dir = await newDir();
    const first = await boot(dir);
    const ids = await someHistory(first.engine);
    const before = snapshotReadModels(first.engine.models);
    await stop(first.engine);

    const second = await boot(dir);
    expect(second.store.delivered()).toBe(0);
    expect(snapshotReadModels(second.engine.models)).toEqual(before);
    const rebuilt = await replayAll(second.store);
    // The checkpoint holds what stayed in memory; the rebuild holds every workflow.
    expect(snapshotReadModels(second.engine.models).workflows).toEqual(
      Object.fromEntries(Object.entries(snapshotReadModels(rebuilt.models).workflows).filter(([id]) => id in before.workflows)),
    );
    expect((await second.engine.search({ size: 10 })).totalHits).toBe(6);

    // It runs on: a waiting task is handed out and the workflow completes.
    const [task] = await second.engine.poll("cp_task", { workerId: "w" });
    expect(ids.slice(4)).toContain(task!.workflowInstanceId);
    await second.engine.updateTask(parseOrThrow(TaskResultSchema, { workflowInstanceId: task!.workflowInstanceId, taskId: task!.taskId, status: "COMPLETED" }, "result"), rest);
    expect((await second.engine.loadWorkflow(String(task!.workflowInstanceId))).status).toBe("COMPLETED");
    const delivered = second.store.delivered();
    expect(delivered).toBeGreaterThan(0);
    await stop(second.engine);

    const third = await boot(dir);
    expect(third.store.delivered()).toBe(0);
    expect((await third.engine.loadWorkflow(String(task!.workflowInstanceId))).status).toBe("COMPLETED");
  });

  it("refuses a damaged checkpoint, and one of another log, and rebuilds from the log", async () => {
    const dir = await newDir();
    const first = await boot(dir);
    await someHistory(first.engine);
    const before = snapshotReadModels(first.engine.models);
    await stop(first.engine);
    const reader = await openFileEventStore({ dir, fsync: false });
    const total = (await replayAll(reader)).events;
    await reader.close();

    const file = join(dir, "checkpoints", `${READ_MODEL_CHECKPOINT}.json`);
    const good = await readFile(file, "utf8");
    await writeFile(file, good.slice(0, good.length / 2));
    const warnings: string[] = [];
    const damaged = await boot(dir, warnings);
    expect(damaged.store.delivered()).toBe(total);
    expect(snapshotReadModels(damaged.engine.models)).toEqual(before);
    expect(warnings.join("\n")).toMatch(/ignoring the read-model checkpoint \(not JSON/);
    await stop(damaged.engine);

    // The checkpoint of this log, next to another log with the same number of events.
    const other = await newDir();
    const stranger = await boot(other);
    await someHistory(stranger.engine);
    await stop(stranger.engine);
    await writeFile(join(other, "checkpoints", `${READ_MODEL_CHECKPOINT}.json`), good);
    const otherWarnings: string[] = [];
    const mismatched = await boot(other, otherWarnings);
    expect(mismatched.store.delivered()).toBe(total);
    expect(otherWarnings.join("\n")).toMatch(/does not hold the event it ends with/);
    expect(Object.keys(snapshotReadModels(mismatched.engine.models).workflows)).not.toEqual(Object.keys(before.workflows));
  });
});
