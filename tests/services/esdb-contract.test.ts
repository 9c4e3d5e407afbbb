/**
 * The EventStore contract against the EventStoreDB store: always on the
 * wire-compatible stand-in (tests/support/esdb-standin, not EventStoreDB),
 * once with the client's BatchAppend path and once with plain Append; and on
 * a real server when ESDB_URL is set (e.g. `esdb://localhost:2113?tls=false`).
 */
import { randomUUID } from "node:crypto";
import { openEsdbEventStore } from "../../src/adapters/eventstore/esdb.ts";
import { startEsdbStandin } from "../support/esdb-standin/index.ts";
import { namespacedStore } from "../support/namespaced-store.ts";
import { describeEventStoreContract } from "../unit/eventstore-contract.ts";

/** Every test gets its own stream namespace, so a shared server looks empty to it. */
async function openNamespaced(connectionString: string) {
  const namespace = `contract${randomUUID().slice(0, 8)}-`;
  const store = await openEsdbEventStore({ connectionString, streamPrefixes: [namespace] });
  return { inner: store, store: namespacedStore(store, namespace) };
}

for (const batchAppend of [true, false]) {
  describeEventStoreContract(`EventStoreDB store on the stand-in (${batchAppend ? "BatchAppend" : "Append"})`, async () => {
    const standin = await startEsdbStandin({ batchAppend });
    const { inner, store } = await openNamespaced(standin.connectionString);
    return {
      store,
      cleanup: async () => {
        await inner.close();
        await standin.stop();
      },
    };
  });
}

const esdbUrl = process.env.ESDB_URL;
if (esdbUrl) {
  describeEventStoreContract(`EventStoreDB store on ${esdbUrl.replace(/\/\/[^@/]*@/, "//")}`, async () => {
    const { inner, store } = await openNamespaced(esdbUrl);
    return { store, cleanup: () => inner.close() };
  });
}
