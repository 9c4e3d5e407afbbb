/**
 * Test support: an EventStore whose streams live under `namespace` in `inner`,
 * so the contract suite's "fresh, empty store" can be a slice of a shared
 * EventStoreDB server. `inner` must read `$all` only within the namespace
 * (the EventStoreDB store's `streamPrefixes: [namespace]`).
 */
import { ConcurrencyError } from "../../src/domain/errors.ts";
import type { EventStore, RecordedEvent } from "../../src/domain/ports.ts";

export function namespacedStore(inner: EventStore, namespace: string): EventStore {
  const outside = (event: RecordedEvent): RecordedEvent => ({ ...event, streamId: event.streamId.slice(namespace.length) });
  return {
    async append(streamId, events, expected) {
      try {
        return await inner.append(`${namespace}${streamId}`, events, expected);
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        throw new ConcurrencyError(error.message.replace(`${namespace}${streamId}`, streamId), streamId, error.expected, error.actual);
      }
    },
    async readStream(streamId, options) {
      return (await inner.readStream(`${namespace}${streamId}`, options)).map(outside);
    },
    async readAll(options) {
      return (await inner.readAll(options)).map(outside);
    },
    subscribeToAll(handler, options) {
      return inner.subscribeToAll((event) => handler(outside(event)), options);
    },
    close: () => inner.close(),
  };
}
