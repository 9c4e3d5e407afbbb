/**
 * The Durable Object that holds Baton's whole event log on workerd: one
 * object (`idFromName("baton")`) with SQLite-backed storage, one row per event,
 * keyed by its global position, indexed by (stream, revision).
 *
 * Why one object and not one per stream: an append must check its stream's
 * revision and take the next global position in one step, or `$all` could
 * show a later position before an earlier one. Inside one object both are a
 * single synchronous SQLite transaction, and workerd runs one request of an
 * object at a time between awaits (there are none here), so no lock is
 * needed. Objects per stream would need a sequencer object and two writes
 * that can fail apart. The price is one object's throughput (on the order of
 * a thousand small appends a second), which a single workflow engine's log
 * does not reach on the edge.
 *
 * The client (durable-object.ts) speaks to it over `fetch` with the JSON of
 * durable-object-protocol.ts. The append rules are the embedded stores' own
 * (append-rules.ts): expected revisions, conflicts, idempotent retries.
 */
import { ConcurrencyError } from "../../domain/errors.ts";
import type { AppendResult, NewEvent } from "../../domain/ports.ts";
import { assertValidExpected, conflict, expectationHolds, isRetry, retryRange } from "./append-rules.ts";
import type { AppendBatchRequest, AppendBatchResponse, AppendRequest, AppendResponse, ArmRequest, ArmResponse, HeadResponse, Operation, ReadAllRequest, ReadResponse, ReadStreamRequest, WakeTokenResponse, WireEvent } from "./durable-object-protocol.ts";
import { WAKE_HEADER, WAKE_PATH } from "./durable-object-protocol.ts";

/** The part of workerd's `SqlStorage` this object uses. */
export interface SqlStorageLike {
  exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] };
}

/** The part of workerd's `DurableObjectState` this object uses. */
export interface DurableObjectStateLike {
  storage: {
    sql: SqlStorageLike;
    transactionSync<T>(run: () => T): T;
    getAlarm(): Promise<number | null>;
    setAlarm(scheduledTime: number): Promise<void>;
  };
}

/** The bindings the object reads: `BATON_SELF`, a service binding to the worker itself, which the alarm calls. */
export interface EventLogEnv {
  BATON_SELF?: { fetch(url: string, init: { method: string; headers: Record<string, string> }): Promise<{ ok: boolean; status: number; text(): Promise<string> }> };
}

/** Events per read reply at most, and roughly the bytes of event data (a reply holds at least one event). */
const PAGE_EVENTS = 1000;
const PAGE_BYTES = 4 * 1024 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY,
  stream TEXT NOT NULL,
  revision INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream, revision);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const COLUMNS = "position, stream, revision, id, type, data, metadata, created";

/**
 * The event log object. Bind it as a Durable Object class with SQLite storage
 * (`new_sqlite_classes` in wrangler.toml, `useSQLite` in miniflare).
 */
export class BatonEventLog {
  readonly #sql: SqlStorageLike;
  readonly #transaction: <T>(run: () => T) => T;
  readonly #storage: DurableObjectStateLike["storage"];
  readonly #env: EventLogEnv;

  constructor(state: DurableObjectStateLike, env: EventLogEnv = {}) {
    this.#storage = state.storage;
    this.#env = env ?? {};
    this.#sql = state.storage.sql;
    this.#transaction = (run) => state.storage.transactionSync(run);
    this.#sql.exec(SCHEMA);
  }

  /**
   * The alarm: calls the worker's wake route (timers and reactors run there, then
   * it arms the next alarm). A failed call throws, so workerd tries the alarm again
   * (with backoff, a few times); without `BATON_SELF` nothing can be woken.
   */
  async alarm(): Promise<void> {
    const self = this.#env.BATON_SELF;
    if (!self) {
      console.error("The event log's alarm rang but there is no BATON_SELF service binding to wake the worker with");
      return;
    }
    const response = await self.fetch(`https://baton.internal${WAKE_PATH}`, { method: "POST", headers: { [WAKE_HEADER]: this.wakeToken().token } });
    if (!response.ok) throw new Error(`The worker answered ${response.status} to its wake-up call: ${(await response.text()).slice(0, 500)}`);
  }

  /**
   * Sets the alarm to `at` unless it is set earlier already (a time past rings at once).
   * Between `getAlarm` and `setAlarm` the object's input gate holds other requests back.
   */
  async arm({ at }: ArmRequest): Promise<ArmResponse> {
    if (typeof at !== "number" || !Number.isFinite(at)) throw new RangeError(`arm: "at" must be a time in epoch milliseconds, got ${JSON.stringify(at)}`);
    const current = await this.#storage.getAlarm();
    // An alarm in the past is the one ringing now (its call arms the next one): it does not count.
    if (current !== null && current > Date.now() && current <= at) return { alarm: current };
    await this.#storage.setAlarm(at);
    return { alarm: at };
  }

  /** The wake-up call's secret: made once, kept in the object's storage, never sent to anyone but the worker. */
  wakeToken(): WakeTokenResponse {
    const [row] = this.#sql.exec("SELECT value FROM settings WHERE key = 'wake-token'").toArray();
    if (row) return { token: String(row.value) };
    const token = `${crypto.randomUUID()}${crypto.randomUUID()}`.replaceAll("-", "");
    this.#sql.exec("INSERT INTO settings (key, value) VALUES ('wake-token', ?)", token);
    return { token };
  }

