/**
 * The stream registry: a category declared once (prefix, decider, projection)
 * is picked up by the command handler, replay, the read models, the
 * EventStoreDB category filter and the spec helper with no other edit. Shown
 * with a category that exists only in this test.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openEsdbEventStore } from "../../src/adapters/eventstore/esdb.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import type { Decider } from "../../src/domain/decider.ts";
import { IllegalStateError } from "../../src/domain/errors.ts";
import type { EventStore } from "../../src/domain/ports.ts";
import { createCommandHandler } from "../../src/engine/command-handler.ts";
import { rebuildBySubscription, replayAll } from "../../src/engine/replay.ts";
import { applyEvent, createReadModels } from "../../src/projections/read-models.ts";
import { BUILT_IN_CATEGORIES, defaultStreamRegistry } from "../../src/projections/stream-categories.ts";
import { createStreamRegistry, defineCategory, type Projection } from "../../src/projections/stream-registry.ts";
import { startEsdbStandin, type EsdbStandin } from "../support/esdb-standin/index.ts";
import { specFor } from "../support/spec-for.ts";

type CounterEvent = { type: "Added"; data: { by: number } } | { type: "Reset"; data: Record<string, never> };
type CounterCommand = { type: "Add"; by: number } | { type: "Reset" };

/** A counter that may not pass its context's limit. */
const counterDecider: Decider<number, CounterCommand, CounterEvent, { limit: number }> = {
  initialState: 0,
  evolve: (total, event) => (event.type === "Added" ? total + event.data.by : 0),
  decide(command, total, { limit }) {
    if (command.type === "Reset") return total === 0 ? [] : [{ type: "Reset", data: {} }];
    if (total + command.by > limit) throw new IllegalStateError(`counter would pass ${limit}`);
    return [{ type: "Added", data: { by: command.by } }];
  },
};

const counterProjection: Projection<{ counters: Map<string, number> }, CounterEvent> = {
  create: () => ({ counters: new Map() }),
  apply(models, event, key) {
    models.counters.set(key, counterDecider.evolve(models.counters.get(key) ?? 0, event));
  },
};

const counterCategory = defineCategory({ name: "counter", prefix: "counter-", decider: counterDecider, projection: counterProjection });
const registry = createStreamRegistry([...BUILT_IN_CATEGORIES, counterCategory]);
const countersOf = (models: object) => (models as { counters: Map<string, number> }).counters;

describe("a stream category declared once", () => {
  const spec = specFor(counterDecider, () => ({ limit: 10 }));

  it("is specified with given/when/then, including 'nothing happened' and a refusal", () => {
    spec.given([{ type: "Added", data: { by: 4 } }]).when({ type: "Add", by: 3 }).then([{ type: "Added", data: { by: 3 } }]);
    expect(spec.given([]).when({ type: "Reset" }).thenNothing()).toBe(0);
    spec.given([{ type: "Added", data: { by: 4 } }]).when({ type: "Add", by: 3 }, { limit: 5 }).thenThrows(IllegalStateError, /pass 5/);
  });

  it("is decided by the generic command handler and rebuilt by replay and by subscription", async () => {
    const store = createMemoryEventStore();
    const handle = createCommandHandler({ store, newId: () => crypto.randomUUID() });
    const run = (key: string, command: CounterCommand) =>
      handle(counterCategory.decider, counterCategory.streamOf(key), command, () => ({ limit: 10 }), { source: { kind: "cli" } });
    await run("a", { type: "Add", by: 2 });
    await run("b", { type: "Add", by: 5 });
    const outcome = await run("a", { type: "Add", by: 3 });
    expect(outcome).toMatchObject({ state: 5, revision: 1 });
    await expect(run("a", { type: "Add", by: 6 })).rejects.toThrow(IllegalStateError);

    const replayed = await replayAll(store, { registry });
    expect(countersOf(replayed.models)).toEqual(new Map([["a", 5], ["b", 5]]));
    const subscribed = await rebuildBySubscription(store, registry);
    expect(countersOf(subscribed.models)).toEqual(new Map([["a", 5], ["b", 5]]));
    // The default registry does not know the category: its events are passed over.
    expect("counters" in (await replayAll(store)).models).toBe(false);
  });

  it("refuses a second category with the same prefix or name, a bad prefix, and clashing read-model fields", () => {
    expect(() => createStreamRegistry([...BUILT_IN_CATEGORIES, defineCategory({ name: "other", prefix: "workflow-" })])).toThrow(/workflow-.*twice/);
    expect(() => createStreamRegistry([counterCategory, defineCategory({ name: "counter", prefix: "tally-" })])).toThrow(/counter.*twice/);
    expect(() => defineCategory({ name: "bad", prefix: "Bad_" })).toThrow(/prefix 'Bad_'/);
    const clash = defineCategory({ name: "tally", prefix: "tally-", projection: counterProjection });
    expect(() => createReadModels(createStreamRegistry([counterCategory, clash]))).toThrow(/counters.*tally/);
  });

  it("routes by prefix only: applyEvent ignores streams no category owns", () => {
    const models = createReadModels(registry);
    const change = applyEvent(models, { id: "x", streamId: "orders-1", revision: 0, position: 0, type: "Added", data: { by: 1 }, metadata: {}, created: 0 }, registry);
    expect(change).toEqual({ queuesFed: [] });
    expect(countersOf(models).size).toBe(0);
    expect(models.position).toBe(0);
  });
});

describe("the EventStoreDB category filter follows the registry (on the stand-in, not EventStoreDB)", () => {
  let standin: EsdbStandin | undefined;
  const stores: EventStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await standin?.stop();
  });

  it("sees a new category's streams in $all when opened with the registry's prefixes", async () => {
    standin = await startEsdbStandin();
    const open = async (prefixes?: readonly string[]) => {
      const store = await openEsdbEventStore({ connectionString: standin!.connectionString, streamPrefixes: prefixes });
      stores.push(store);
      return store;
    };
    const withCounter = await open(registry.prefixes);
    const builtIn = await open();
    await withCounter.append(counterCategory.streamOf("a"), [{ id: crypto.randomUUID(), type: "Added", data: { by: 1 } }], "no_stream");
    await withCounter.append("workflowdef-w", [{ id: crypto.randomUUID(), type: "WorkflowDefRemoved", data: { name: "w", version: 1, time: 0 } }], "no_stream");
    expect((await withCounter.readAll()).map((e) => e.streamId)).toEqual(["counter-a", "workflowdef-w"]);
    expect((await builtIn.readAll()).map((e) => e.streamId)).toEqual(["workflowdef-w"]);
    expect(defaultStreamRegistry.prefixes).toEqual(BUILT_IN_CATEGORIES.map((c) => c.prefix));
  });
});
