/**
 * The Durable Object event store (src/adapters/eventstore/durable-object*.ts)
 * against the EventStore contract every store passes, with its object on
 * workerd through miniflare; then what is particular to it: the log outlives
 * the workerd process, and events appended by another isolate reach this one's subscribers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openDurableObjectEventStore } from "../../src/adapters/eventstore/durable-object.ts";
import { type EventLogHost, startEventLogHost } from "../support/miniflare-event-log.ts";
import { describeEventStoreContract } from "../unit/eventstore-contract.ts";

let dir: string;
let host: EventLogHost;
let opened = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "baton-do-store-"));
  host = await startEventLogHost(dir);
}, 60_000);
afterAll(async () => {
  await host?.dispose();
  await rm(dir, { recursive: true, force: true });
});

// Each open names a new object: a fresh, empty log. Through the forwarding worker (see the support file);
// the tests below also go through miniflare's own binding proxy.
describeEventStoreContract("Durable Object store (miniflare)", async () => {
  const store = await openDurableObjectEventStore({ namespace: host.forwarded, name: `contract-${++opened}` });
  return { store, cleanup: () => store.close() };
});

describe("Durable Object store: beyond the contract", () => {
  const event = (id: string) => ({ id, type: "Happened", data: { id } });

  it("numbers positions densely from 0", async () => {
    const store = await openDurableObjectEventStore({ namespace: host.namespace, name: "dense" });
    expect(await store.append("a", [event("a0"), event("a1")], "no_stream")).toEqual({ nextExpectedRevision: 1, position: 1 });
    expect(await store.append("b", [event("b0")], "no_stream")).toEqual({ nextExpectedRevision: 0, position: 2 });
    expect((await store.readAll()).map((recorded) => recorded.position)).toEqual([0, 1, 2]);
    await store.close();
  });

  it("delivers events another isolate appended, in order, after refresh() or this isolate's next append", async () => {
    const here = await openDurableObjectEventStore({ namespace: host.namespace, name: "two-isolates" });
    const there = await openDurableObjectEventStore({ namespace: host.forwarded, name: "two-isolates" });
    const seen: string[] = [];
    let caughtUp = false;
    here.subscribeToAll((recorded) => void seen.push(recorded.id), { onCaughtUp: () => (caughtUp = true) });
    await vi.waitFor(() => expect(caughtUp).toBe(true));

    await there.append("s", [event("there-0"), event("there-1")], "no_stream");
    await here.refresh();
    await vi.waitFor(() => expect(seen).toEqual(["there-0", "there-1"]));

    await there.append("s", [event("there-2")], 1);
    await here.append("t", [event("here-0")], "no_stream");
    await vi.waitFor(() => expect(seen).toEqual(["there-0", "there-1", "there-2", "here-0"]));
    await Promise.all([here.close(), there.close()]);
  });

  it("reads pages of a long log back whole (more events than one answer of the object holds)", async () => {
    const store = await openDurableObjectEventStore({ namespace: host.forwarded, name: "long" });
    for (let batch = 0; batch < 5; batch += 1) {
      await store.append("long", Array.from({ length: 500 }, (_, index) => event(`e${batch * 500 + index}`)), batch === 0 ? "no_stream" : batch * 500 - 1);
    }
    expect((await store.readAll()).map((recorded) => recorded.position)).toEqual(Array.from({ length: 2500 }, (_, index) => index));
    const backwards = await store.readStream("long", { direction: "backwards", fromRevision: 2200, maxCount: 1500 });
    expect(backwards.map((recorded) => recorded.revision)).toEqual(Array.from({ length: 1500 }, (_, index) => 2200 - index));
    expect(await store.readAll({ fromPosition: 1200, maxCount: 1100 })).toHaveLength(1100);
    await store.close();
  });
});

describe("Durable Object store: persistence", () => {
  it("keeps the log across a restart of workerd (miniflare's persistence directory)", async () => {
    const persisted = await mkdtemp(join(tmpdir(), "baton-do-persist-"));
    try {
      const first = await startEventLogHost(join(persisted, "a"), join(persisted, "do"));
      const before = await openDurableObjectEventStore({ namespace: first.namespace });
      await before.append("workflow-1", [{ id: "x", type: "Happened", data: { n: 1 } }], "no_stream");
      await first.dispose();

      const second = await startEventLogHost(join(persisted, "b"), join(persisted, "do"));
      const after = await openDurableObjectEventStore({ namespace: second.namespace });
      expect(await after.readStream("workflow-1")).toMatchObject([{ id: "x", revision: 0, position: 0, data: { n: 1 } }]);
      await expect(after.append("workflow-1", [{ id: "y", type: "Happened", data: {} }], "no_stream")).rejects.toThrow(/revision 0/);
      await second.dispose();
    } finally {
      await rm(persisted, { recursive: true, force: true });
    }
  }, 60_000);
});
