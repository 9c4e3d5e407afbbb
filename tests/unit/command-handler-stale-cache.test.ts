/**
 * Two processes on one store: a write-side cache entry overtaken by the other
 * process's write must not decide "nothing to do". A decision that appends
 * nothing never meets the conflict that would correct the stale entry, so a
 * timer check on it would never fire; the read side reports each event it
 * applies (`observed`) and the stale entry is dropped.
 */
import { describe, expect, it } from "vitest";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import type { Decider } from "../../src/domain/decider.ts";
import { createCommandHandler } from "../../src/engine/command-handler.ts";

type Event = { type: "Armed"; data: { at: number } } | { type: "Fired"; data: Record<string, never> };
type Command = { type: "Arm"; at: number } | { type: "Check"; now: number };
interface State {
  due?: number;
  fired: boolean;
}

/** A one-shot alarm: Check fires it once its time has come, and otherwise decides nothing. */
const alarm: Decider<State, Command, Event> = {
  initialState: { fired: false },
  evolve: (state, event) => (event.type === "Armed" ? { ...state, due: event.data.at } : { ...state, fired: true }),
  decide(command, state) {
    if (command.type === "Arm") return [{ type: "Armed", data: { at: command.at } }];
    return state.due !== undefined && !state.fired && state.due <= command.now ? [{ type: "Fired", data: {} }] : [];
  },
};

describe("the write-side cache with another writer", () => {
  it("drops a cached state that another process's write overtook, so a check that appends nothing sees it", async () => {
    const store = createMemoryEventStore();
    const newId = () => crypto.randomUUID();
    const owner = createCommandHandler({ store, newId });
    const other = createCommandHandler({ store, newId });
    const run = (handle: typeof owner, command: Command) => handle(alarm, "alarm-1", command, () => undefined, {});

    // The owner caches the stream (nothing armed), then the other process arms the alarm.
    expect((await run(owner, { type: "Check", now: 0 })).events).toEqual([]);
    await run(other, { type: "Arm", at: 10 });
    const [armed] = await store.readStream("alarm-1");

    // Its read side applies the other process's event and tells the handler.
    owner.observed("alarm-1", armed!.revision);
    const fired = await run(owner, { type: "Check", now: 20 });
    expect(fired.events).toEqual([{ type: "Fired", data: {} }]);
    expect((await store.readStream("alarm-1")).map((e) => e.type)).toEqual(["Armed", "Fired"]);
  });

  it("folds again a cached state older than the read side's revision, even when observed() came before the cache was filled", async () => {
    const store = createMemoryEventStore();
    const newId = () => crypto.randomUUID();
    let readSideRevision: number | undefined;
    const owner = createCommandHandler({ store, newId, knownRevision: (streamId) => (streamId === "alarm-3" ? readSideRevision : undefined) });
    const other = createCommandHandler({ store, newId });
    const run = (handle: typeof owner, command: Command) => handle(alarm, "alarm-3", command, () => undefined, {});
    // The owner's fold read the stream before the other process armed it, so its cache is stale;
    // observed() for the arming ran while nothing was cached yet, so it dropped nothing.
    expect((await run(owner, { type: "Check", now: 0 })).events).toEqual([]);
    const armed = await run(other, { type: "Arm", at: 10 });
    readSideRevision = armed.revision;
    expect((await run(owner, { type: "Check", now: 20 })).events).toEqual([{ type: "Fired", data: {} }]);
  });

  it("keeps a cached state that is as new as the event observed", async () => {
    const store = createMemoryEventStore();
    let reads = 0;
    const counting = { ...store, readStream: (...args: Parameters<typeof store.readStream>) => (reads++, store.readStream(...args)) };
    const handle = createCommandHandler({ store: counting, newId: () => crypto.randomUUID() });
    const outcome = await handle(alarm, "alarm-2", { type: "Arm", at: 5 }, () => undefined, {});
    handle.observed("alarm-2", outcome.revision);
    const before = reads;
    await handle(alarm, "alarm-2", { type: "Check", now: 6 }, () => undefined, {});
    expect(reads).toBe(before); // decided from the cache, no fold from the store
  });
});
