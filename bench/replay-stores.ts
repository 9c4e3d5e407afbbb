import { openEsdbEventStore } from "../src/adapters/eventstore/esdb.ts";
import { openFileEventStore } from "../src/adapters/eventstore/file.ts";
import type { EventStore } from "../src/domain/ports.ts";
import { startEsdbStandin } from "../tests/support/esdb-standin/index.ts";

export interface StoreUnderTest {
  name: string;
  open(): Promise<EventStore>;
  close(store: EventStore): Promise<void>;
}

/**
 * The stores the replay bench reads: the file log the bench generated, then the
 * same events copied (in global order) into EventStoreDB through Baton's adapter
 * — the test stand-in here (tests/support/esdb-standin, not EventStoreDB), or the
 * real server at ESDB_URL when that is set.
 */
export async function* replayStores(dir: string): AsyncGenerator<StoreUnderTest> {
  yield {
    name: "file log",
    open: () => openFileEventStore({ dir, fsync: false }),
    close: (store) => store.close(),
  };
  const standin = process.env.ESDB_URL ? undefined : await startEsdbStandin();
  const connectionString = process.env.ESDB_URL ?? standin!.connectionString;
  try {
    await copyLog(dir, connectionString);
    yield {
      name: standin ? "esdb (stand-in)" : "esdb (ESDB_URL)",
      open: () => openEsdbEventStore({ connectionString }),
      close: (store) => store.close(),
    };
  } finally {
    await standin?.stop();
  }
}

/** Appends the file log's events to EventStoreDB, stream by stream in global order. */
async function copyLog(dir: string, connectionString: string): Promise<void> {
  const source = await openFileEventStore({ dir, fsync: false });
  const target = await openEsdbEventStore({ connectionString });
  try {
    const events = await source.readAll();
    for (let i = 0; i < events.length; ) {
      const first = events[i]!;
      let j = i + 1;
      while (j < events.length && events[j]!.streamId === first.streamId && events[j]!.revision === events[j - 1]!.revision + 1) j++;
      const batch = events.slice(i, j).map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata }));
      await target.append(first.streamId, batch, first.revision === 0 ? "no_stream" : first.revision - 1);
      i = j;
    }
  } finally {
    await target.close();
    await source.close();
  }
}