  async fetch(request: Request): Promise<Response> {
    const operation = new URL(request.url).pathname.slice(1) as Operation;
    try {
      switch (operation) {
        case "append":
          return Response.json(this.appendBatch((await request.json()) as AppendBatchRequest));
        case "read-stream":
          return Response.json(this.readStream((await request.json()) as ReadStreamRequest));
        case "read-all":
          return Response.json(this.readAll((await request.json()) as ReadAllRequest));
        case "head":
          return Response.json(this.head());
        case "arm":
          return Response.json(await this.arm((await request.json()) as ArmRequest));
        case "wake-token":
          return Response.json(this.wakeToken());
        default: {
          const _exhaustive: never = operation;
          return Response.json({ message: `Unknown event log operation "${String(_exhaustive)}"` }, { status: 404 });
        }
      }
    } catch (error) {
      // A RangeError is the caller's (a bad expected revision); anything else is the object's.
      const status = error instanceof RangeError ? 400 : 500;
      return Response.json({ message: error instanceof Error ? error.message : String(error) }, { status });
    }
  }

  /** Each append on its own: one that conflicts or is invalid does not stop the others. */
  appendBatch({ appends }: AppendBatchRequest): AppendBatchResponse {
    return {
      results: appends.map((append) => {
        try {
          return this.append(append);
        } catch (error) {
          if (error instanceof RangeError) return { kind: "invalid", message: error.message };
          throw error;
        }
      }),
    };
  }

  append({ streamId, events, expected }: AppendRequest): AppendResponse {
    assertValidExpected(expected);
    return this.#transaction(() => {
      const last = this.#lastRevision(streamId);
      if (!expectationHolds(last, expected)) {
        const retried = this.#retried(streamId, events, expected);
        if (retried) return { kind: "retried", result: retried };
        const error: ConcurrencyError = conflict(streamId, expected, last);
        return { kind: "conflict", message: error.message, streamId, expected, actual: error.actual };
      }
      if (events.length === 0) {
        const position = last < 0 ? -1 : this.#positionOf(streamId, last);
        return { kind: "retried", result: { nextExpectedRevision: last, position } };
      }
      const created = Date.now();
      let position = this.head().next;
      let revision = last + 1;
      for (const event of events) {
        this.#sql.exec(
          `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          position,
          streamId,
          revision,
          event.id,
          event.type,
          JSON.stringify(event.data ?? null),
          JSON.stringify(event.metadata ?? {}),
          created,
        );
        position += 1;
        revision += 1;
      }
      return { kind: "appended", result: { nextExpectedRevision: revision - 1, position: position - 1 }, created };
    });
  }

  readStream({ streamId, fromRevision, direction = "forwards", maxCount }: ReadStreamRequest): ReadResponse {
    const limit = Math.min(maxCount ?? Number.POSITIVE_INFINITY, PAGE_EVENTS + 1);
    const rows =
      direction === "backwards"
        ? this.#sql.exec(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`, streamId, fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
        : this.#sql.exec(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`, streamId, Math.max(0, fromRevision ?? 0), limit);
    return page(rows.toArray(), maxCount);
  }

  readAll({ fromPosition, maxCount }: ReadAllRequest): ReadResponse {
    const limit = Math.min(maxCount ?? Number.POSITIVE_INFINITY, PAGE_EVENTS + 1);
    const rows = this.#sql.exec(`SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`, Math.max(0, fromPosition ?? 0), limit);
    return page(rows.toArray(), maxCount);
  }

  head(): HeadResponse {
    const [row] = this.#sql.exec("SELECT MAX(position) AS last FROM events").toArray();
    const last = row?.last;
    return { next: typeof last === "number" ? last + 1 : 0 };
  }

  #lastRevision(streamId: string): number {
    const [row] = this.#sql.exec("SELECT MAX(revision) AS last FROM events WHERE stream = ?", streamId).toArray();
    return typeof row?.last === "number" ? row.last : -1;
  }

  #positionOf(streamId: string, revision: number): number {
    const [row] = this.#sql.exec("SELECT position FROM events WHERE stream = ? AND revision = ?", streamId, revision).toArray();
    return Number(row?.position);
  }

  /** The first result of an append whose events are already stored right after `expected` (a retry). */
  #retried(streamId: string, events: NewEvent[], expected: AppendRequest["expected"]): AppendResult | undefined {
    const range = retryRange(events, expected);
    if (!range) return undefined;
    const rows = this.#sql
      .exec("SELECT id, position FROM events WHERE stream = ? AND revision >= ? AND revision < ? ORDER BY revision", streamId, range.first, range.first + range.count)
      .toArray();
    if (!isRetry(rows.map((row) => String(row.id)), events)) return undefined;
    return { nextExpectedRevision: range.first + range.count - 1, position: Number(rows.at(-1)?.position) };
  }
}

/** Rows as wire events, cut at the page's event count or bytes; `more` when cut before `maxCount`. */
function page(rows: Record<string, unknown>[], maxCount: number | undefined): ReadResponse {
  const events: WireEvent[] = [];
  let bytes = 0;
  for (const row of rows) {
    const data = String(row.data);
    if (events.length > 0 && (events.length >= PAGE_EVENTS || bytes + data.length > PAGE_BYTES)) break;
    bytes += data.length;
    events.push({
      position: Number(row.position),
      streamId: String(row.stream),
      revision: Number(row.revision),
      id: String(row.id),
      type: String(row.type),
      data: JSON.parse(data) as unknown,
      metadata: JSON.parse(String(row.metadata)) as WireEvent["metadata"],
      created: Number(row.created),
    });
  }
  return { events, more: events.length < rows.length && events.length < (maxCount ?? Number.POSITIVE_INFINITY) };
}
