import { openFileEventStore } from "../src/adapters/eventstore/file.ts";
import type { EventStore } from "../src/domain/ports.ts";

export interface StoreUnderTest {
  name: string;
  open(): Promise<EventStore>;
  close(store: EventStore): Promise<void>;
}

/** The stores the replay bench reads: the file log the bench generated. */
export async function* replayStores(dir: string): AsyncGenerator<StoreUnderTest> {
  yield {
    name: "file log",
    open: () => openFileEventStore({ dir, fsync: false }),
    close: (store) => store.close(),
  };
}
