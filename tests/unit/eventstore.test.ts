/** Runs the EventStore contract against every store. */
import { describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import { describeEventStoreContract } from "./eventstore-contract.ts";

describeEventStoreContract("memory store", async () => {
  const store = createMemoryEventStore();
  return { store, cleanup: () => store.close() };
});

// The third variant caches nothing, so every read after delivery goes to the disk; the last
// keeps 2 records' index in memory, so nearly every stream is read and appended to through a frozen segment.
for (const { fsync, cacheBytes, hotRecords } of [{ fsync: true }, { fsync: false }, { fsync: false, cacheBytes: 0 }, { fsync: true, cacheBytes: 0, hotRecords: 2 }]) {
  const variant = `fsync ${fsync ? "on" : "off"}${cacheBytes === 0 ? ", no read cache" : ""}${hotRecords ? `, ${hotRecords} records indexed in memory` : ""}`;
  describeEventStoreContract(`file store (${variant})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "baton-eventstore-"));
    const store = await openFileEventStore({ dir, fsync, cacheBytes, hotRecords });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
}

// The contract only asks for strictly increasing positions (EventStoreDB's have gaps);
// the embedded stores promise more: dense positions from 0.
describe("memory and file stores: dense positions", () => {
  it.each(["memory", "file"] as const)("numbers the %s store's events 0, 1, 2, ...", async (kind) => {
    const dir = kind === "file" ? await mkdtemp(join(tmpdir(), "baton-eventstore-")) : undefined;
    const store = dir ? await openFileEventStore({ dir }) : createMemoryEventStore();
    const event = (id: string) => ({ id, type: "Happened", data: {} });
    try {
      expect(await store.append("a", [event("a0"), event("a1")], "no_stream")).toEqual({ nextExpectedRevision: 1, position: 1 });
      expect(await store.append("b", [event("b0")], "no_stream")).toEqual({ nextExpectedRevision: 0, position: 2 });
      expect((await store.readAll()).map((recorded) => recorded.position)).toEqual([0, 1, 2]);
      expect(await store.readAll({ fromPosition: 3 })).toEqual([]);
    } finally {
      await store.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });
});
