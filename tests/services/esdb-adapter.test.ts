/**
 * What the EventStoreDB store does beyond the shared contract, on the stand-in
 * (tests/support/esdb-standin, not EventStoreDB): only Baton's streams in
 * `$all`, positions as EventStoreDB's commit positions, reads from positions
 * between events, event ids EventStoreDB cannot take as they are, resuming
 * after the server went away, and a stored checkpoint.
 */
import { EventStoreDBClient, jsonEvent } from "@eventstore/db-client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openEsdbEventStore, type CheckpointStore } from "../../src/adapters/eventstore/esdb.ts";
import { ConcurrencyError } from "../../src/domain/errors.ts";
import type { EventStore, NewEvent, RecordedEvent } from "../../src/domain/ports.ts";
import { startEsdbStandin, type EsdbStandin } from "../support/esdb-standin/index.ts";

const event = (id: string, data: unknown = { id }): NewEvent => ({ id, type: "Happened", data });

describe("EventStoreDB store (on the stand-in)", () => {
  let standin: EsdbStandin;
  let store: EventStore;
  const opened: EventStore[] = [];

  async function open(options: Partial<Parameters<typeof openEsdbEventStore>[0]> = {}) {
    const opening = await openEsdbEventStore({ connectionString: standin.connectionString, retryDelayMs: 20, ...options });
    opened.push(opening);
    return opening;
  }

  beforeEach(async () => {
    standin = await startEsdbStandin();
    store = await open();
  });
  afterEach(async () => {
    for (const each of opened.splice(0)) await each.close();
    await standin.stop();
  });

  it("bounds a stream with $maxCount and $maxAge metadata (the cluster's heartbeats), as the server stores it", async () => {
    const stream = "baton_members-heartbeats";
    await store.append(stream, ["h1", "h2", "h3", "h4", "h5"].map((id) => event(crypto.randomUUID(), { id })), "any");
    await store.limitStream!(stream, { maxAgeSeconds: 60, maxCount: 2 });
    const other = EventStoreDBClient.connectionString(standin.connectionString);
    const metadata = await other.getStreamMetadata(stream);
    await other.dispose();
    expect(metadata.metadata).toMatchObject({ maxAge: 60, maxCount: 2 });
    // Stream reads see the newest two only; a backwards read of the newest (what members do) too.
    expect((await store.readStream(stream)).map((recorded) => (recorded.data as { id: string }).id)).toEqual(["h4", "h5"]);
    expect((await store.readStream(stream, { direction: "backwards", maxCount: 32 })).map((recorded) => recorded.revision)).toEqual([4, 3]);
  });

  it("sees only Baton's streams in $all, reads and subscriptions alike", async () => {
    const other = EventStoreDBClient.connectionString(standin.connectionString);
    await other.appendToStream("orders-1", jsonEvent({ type: "OrderPlaced", data: {} }));
    await store.append("workflow-w1", [event("a")], "no_stream");
    await store.append("orders-2", [event("b")], "no_stream");
    await other.appendToStream("$settings", jsonEvent({ type: "$settings", data: {} }));
    await store.append("taskdef-t1", [event("c")], "no_stream");
    await other.dispose();

    expect((await store.readAll()).map((recorded) => recorded.streamId)).toEqual(["workflow-w1", "taskdef-t1"]);
    const seen: string[] = [];
    const caughtUp = vi.fn();
    store.subscribeToAll((recorded) => void seen.push(recorded.streamId), { onCaughtUp: caughtUp });
    await vi.waitFor(() => expect(caughtUp).toHaveBeenCalled());
    await store.append("orders-3", [event("d")], "no_stream");
    await store.append("dagrun-r1", [event("e")], "no_stream");
    await vi.waitFor(() => expect(seen).toEqual(["workflow-w1", "taskdef-t1", "dagrun-r1"]));
    // Streams outside the subscription's scope are still readable one by one.
    expect((await store.readStream("orders-2")).map((recorded) => recorded.id)).toEqual(["b"]);
  });

  it("numbers events by EventStoreDB's commit position: increasing, with gaps, not from 0", async () => {
    await store.append("workflow-w1", [event("a"), event("b")], "no_stream");
    const result = await store.append("workflow-w2", [event("c")], "no_stream");
    const positions = (await store.readAll()).map((recorded) => recorded.position);
    const stored = standin.log.events().filter((e) => e.streamName.startsWith("workflow-"));
    expect(positions).toEqual(stored.map((e) => Number(e.position)));
    expect(positions[0]).toBeGreaterThan(0);
    expect(positions[1]! - positions[0]!).toBeGreaterThan(1);
    expect(result.position).toBe(positions[2]);
  });

  it("reads $all from any position, also between events and past the end", async () => {
    for (const id of ["a", "b", "c", "d"]) await store.append(`workflow-${id}`, [event(id)], "no_stream");
    const all = await store.readAll();
    const [a, b, c, d] = all as [RecordedEvent, RecordedEvent, RecordedEvent, RecordedEvent];
    const ids = async (fromPosition: number) => (await store.readAll({ fromPosition })).map((recorded) => recorded.id);
    expect(await ids(b.position)).toEqual(["b", "c", "d"]);
    expect(await ids(b.position + 1)).toEqual(["c", "d"]); // just past an event
    expect(await ids(Math.floor((b.position + c.position) / 2))).toEqual(["c", "d"]); // anywhere between
    expect(await ids(a.position - 1)).toEqual(["a", "b", "c", "d"]);
    expect(await ids(d.position + 1)).toEqual([]);
    expect(await ids(d.position + 10_000)).toEqual([]);

    const seen: string[] = [];
    store.subscribeToAll((recorded) => void seen.push(recorded.id), { fromPosition: c.position - 1 });
    await vi.waitFor(() => expect(seen).toEqual(["c", "d"]));
    const late: string[] = [];
    store.subscribeToAll((recorded) => void late.push(recorded.id), { fromPosition: d.position + 1 });
    await store.append("workflow-e", [event("e")], "no_stream");
    await vi.waitFor(() => expect(late).toEqual(["e"]));
    expect(seen).toEqual(["c", "d", "e"]);
  });

  it("stores UUID ids as EventStoreDB event ids and maps other ids, returning both as given", async () => {
    const uuid = "7d3f5e1c-2b4a-4c8d-9e0f-1a2b3c4d5e6f";
    const metadata = { correlationId: "c-1", source: { kind: "rest" as const } };
    await store.append("workflow-w1", [{ ...event(uuid), metadata }, { ...event("not-a-uuid"), metadata }], "no_stream");
    const [first, second] = await store.readStream("workflow-w1");
    expect(first).toMatchObject({ id: uuid, metadata });
    expect(second).toMatchObject({ id: "not-a-uuid", metadata });
    const ids = standin.log.events().filter((e) => e.streamName === "workflow-w1").map((e) => e.id);
    expect(ids[0]).toBe(uuid);
    expect(ids[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Retrying the append is idempotent through the mapped id too.
    expect(await store.append("workflow-w1", [{ ...event(uuid), metadata }, { ...event("not-a-uuid"), metadata }], "no_stream")).toEqual({
      nextExpectedRevision: 1,
      position: second!.position,
    });
  });

  it("translates a conflict into ConcurrencyError naming the stream and revisions", async () => {
    await store.append("workflow-w1", [event("a"), event("b")], "no_stream");
    const error = await store.append("workflow-w1", [event("x")], 0).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ streamId: "workflow-w1", expected: 0, actual: 1, message: 'Stream "workflow-w1": expected revision 0, but it is at revision 1' });
  });

  it("resumes a subscription after the server went away, without gaps or repeats", async () => {
    const seen: string[] = [];
    const caughtUp = vi.fn();
    store.subscribeToAll((recorded) => void seen.push(recorded.id), { onCaughtUp: caughtUp });
    await vi.waitFor(() => expect(caughtUp).toHaveBeenCalled());
    await store.append("workflow-w1", [event("before")], "no_stream");
    expect(seen).toEqual(["before"]);

    await standin.pause();
    await expect(store.append("workflow-w1", [event("during")], 0)).rejects.not.toBeInstanceOf(ConcurrencyError);
    // Another writer gets through while this process is cut off... (simulated by writing straight into the log)
    standin.log.write("workflow-w2", { kind: "no_stream" }, [
      { id: "0b8c6c0e-6f1e-4c5e-8d8e-9a0a1b2c3d4e", type: "Happened", contentType: "application/json", data: Buffer.from("{}"), metadata: Buffer.from("{}") },
    ]);
    await standin.resume();

    await store.append("workflow-w1", [event("after")], 0);
    await vi.waitFor(() => expect(seen).toEqual(["before", "0b8c6c0e-6f1e-4c5e-8d8e-9a0a1b2c3d4e", "after"]));
    expect(caughtUp).toHaveBeenCalledTimes(1);
  });

  it("does not hold up appends for a subscriber busy in an asynchronous handler", async () => {
    const caughtUp = vi.fn();
    const seen: string[] = [];
    store.subscribeToAll(
      async (recorded) => {
        seen.push(recorded.id);
        // A handler that itself appends and waits for that append must not deadlock.
        if (recorded.id === "first") await store.append("workflow-w2", [event("from-handler")], "no_stream");
      },
      { onCaughtUp: caughtUp },
    );
    await vi.waitFor(() => expect(caughtUp).toHaveBeenCalled());
    const started = Date.now();
    await store.append("workflow-w1", [event("first")], "no_stream");
    await vi.waitFor(() => expect(seen).toEqual(["first", "from-handler"]));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("resumes after a stored checkpoint when no position is given", async () => {
    let saved: number | undefined;
    const checkpoint: CheckpointStore = {
      load: async () => saved,
      save: async (position) => void (saved = position),
    };
    for (const id of ["a", "b"]) await store.append(`workflow-${id}`, [event(id)], "no_stream");
    const first = await open({ checkpoint });
    const seen: string[] = [];
    const subscription = first.subscribeToAll((recorded) => void seen.push(recorded.id));
    await vi.waitFor(() => expect(seen).toEqual(["a", "b"]));
    await subscription.close(); // saves the checkpoint
    expect(saved).toBe((await store.readAll()).at(-1)?.position);

    await store.append("workflow-c", [event("c")], "no_stream");
    const second = await open({ checkpoint });
    const resumed: string[] = [];
    second.subscribeToAll((recorded) => void resumed.push(recorded.id));
    await vi.waitFor(() => expect(resumed).toEqual(["c"]));
  });

  it("fails fast, without credentials in the message, when the server cannot be reached", async () => {
    const port = Number(new URL(standin.connectionString.replace("esdb://", "http://")).port);
    await standin.stop();
    await expect(openEsdbEventStore({ connectionString: `esdb://admin:secret@127.0.0.1:${port}?tls=false` })).rejects.toThrow(
      /^Cannot reach EventStoreDB at esdb:\/\/127\.0\.0\.1:\d+\?tls=false: /,
    );
  });
});
