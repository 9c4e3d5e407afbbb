/** Runs the EventStore contract against every store. */
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

for (const fsync of [true, false]) {
  describeEventStoreContract(`file store (fsync ${fsync ? "on" : "off"})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "baton-eventstore-"));
    const store = await openFileEventStore({ dir, fsync });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
}
