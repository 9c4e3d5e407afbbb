/**
 * Partitioned ownership (issue 13) on one shared memory store: members split
 * the partitions, a silent member's partitions are taken over within the
 * takeover time, a leaving member's at the next heartbeat, and timers and
 * reactors of a workflow run on its owner only, whichever process the
 * command that made them due came through.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { partitionOf } from "../../src/domain/cluster/partitions.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../../src/domain/definitions/requests.ts";
import { TaskDefSchema } from "../../src/domain/definitions/task-def.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";
import { MEMBERS_STREAM } from "../../src/domain/cluster/membership.ts";
import type { EventStore } from "../../src/domain/ports.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { joinCluster, type Ownership } from "../../src/engine/ownership.ts";
import { eventually } from "../support/baton.ts";

const rest = { kind: "rest" as const };
const silent = { info: () => {}, error: () => {} };
const PARTITIONS = 16;

function member(store: EventStore, nodeId: string, onAcquired: (gained: ReadonlySet<number>) => void = () => {}) {
  return joinCluster({
    store,
    nodeId,
    partitions: PARTITIONS,
    heartbeatMs: 40,
    takeoverMs: 400,
    clock: Date.now,
    newId: () => crypto.randomUUID(),
    logger: silent,
    caughtUpTo: async () => {},
    onAcquired,
  });
}

const owned = (ownership: Ownership) => ownership.status().partitions.owned;

describe("cluster ownership on a shared store", () => {
  const members: Ownership[] = [];
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    for (const ownership of members.splice(0)) await ownership.close({ leave: false });
  });

  it("splits the partitions between live members, disjoint and complete", async () => {
    const store = createMemoryEventStore();
    const a = await member(store, "a");
    const b = await member(store, "b");
    const c = await member(store, "c");
    members.push(a, b, c);
    await eventually(async () => ([a, b, c].every((m) => m.status().members?.length === 3) ? true : undefined), 5_000, 20);
    const all = [...owned(a), ...owned(b), ...owned(c)].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
    for (const m of [a, b, c]) expect(owned(m).length).toBeGreaterThan(0);
    // owns() agrees with the partitions reported.
    const id = "5b6c0d3e-0000-4000-8000-000000000001";
    expect([a, b, c].filter((m) => m.owns(id)).map((m) => m.status().node)).toHaveLength(1);
  });

  it("takes over a silent member's partitions after the takeover time, and counts the takeover", async () => {
    const store = createMemoryEventStore();
    const gainedByA: number[] = [];
    const a = await member(store, "a", (gained) => gainedByA.push(...gained));
    const b = await member(store, "b");
    members.push(a);
    await eventually(async () => (a.status().members?.length === 2 ? true : undefined), 5_000, 20);
    const hadB = owned(b);
    expect(hadB.length).toBeGreaterThan(0);
    gainedByA.length = 0;
    const diedAt = Date.now();
    await b.close({ leave: false }); // like SIGKILL: no goodbye
    await eventually(async () => (owned(a).length === PARTITIONS ? true : undefined), 5_000, 10);
    const took = Date.now() - diedAt;
    expect(took).toBeGreaterThanOrEqual(300); // not before the takeover time (400 ms, less one heartbeat of slack)...
    expect(took).toBeLessThan(2_000); // ...and within it plus a heartbeat or two
    expect(gainedByA.sort((x, y) => x - y)).toEqual(hadB);
    expect(a.status().takeovers).toBe(hadB.length);
    expect(a.status().members).toEqual(["a"]);
  });

  it("hands a leaving member's partitions over at the next heartbeat", async () => {
    const store = createMemoryEventStore();
    const a = await member(store, "a");
    const b = await member(store, "b");
    members.push(a);
    await eventually(async () => (a.status().members?.length === 2 ? true : undefined), 5_000, 20);
    const leftAt = Date.now();
    await b.close({ leave: true });
    await eventually(async () => (owned(a).length === PARTITIONS ? true : undefined), 5_000, 5);
    expect(Date.now() - leftAt).toBeLessThan(300); // well before the 400 ms takeover time
  });

  it("runs timers and reactors on the owner only, whichever process took the command", async () => {
    const store = createMemoryEventStore();
    const boot = async (name: string) => {
      const engine = await createEngine({
        store,
        sweepIntervalMs: 20,
        // The engine's ids name it, so every event's causationId tells which process decided it.
        newId: () => `${name}-${crypto.randomUUID()}`,
        cluster: { nodeId: name, partitions: PARTITIONS, heartbeatMs: 40, takeoverMs: 400 },
      });
      engines.push(engine);
      return engine;
    };
    const a = await boot("a");
    const b = await boot("b");
    await eventually(async () => ([a, b].every((e) => e.ownershipStatus().members?.length === 2) ? true : undefined), 5_000, 20);

    await a.registerTaskDef(parseOrThrow(TaskDefSchema, { name: "own_step", retryCount: 0 }, "task"), false, rest);
    await a.registerWorkflowDef(
      parseWorkflowDef({
        name: "own_flow",
        tasks: [
          { name: "own_step", taskReferenceName: "work" },
          { name: "pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "1 seconds" } },
          { name: "tell", taskReferenceName: "tell", type: "EVENT", sink: "own_topic" },
        ],
      }),
      false,
      rest,
    );
    await eventually(async () => (b.listWorkflowDefs().length > 0 ? true : undefined), 5_000, 10);
    const ids: string[] = [];
    for (let n = 0; n < 24; n++) {
      const via = n % 2 === 0 ? a : b;
      ids.push(await via.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "own_flow", input: { n } }, "start"), rest));
    }
    const ownerOf = (id: string) => (a.ownershipStatus().partitions.owned.includes(partitionOf(id, PARTITIONS)) ? "a" : "b");
    expect(new Set(ids.map(ownerOf))).toEqual(new Set(["a", "b"]));

    // The worker's completion goes to the process that does not own the workflow.
    for (const id of ids) {
      const notOwner = ownerOf(id) === "a" ? b : a;
      const [task] = await eventually(async () => {
        const polled = await notOwner.poll("own_step", { workerId: "w", count: 1 });
        return polled.length > 0 ? polled : undefined;
      }, 5_000, 10);
      await notOwner.updateTask(
        parseOrThrow(TaskResultSchema, { workflowInstanceId: String(task!.workflowInstanceId), taskId: String(task!.taskId), status: "COMPLETED" }, "result"),
        rest,
      );
    }
    await eventually(async () => (ids.every((id) => a.models.workflows.get(id)?.status === "COMPLETED") ? true : undefined), 10_000, 20);

    const decidedBy = (event: { metadata: { causationId?: string } }) => event.metadata.causationId?.split("-")[0];
    for (const id of ids) {
      const events = await store.readStream(`workflow-${id}`);
      const taskIdOf = (ref: string) =>
        (events.find((e) => e.type === "TaskScheduled" && (e.data as { referenceTaskName: string }).referenceTaskName === ref)!.data as { taskId: string }).taskId;
      const byTask = (type: string, taskId: string) => events.filter((e) => e.type === type && (e.data as { taskId: string }).taskId === taskId);
      // The WAIT's timer fired once, on the owner.
      const waitDone = byTask("TaskCompleted", taskIdOf("pause"));
      expect(waitDone).toHaveLength(1);
      expect(decidedBy(waitDone[0]!)).toBe(ownerOf(id));
      // The EVENT task was claimed (TaskStarted by the reactor) once, by the owner.
      const claims = byTask("TaskStarted", taskIdOf("tell"));
      expect(claims).toHaveLength(1);
      expect(decidedBy(claims[0]!)).toBe(ownerOf(id));
    }
  });

  it("keeps the members stream bounded: heartbeats older than ten takeover times (at least 60 s) leave it", async () => {
    let storeNow = 1_000_000_000;
    const store = createMemoryEventStore({ now: () => storeNow });
    const a = await member(store, "a");
    members.push(a);
    await eventually(async () => ((await store.readStream(MEMBERS_STREAM)).length >= 3 ? true : undefined), 5_000, 20);
    // A minute and a bit later on the store's clock: everything written before is past the bound.
    storeNow += 61_000;
    await eventually(async () => ((await store.readStream(MEMBERS_STREAM)).length >= 2 ? true : undefined), 5_000, 20);
    const kept = await store.readStream(MEMBERS_STREAM);
    expect(kept.every((event) => event.created >= storeNow - 60_000)).toBe(true);
    // The stream read back holds only recent heartbeats, and the member still sees itself live.
    expect(kept.length).toBeLessThan(60);
    expect(a.status().members).toEqual(["a"]);
    // The events left the stream, not the log: $all still holds them, as EventStoreDB's does until a scavenge.
    const all = await store.readAll();
    expect(all.filter((event) => event.streamId === MEMBERS_STREAM).length).toBeGreaterThan(kept.length);
  });
});
