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
import { createCommandHandler, type Folded } from "../../src/engine/command-handler.ts";

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

  it("decides on the read side's state when it is newer than the cache, even when observed() came before the cache was filled", async () => {
    const store = createMemoryEventStore();
    const newId = () => crypto.randomUUID();
    let readSide: Folded | undefined;
    const owner = createCommandHandler({ store, newId, knownState: (streamId) => (streamId === "alarm-3" ? readSide : undefined) });
    const other = createCommandHandler({ store, newId });
    const run = (handle: typeof owner, command: Command) => handle(alarm, "alarm-3", command, () => undefined, {});
    // The owner's fold read the stream before the other process armed it, so its cache is stale;
    // observed() for the arming ran while nothing was cached yet, so it dropped nothing.
    expect((await run(owner, { type: "Check", now: 0 })).events).toEqual([]);
    const armed = await run(other, { type: "Arm", at: 10 });
    readSide = { state: armed.state, revision: armed.revision };
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

  describe("the read side's state (knownState), which may trail the store", () => {
    /** A store that counts stream reads, and a handler whose read side holds what `readSide` says. */
    function setUp() {
      const store = createMemoryEventStore();
      const counted = { reads: 0 };
      const counting = { ...store, readStream: (...args: Parameters<typeof store.readStream>) => (counted.reads++, store.readStream(...args)) };
      const newId = () => crypto.randomUUID();
      const view: { readSide?: Folded } = {};
      const member = createCommandHandler({ store: counting, newId, knownState: () => view.readSide });
      const other = createCommandHandler({ store, newId });
      const run = (handle: typeof member, command: Command) => handle(alarm, "alarm-4", command, () => undefined, {});
      return { store, counted, view, member, other, run };
    }

    it("decides on it without reading the stream when nothing is cached", async () => {
      const { counted, view, member, other, run } = setUp();
      const armed = await run(other, { type: "Arm", at: 10 });
      view.readSide = { state: armed.state, revision: armed.revision };
      expect((await run(member, { type: "Check", now: 20 })).events).toEqual([{ type: "Fired", data: {} }]);
      expect(counted.reads).toBe(0);
    });

    it("decides again on the stored stream when an append on it conflicts", async () => {
      const { store, counted, view, member, other, run } = setUp();
      const armed = await run(other, { type: "Arm", at: 10 });
      view.readSide = { state: armed.state, revision: armed.revision };
      await run(other, { type: "Arm", at: 30 }); // not yet on the member's read side
      // On the read side's state the alarm (due at 10) fires; the store says it is due at 30.
      expect((await run(member, { type: "Check", now: 20 })).events).toEqual([]);
      expect(counted.reads).toBe(1);
      expect((await store.readStream("alarm-4")).map((e) => e.type)).toEqual(["Armed", "Armed"]);
    });

    it("decides again on the stored stream before answering that there is nothing to do", async () => {
      const { store, view, member, other, run } = setUp();
      const armed = await run(other, { type: "Arm", at: 30 });
      view.readSide = { state: armed.state, revision: armed.revision };
      await run(other, { type: "Arm", at: 10 }); // not yet on the member's read side
      // The read side's state says "not due before 30"; the stored stream says due at 10, so it fires.
      expect((await run(member, { type: "Check", now: 20 })).events).toEqual([{ type: "Fired", data: {} }]);
      expect((await store.readStream("alarm-4")).map((e) => e.type)).toEqual(["Armed", "Armed", "Fired"]);
    });

    it("decides again on the stored stream before answering with a refusal", async () => {
      const { view, member, other, run } = setUp();
      const armed = await run(other, { type: "Arm", at: 10 });
      view.readSide = { state: armed.state, revision: armed.revision };
      await run(other, { type: "Check", now: 20 }); // fired, not yet on the member's read side
      const refusing = (state: State) => {
        if (!state.fired) throw new Error("the alarm has not fired yet");
      };
      // The precondition refuses on the read side's state, and holds on the stored stream.
      const outcome = await member(alarm, "alarm-4", { type: "Check", now: 40 }, () => undefined, {}, refusing);
      expect(outcome.state.fired).toBe(true);
      expect(outcome.events).toEqual([]);
    });

    it("still refuses when the stored stream refuses too", async () => {
      const { view, member, other, run } = setUp();
      const armed = await run(other, { type: "Arm", at: 10 });
      view.readSide = { state: armed.state, revision: armed.revision };
      const refusing = (state: State) => {
        if (!state.fired) throw new Error("the alarm has not fired yet");
      };
      await expect(member(alarm, "alarm-4", { type: "Check", now: 5 }, () => undefined, {}, refusing)).rejects.toThrow("the alarm has not fired yet");
    });

    it("keeps deciding on the cache when the cache is newer than the read side", async () => {
      const { counted, view, member, run } = setUp();
      const first = await run(member, { type: "Arm", at: 10 });
      view.readSide = { state: { fired: false }, revision: -1 }; // the read side has not seen the arming
      const before = counted.reads;
      expect((await run(member, { type: "Check", now: 20 })).events).toEqual([{ type: "Fired", data: {} }]);
      expect(counted.reads).toBe(before);
      expect(first.revision).toBe(0);
    });

    it("takes a guess of an empty stream for one it has not seen: an append with no_stream proves it, a conflict folds the stream", async () => {
      const { store, counted, view, member, other, run } = setUp();
      view.readSide = { state: alarm.initialState, revision: -1 };
      expect((await run(member, { type: "Arm", at: 10 })).revision).toBe(0);
      expect(counted.reads).toBe(0); // a new stream: nothing read

      const elsewhere = (handle: typeof member, command: Command) => handle(alarm, "alarm-5", command, () => undefined, {});
      await elsewhere(other, { type: "Arm", at: 10 });
      // The guess is wrong for alarm-5: the append meets the stored event, and the stream is folded.
      expect((await elsewhere(member, { type: "Arm", at: 20 })).revision).toBe(1);
      expect(counted.reads).toBe(1);
      expect((await store.readStream("alarm-5")).map((e) => e.data)).toEqual([{ at: 10 }, { at: 20 }]);
    });
  });
});
