/**
 * The EventStore port's contract, as one suite every store runs
 * (tests/unit/eventstore.test.ts). Not named `.test.ts`: it only runs through
 * a store's test file.
 *
 * Positions are compared with each other and with the positions events are
 * read back at, never with fixed numbers: the port promises strictly
 * increasing positions, and EventStoreDB's are byte offsets with gaps. That
 * the memory and file stores number densely from 0 is checked beside them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConcurrencyError } from "../../src/domain/errors.ts";
import type { EventMetadata, EventStore, ExpectedRevision, NewEvent, RecordedEvent } from "../../src/domain/ports.ts";

/** Opens a fresh, empty store; `cleanup` closes it and removes what it left behind. */
export type OpenEventStore = () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>;

function event(id: string, data: unknown = { id }, metadata?: EventMetadata): NewEvent {
  return metadata ? { id, type: "Happened", data, metadata } : { id, type: "Happened", data };
}

function events(prefix: string, count: number): NewEvent[] {
  return Array.from({ length: count }, (_, index) => event(`${prefix}-${index}`));
}

async function conflictOf(promise: Promise<unknown>): Promise<ConcurrencyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConcurrencyError);
  return error as ConcurrencyError;
}

/** Registers the contract suite for the store `open` creates. */
export function describeEventStoreContract(name: string, open: OpenEventStore): void {
  describe(`${name}: EventStore contract`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function append(streamId: string, newEvents: NewEvent[], expected: ExpectedRevision = "any") {
      return store.append(streamId, newEvents, expected);
    }

    async function positionOf(id: string): Promise<number> {
      const found = (await store.readAll()).find((recorded) => recorded.id === id);
      if (!found) throw new Error(`no event with id ${id}`);
      return found.position;
    }

    function expectIncreasing(positions: number[]): void {
      expect(positions.every((position, index) => index === 0 || position > positions[index - 1]!)).toBe(true);
    }

    describe("append and read", () => {
      it("round-trips data, metadata, revision, position and created", async () => {
        const before = Date.now();
        const metadata = { correlationId: "c-1", source: { kind: "rest" as const, detail: "POST /x" } };
        const result = await append("order-1", [event("e1", { n: 1, nested: { list: [1, "two", null] } }, metadata), event("e2")], "no_stream");
        const after = Date.now();

        const [first, second] = await store.readStream("order-1");
        expect(result).toEqual({ nextExpectedRevision: 1, position: second?.position });
        expectIncreasing([first!.position, second!.position]);
        expect(first).toMatchObject({
          id: "e1",
          streamId: "order-1",
          revision: 0,
          type: "Happened",
          data: { n: 1, nested: { list: [1, "two", null] } },
          metadata,
        });
        expect(second).toMatchObject({ id: "e2", revision: 1, data: { id: "e2" }, metadata: {} });
        expect(first?.created).toBeGreaterThanOrEqual(before);
        expect(first?.created).toBeLessThanOrEqual(after);
      });

      it("continues revisions per stream and positions globally", async () => {
        await append("a", [event("a0")]);
        await append("b", [event("b0"), event("b1")]);
        const result = await append("a", [event("a1")]);
        const all = await store.readAll();
        expect(all.map((recorded) => recorded.id)).toEqual(["a0", "b0", "b1", "a1"]);
        expectIncreasing(all.map((recorded) => recorded.position));
        expect(result).toEqual({ nextExpectedRevision: 1, position: all[3]!.position });
        const read = (await store.readStream("a")).map(({ revision, position }) => [revision, position]);
        expect(read).toEqual([[0, all[0]!.position], [1, all[3]!.position]]);
      });

      it("keeps what was appended, not the caller's later changes", async () => {
        const data = { count: 1 };
        await append("s", [event("e", data)]);
        data.count = 2;
        const [stored] = await store.readStream("s");
        expect(stored?.data).toEqual({ count: 1 });
      });

      it("returns an empty array for an unknown stream", async () => {
        await append("known", [event("e")]);
        expect(await store.readStream("unknown")).toEqual([]);
        expect(await store.readStream("unknown", { direction: "backwards" })).toEqual([]);
      });

      it("reads a stream forwards and backwards from a revision, up to maxCount", async () => {
        await append("s", events("e", 5));
        const revisions = async (options: Parameters<EventStore["readStream"]>[1]) =>
          (await store.readStream("s", options)).map((recorded) => recorded.revision);

        expect(await revisions({})).toEqual([0, 1, 2, 3, 4]);
        expect(await revisions({ fromRevision: 2 })).toEqual([2, 3, 4]);
        expect(await revisions({ fromRevision: 1, maxCount: 2 })).toEqual([1, 2]);
        expect(await revisions({ fromRevision: 9 })).toEqual([]);
        expect(await revisions({ maxCount: 0 })).toEqual([]);
        expect(await revisions({ direction: "backwards" })).toEqual([4, 3, 2, 1, 0]);
        expect(await revisions({ direction: "backwards", fromRevision: 3, maxCount: 2 })).toEqual([3, 2]);
        expect(await revisions({ direction: "backwards", fromRevision: 0 })).toEqual([0]);
        expect(await revisions({ direction: "backwards", fromRevision: 99, maxCount: 1 })).toEqual([4]);
      });

      it("reads all streams in global order from a position, up to maxCount", async () => {
        await append("a", [event("a0"), event("a1")]);
        await append("b", [event("b0")]);
        await append("a", [event("a2")]);

        const all = await store.readAll();
        expect(all.map((recorded) => recorded.id)).toEqual(["a0", "a1", "b0", "a2"]);
        const [, a1, b0, a2] = all as [RecordedEvent, RecordedEvent, RecordedEvent, RecordedEvent];
        const slice = await store.readAll({ fromPosition: a1.position, maxCount: 2 });
        expect(slice.map(({ id, position }) => [id, position])).toEqual([["a1", a1.position], ["b0", b0.position]]);
        // Just past an event (how a reader resumes) reads on from the next one.
        expect((await store.readAll({ fromPosition: a1.position + 1, maxCount: 1 })).map((recorded) => recorded.id)).toEqual(["b0"]);
        expect(await store.readAll({ fromPosition: a2.position + 1 })).toEqual([]);
      });

      it("round-trips an event of almost 1 MiB", async () => {
        // EventStoreDB refuses appends over its MaxAppendSize, 1 MiB unless configured otherwise.
        const blob = "x".repeat(1024 * 1024 - 4096) + "é";
        await append("big", [event("big-0", { blob })]);
        await append("big", [event("big-1")]);
        const [stored] = await store.readStream("big", { maxCount: 1 });
        expect(stored?.data).toEqual({ blob });
        expect((await store.readAll()).map((recorded) => recorded.id)).toEqual(["big-0", "big-1"]);
      });

      it("keeps 1000 streams x 3 events in order", async () => {
        const streams = Array.from({ length: 1000 }, (_, index) => `stream-${index}`);
        for (let round = 0; round < 3; round += 1) {
          const expected: ExpectedRevision = round === 0 ? "no_stream" : round - 1;
          await Promise.all(streams.map((streamId) => append(streamId, [event(`${streamId}/${round}`)], expected)));
        }

        const all = await store.readAll();
        expect(all).toHaveLength(3000);
        expectIncreasing(all.map((recorded) => recorded.position));
        expect(new Set(all.map((recorded) => recorded.id)).size).toBe(3000);
        // Each round was appended after the previous one finished, so it follows it in the global order.
        expect(all.map((recorded) => Number(recorded.id.split("/")[1]))).toEqual(Array.from({ length: 3000 }, (_, index) => Math.floor(index / 1000)));
        for (const streamId of streams) {
          const read = await store.readStream(streamId);
          expect(read.map((recorded) => recorded.revision)).toEqual([0, 1, 2]);
          expect(read.map((recorded) => recorded.id)).toEqual([0, 1, 2].map((round) => `${streamId}/${round}`));
        }
      });
    });

    describe("expected revision", () => {
      it("rejects no_stream on an existing stream", async () => {
        await append("s", [event("e0")]);
        const error = await conflictOf(append("s", [event("e1")], "no_stream"));
        expect(error).toMatchObject({ streamId: "s", expected: "no_stream", actual: 0 });
      });

      it("rejects a stale or future revision", async () => {
        await append("s", [event("e0"), event("e1")]);
        expect(await conflictOf(append("s", [event("x")], 0))).toMatchObject({ actual: 1 });
        expect(await conflictOf(append("s", [event("y")], 5))).toMatchObject({ actual: 1 });
        expect(await append("s", [event("z")], 1)).toEqual({ nextExpectedRevision: 2, position: await positionOf("z") });
      });

      it("rejects a revision on a missing stream", async () => {
        expect(await conflictOf(append("s", [event("e")], 0))).toMatchObject({ actual: "no_stream" });
      });

      it("rejects stream_exists on a missing stream and accepts it on an existing one", async () => {
        expect(await conflictOf(append("s", [event("e0")], "stream_exists"))).toMatchObject({ actual: "no_stream" });
        await append("s", [event("e0")], "no_stream");
        expect(await append("s", [event("e1")], "stream_exists")).toEqual({ nextExpectedRevision: 1, position: await positionOf("e1") });
      });

      it("always accepts any", async () => {
        expect(await append("s", [event("e0")], "any")).toEqual({ nextExpectedRevision: 0, position: await positionOf("e0") });
        expect(await append("s", [event("e1")], "any")).toEqual({ nextExpectedRevision: 1, position: await positionOf("e1") });
      });

      it("stores nothing for a rejected append", async () => {
        await append("s", [event("e0")]);
        await conflictOf(append("s", [event("e1"), event("e2")], "no_stream"));
        expect(await store.readAll()).toHaveLength(1);
      });

      it("treats an append of no events as a check of the expected revision", async () => {
        expect(await append("s", [], "no_stream")).toEqual({ nextExpectedRevision: -1, position: -1 });
        await append("other", [event("o")]);
        await append("s", [event("e0")]);
        expect(await append("s", [], 0)).toEqual({ nextExpectedRevision: 0, position: await positionOf("e0") });
        await conflictOf(append("s", [], "no_stream"));
        expect(await store.readAll()).toHaveLength(2);
      });
    });

    describe("idempotent re-append", () => {
      it("returns the first result when the same ids are appended again at no_stream", async () => {
        const first = await append("s", [event("a"), event("b")], "no_stream");
        await append("s", [event("c")], 1);
        expect(await append("s", [event("a"), event("b")], "no_stream")).toEqual(first);
        expect((await store.readStream("s")).map((recorded) => recorded.id)).toEqual(["a", "b", "c"]);
      });

      it("returns the first result when the same ids are appended again at a revision", async () => {
        await append("s", [event("a")], "no_stream");
        const first = await append("s", [event("b"), event("c")], 0);
        await append("s", [event("d")], 2);
        expect(await append("s", [event("b"), event("c")], 0)).toEqual(first);
        expect(await store.readAll()).toHaveLength(4);
      });

      it("still conflicts when only some ids match", async () => {
        await append("s", [event("a"), event("b")], "no_stream");
        await conflictOf(append("s", [event("a"), event("x")], "no_stream"));
        await conflictOf(append("s", [event("b"), event("c")], 0));
      });

      it("returns the first result to a concurrent retry", async () => {
        const [first, retry] = await Promise.all([
          append("s", [event("a")], "no_stream"),
          append("s", [event("a")], "no_stream"),
        ]);
        expect(retry).toEqual(first);
        expect(await store.readAll()).toHaveLength(1);
      });
    });

    describe("concurrency", () => {
      it("lets exactly one of 20 concurrent appends at one revision win", async () => {
        for (const expected of ["no_stream", 0, 1] as const) {
          const attempts = Array.from({ length: 20 }, (_, index) => append("s", [event(`${expected}-${index}`)], expected));
          const outcomes = await Promise.allSettled(attempts);
          const winners = outcomes.filter((outcome) => outcome.status === "fulfilled");
          const losers = outcomes.filter((outcome) => outcome.status === "rejected");
          expect(winners).toHaveLength(1);
          expect(losers.every((outcome) => outcome.reason instanceof ConcurrencyError)).toBe(true);
        }
        expect((await store.readStream("s")).map((recorded) => recorded.revision)).toEqual([0, 1, 2]);
      });

      it("reports a conflict only once the winning append is readable", async () => {
        // Which of two concurrent appends reaches the store first is up to the store (and the wire).
        const attempt = (id: string) =>
          append("s", [event(id)], "no_stream").then(
            () => ({ id, won: true, error: undefined, winnerRead: undefined }),
            async (error: unknown) => {
              const [winner] = await store.readStream("s");
              return { id, won: false, error, winnerRead: winner?.id };
            },
          );
        const outcomes = await Promise.all([attempt("first"), attempt("second")]);
        const winner = outcomes.find((outcome) => outcome.won);
        const loser = outcomes.find((outcome) => !outcome.won);
        expect(loser?.error).toBeInstanceOf(ConcurrencyError);
        expect(loser?.winnerRead).toBe(winner?.id);
      });

      it("serializes 20 concurrent read-decide-append loops without losing an event", async () => {
        const appendWithRetry = async (worker: number, step: number): Promise<void> => {
          for (;;) {
            const [last] = await store.readStream("counter", { direction: "backwards", maxCount: 1 });
            try {
              await append("counter", [event(`w${worker}-s${step}`)], last ? last.revision : "no_stream");
              return;
            } catch (error) {
              if (!(error instanceof ConcurrencyError)) throw error;
            }
          }
        };
        await Promise.all(
          Array.from({ length: 20 }, async (_, worker) => {
            for (let step = 0; step < 3; step += 1) await appendWithRetry(worker, step);
          }),
        );
        const stream = await store.readStream("counter");
        expect(stream.map((recorded) => recorded.revision)).toEqual(Array.from({ length: 60 }, (_, index) => index));
        expect(new Set(stream.map((recorded) => recorded.id)).size).toBe(60);
      });
    });

    describe("subscribeToAll", () => {
      it("catches up from a position, then goes live, in order, calling onCaughtUp once", async () => {
        await append("a", [event("e0"), event("e1")]);
        await append("b", [event("e2")]);
        const seen: string[] = [];
        const onCaughtUp = vi.fn(() => seen.push("caught-up"));
        const positions: number[] = [];
        const subscription = store.subscribeToAll(
          (recorded) => {
            seen.push(recorded.id);
            positions.push(recorded.position);
          },
          { fromPosition: await positionOf("e1"), onCaughtUp },
        );
        await vi.waitFor(() => expect(onCaughtUp).toHaveBeenCalled());
        await append("a", [event("e3")]);
        await append("c", [event("e4"), event("e5")]);

        await vi.waitFor(() => expect(seen).toHaveLength(6));
        expect(seen).toEqual(["e1", "e2", "caught-up", "e3", "e4", "e5"]);
        expect(positions).toEqual((await store.readAll()).slice(1).map((recorded) => recorded.position));
        expect(onCaughtUp).toHaveBeenCalledTimes(1);
        await subscription.close();
      });

      it("has delivered an append to caught-up synchronous handlers when the append resolves", async () => {
        const seen: string[] = [];
        let caughtUp = false;
        store.subscribeToAll((recorded) => void seen.push(recorded.id), { onCaughtUp: () => (caughtUp = true) });
        await vi.waitFor(() => expect(caughtUp).toBe(true));
        await append("s", [event("e0"), event("e1")]);
        expect(seen).toEqual(["e0", "e1"]);
        await Promise.all([append("s", [event("e2")]), append("t", [event("e3")])]);
        expect(seen).toEqual(["e0", "e1", "e2", "e3"]);
      });

      it("awaits a slow handler: one call at a time, never reordered", async () => {
        const seen: number[] = [];
        let active = 0;
        let maxActive = 0;
        store.subscribeToAll(async (recorded) => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          await new Promise((resolve) => setTimeout(resolve, seen.length % 3 === 0 ? 5 : 0));
          seen.push(recorded.position);
          active -= 1;
        });
        await append("s", events("early", 3));
        await Promise.all(Array.from({ length: 10 }, (_, index) => append(`t${index}`, events(`t${index}`, 2))));

        await vi.waitFor(() => expect(seen).toHaveLength(23));
        expect(seen).toEqual((await store.readAll()).map((recorded) => recorded.position));
        expect(maxActive).toBe(1);
      });

      it("stops delivering once closed", async () => {
        const seen: string[] = [];
        let caughtUp = false;
        const subscription = store.subscribeToAll((recorded) => void seen.push(recorded.id), {
          onCaughtUp: () => (caughtUp = true),
        });
        await vi.waitFor(() => expect(caughtUp).toBe(true));
        await append("s", [event("before")]);
        await subscription.close();
        await append("s", [event("after")]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(seen).toEqual(["before"]);
      });

      it("catches up on an empty store", async () => {
        const received: RecordedEvent[] = [];
        const onCaughtUp = vi.fn();
        store.subscribeToAll((recorded) => void received.push(recorded), { onCaughtUp });
        await vi.waitFor(() => expect(onCaughtUp).toHaveBeenCalledTimes(1));
        await append("s", [event("e0")]);
        expect(received.map((recorded) => recorded.id)).toEqual(["e0"]);
      });
    });

    describe("close", () => {
      it("refuses appends after close", async () => {
        await append("s", [event("e0")]);
        await store.close();
        await expect(append("s", [event("e1")])).rejects.toThrow(/closed/);
      });
    });
  });
}
