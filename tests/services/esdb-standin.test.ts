/**
 * The EventStoreDB stand-in (test support, not EventStoreDB) seen through the
 * real `@eventstore/db-client`, for what Baton's adapter does not exercise
 * itself: the server's `caught_up`, server-side filters, backwards `$all`,
 * the client's error types, deletes and tombstones, and EventStoreDB's rules
 * where they differ from Baton's stores (idempotent `any` appends).
 */
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  eventTypeFilter,
  jsonEvent,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  StreamDeletedError,
  streamNameFilter,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type Filter,
} from "@eventstore/db-client";
import { afterEach, describe, expect, it } from "vitest";
import { startEsdbStandin, type EsdbStandin } from "../support/esdb-standin/index.ts";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

for (const batchAppend of [true, false]) {
  describe(`EventStoreDB stand-in through the official client (${batchAppend ? "BatchAppend" : "Append"})`, () => {
    let standin: EsdbStandin;
    let client: EventStoreDBClient;

    async function start() {
      standin = await startEsdbStandin({ batchAppend, maxAppendSize: 4096 });
      client = EventStoreDBClient.connectionString(standin.connectionString);
    }
    afterEach(async () => {
      await client.dispose();
      await standin.stop();
    });

    const types = async (streamName: string) =>
      (await collect(client.readStream(streamName))).map((resolved) => resolved.event?.type);

    it("reports a wrong expected version as the client's WrongExpectedVersionError", async () => {
      await start();
      await client.appendToStream("s", [jsonEvent({ type: "A", data: {} }), jsonEvent({ type: "B", data: {} })], { expectedRevision: NO_STREAM });
      const error = await client.appendToStream("s", jsonEvent({ type: "C", data: {} }), { expectedRevision: 0n }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ streamName: "s", expectedVersion: 0n, actualVersion: 1n });
      const missing = await client.appendToStream("t", jsonEvent({ type: "C", data: {} }), { expectedRevision: 3n }).catch((e: unknown) => e);
      expect(missing).toMatchObject({ actualVersion: "no_stream" });
      // ServerFeatures steered the client to the append path the stand-in advertises.
      expect(standin.calls).toMatchObject(batchAppend ? { batchAppend: 1 } : { append: 3 });
      expect(standin.calls[batchAppend ? "append" : "batchAppend"]).toBeUndefined();
    });

    it("makes a retry with the same ids idempotent, also with expected revision any", async () => {
      await start();
      const events = [jsonEvent({ type: "A", data: {} }), jsonEvent({ type: "B", data: {} })];
      const first = await client.appendToStream("s", events, { expectedRevision: NO_STREAM });
      expect(await client.appendToStream("s", events, { expectedRevision: NO_STREAM })).toEqual(first);
      expect(await client.appendToStream("s", events, { expectedRevision: ANY })).toEqual(first);
      expect(await types("s")).toEqual(["A", "B"]);
    });

    it("refuses appends over the maximum append size", async () => {
      await start();
      const error = await client.appendToStream("s", jsonEvent({ type: "A", data: { blob: "x".repeat(5000) } })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
      expect(error).toMatchObject({ maxAppendSize: 4096 });
    });

    it("soft-deletes a stream (gone until written again, revisions carry on) and tombstones one for good", async () => {
      await start();
      await client.appendToStream("s", [jsonEvent({ type: "A", data: {} }), jsonEvent({ type: "B", data: {} })]);
      await client.deleteStream("s", { expectedRevision: 1n });
      await expect(collect(client.readStream("s"))).rejects.toBeInstanceOf(StreamNotFoundError);
      await client.appendToStream("s", jsonEvent({ type: "C", data: {} }), { expectedRevision: NO_STREAM });
      expect((await collect(client.readStream("s"))).map((r) => [r.event?.type, r.event?.revision])).toEqual([["C", 2n]]);

      await expect(client.deleteStream("s", { expectedRevision: 0n })).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await client.tombstoneStream("s");
      await expect(collect(client.readStream("s"))).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(client.appendToStream("s", jsonEvent({ type: "D", data: {} }))).rejects.toBeInstanceOf(StreamDeletedError);
      const all = (await collect(client.readAll())).map((r) => [r.event?.streamId, r.event?.type]);
      expect(all).toContainEqual(["$$s", "$metadata"]);
      expect(all.at(-1)).toEqual(["s", "$streamDeleted"]);
    });

    it("reads streams and $all in both directions, with counts and from positions", async () => {
      await start();
      for (const name of ["a", "b", "a"]) await client.appendToStream(name, jsonEvent({ type: name.toUpperCase(), data: {} }));
      expect((await collect(client.readStream("a", { direction: BACKWARDS, fromRevision: END, maxCount: 1 }))).map((r) => r.event?.revision)).toEqual([1n]);
      const all = await collect(client.readAll());
      expect(all.map((r) => r.event?.streamId)).toEqual(["$stats-127.0.0.1:2113", "a", "b", "a"]);
      const backwards = await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 2 }));
      expect(backwards.map((r) => r.event?.streamId)).toEqual(["a", "b"]);
      const fromSecond = await collect(client.readAll({ fromPosition: all[2]!.event!.position, maxCount: 1 }));
      expect(fromSecond.map((r) => r.event?.streamId)).toEqual(["b"]);
      const between = { commit: all[2]!.event!.position.commit + 1n, prepare: all[2]!.event!.position.commit + 1n };
      await expect(collect(client.readAll({ fromPosition: between }))).rejects.toMatchObject({ code: 3 });
    });

    it("catches a subscription up, says caught-up, then goes live, filtering on the server", async () => {
      await start();
      await client.appendToStream("workflow-1", jsonEvent({ type: "Started", data: {} }));
      await client.appendToStream("other-1", jsonEvent({ type: "Started", data: {} }));
      const follow = async (filter: Filter, expected: number) => {
        const seen: string[] = [];
        const subscription = client.subscribeToAll({ fromPosition: START, filter });
        subscription.on("caughtUp", () => seen.push("caught-up"));
        const done = (async () => {
          for await (const { event } of subscription) {
            seen.push(`${event?.streamId}:${event?.type}`);
            if (seen.length === expected) break;
          }
        })();
        return { seen, done };
      };
      const byPrefix = await follow(streamNameFilter({ prefixes: ["workflow-"] }), 3);
      const byRegex = await follow(streamNameFilter({ regex: "^other-" }), 3);
      const byType = await follow(eventTypeFilter({ prefixes: ["Comp"] }), 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await client.appendToStream("workflow-1", jsonEvent({ type: "Completed", data: {} }));
      await client.appendToStream("other-1", jsonEvent({ type: "Completed", data: {} }));
      await Promise.all([byPrefix.done, byRegex.done, byType.done]);
      expect(byPrefix.seen).toEqual(["workflow-1:Started", "caught-up", "workflow-1:Completed"]);
      expect(byRegex.seen).toEqual(["other-1:Started", "caught-up", "other-1:Completed"]);
      expect(byType.seen).toEqual(["caught-up", "workflow-1:Completed"]);
    });
  });
}
