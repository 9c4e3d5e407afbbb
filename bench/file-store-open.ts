/**
 * Opening a large file log: time and memory of the file store, which indexes
 * the log and reads events on demand, against the previous behaviour measured
 * in the same run: every event loaded into memory (the memory store's event
 * log fed by the same scan, which is what opening did before the index).
 *
 *   npx tsx bench/file-store-open.ts [--events 1000000] [--rounds 1] [--hot-records N] [--out file.json]
 *
 * `--hot-records` (default the store's, 100,000) is passed to the file store
 * both when writing and when opening: with fewer records than events, writing
 * leaves index segments (DATA_DIR/index) and opening loads them and scans only
 * the log after them.
 *
 * Writes `--events` events through the file store (fsync off) into a temp dir:
 * appends of 1-4 events, as the engine makes them, to many workflow streams
 * in flight at once, each event 300-600 bytes of JSON data plus metadata.
 * Then each side runs in a fresh child process (so that neither inherits the
 * other's heap), and reports: open time, RSS after open (after a GC), peak
 * RSS, 1,000 random `readStream` calls, and a catch-up subscription from
 * position 0 to the end (what the engine does on start), with the peak RSS
 * after it. For scale, one more child opens an empty store: what the runtime
 * and the modules cost before any event.
 */
import { spawn } from "node:child_process";
import { mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createEventLog } from "../src/adapters/eventstore/event-log.ts";
import { openFileEventStore } from "../src/adapters/eventstore/file.ts";
import { scanLog } from "../src/adapters/eventstore/file-scan.ts";
import { createSubscriptionHub, feedOfLog } from "../src/adapters/eventstore/subscriptions.ts";
import type { NewEvent, ReadStreamOptions, RecordedEvent, SubscribeOptions, Subscription } from "../src/domain/ports.ts";
import { describeMachine } from "./machine.ts";
import { seededRandom } from "../tests/support/seeded-random.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "100000" },
    rounds: { type: "string", default: "1" },
    out: { type: "string" },
    // Internal: the child process's role.
    measure: { type: "string" },
    dir: { type: "string" },
    streams: { type: "string" },
    "hot-records": { type: "string" },
  },
});

/** Workflows average ~12 events here; the engine's three-task workflows have 11. */
const EVENTS_PER_STREAM = 12;
const hotRecords = values["hot-records"] === undefined ? undefined : Number(values["hot-records"]);
const IN_FLIGHT = 500;
const SAMPLED_READS = 1_000;

type Mode = "indexed" | "in-memory";

interface Measurement {
  mode: Mode;
  events: number;
  openMs: number;
  rssAfterOpenMiB: number;
  heapAfterOpenMiB: number;
  peakRssOpenMiB: number;
  readStreamMsPerCall: number;
  catchUpMs: number;
  peakRssAfterCatchUpMiB: number;
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
const TYPES = ["TaskScheduled", "TaskStarted", "TaskUpdated", "TaskCompleted", "VariablesSet"];

function text(next: () => number, length: number): string {
  let out = "";
  for (let i = 0; i < length; i += 1) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

/** One engine-like event: 300-600 bytes of data, metadata naming its cause and source. */
function makeEvent(next: () => number, streamId: string, revision: number): NewEvent {
  const base = { workflowId: streamId.slice("workflow-".length), taskId: `${streamId}-t${revision >> 1}`, referenceTaskName: `step_${revision >> 1}`, status: "COMPLETED" };
  const target = 300 + Math.floor(next() * 301);
  const padding = Math.max(0, target - JSON.stringify({ ...base, outputData: { result: "" } }).length);
  return {
    id: `${streamId}/${revision}`,
    type: TYPES[Math.floor(next() * TYPES.length)]!,
    data: { ...base, outputData: { result: text(next, padding) } },
    metadata: { correlationId: `corr-${streamId}`, causationId: `cmd-${streamId}-${revision}`, source: { kind: "worker", detail: `worker-${Math.floor(next() * 16)}` } },
  };
}

/** Writes `total` events; returns how many streams were written (named workflow-0 .. workflow-N-1). */
async function generate(dir: string, total: number): Promise<number> {
  const next = seededRandom(42);
  const store = await openFileEventStore({ dir, fsync: false, hotRecords });
  const revisions: number[] = [];
  const targets: number[] = [];
  const active: number[] = [];
  let written = 0;
  const startStream = () => {
    revisions.push(-1);
    targets.push(EVENTS_PER_STREAM / 2 + Math.floor(next() * EVENTS_PER_STREAM));
    active.push(revisions.length - 1);
  };
  while (active.length < IN_FLIGHT) startStream();
  let lastReport = Date.now();
  while (written < total) {
    // One wave: one append per in-flight stream, concurrently, as group commit sees them from the engine.
    const wave = active.splice(0, active.length);
    await Promise.all(
      wave.map(async (stream) => {
        const streamId = `workflow-${stream}`;
        const count = Math.min(1 + Math.floor(next() * 4), Math.max(1, total - written));
        if (written >= total) return;
        written += count;
        const first = revisions[stream]! + 1;
        const events = Array.from({ length: count }, (_, i) => makeEvent(next, streamId, first + i));
        await store.append(streamId, events, revisions[stream]! < 0 ? "no_stream" : revisions[stream]!);
        revisions[stream] = first + count - 1;
      }),
    );
    for (const stream of wave) {
      if (revisions[stream]! + 1 >= targets[stream]!) startStream();
      else active.push(stream);
    }
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      console.error(`  written ${written.toLocaleString("en-US")} events`);
    }
  }
  await store.close();
  // Streams started after the last append were never written; they have the highest numbers.
  return revisions.filter((revision) => revision >= 0).length;
}

/** The store as both sides expose it to the measurement. */
interface Opened {
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  subscribeToAll(handler: (event: RecordedEvent) => void, options?: SubscribeOptions): Subscription;
  close(): Promise<void>;
}

/** Before the index: scan the log and keep every event in memory (event-log.ts). */
async function openInMemory(dir: string): Promise<Opened> {
  const file = join(dir, "events.log");
  const handle = await open(file, "r");
  const log = createEventLog();
  try {
    await scanLog(handle, file, (batch) => {
      log.add(batch);
    });
  } finally {
    await handle.close();
  }
  log.reveal(log.events.length);
  const hub = createSubscriptionHub(feedOfLog(log));
  return {
    readStream: async (streamId, options) => log.readStream(streamId, options),
    subscribeToAll: (handler, options) => hub.subscribe(handler, options),
    close: async () => hub.closeAll(),
  };
}

const mib = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
const peakRss = () => mib(process.resourceUsage().maxRSS * 1024);

/** The reference child: an empty store, for the runtime's own share of the RSS. */
async function measureEmpty(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "baton-open-bench-empty-"));
  const store = await openFileEventStore({ dir, fsync: false });
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ rssAfterOpenMiB: mib(rss), heapAfterOpenMiB: mib(heapUsed) })}\n`);
}

/** The child's part: open, measure, read, catch up; prints one JSON line. */
async function measure(mode: Mode, dir: string, streams: number): Promise<void> {
  const started = performance.now();
  const store: Opened = mode === "indexed" ? await openFileEventStore({ dir, fsync: false, hotRecords }) : await openInMemory(dir);
  const openMs = performance.now() - started;
  const peakRssOpenMiB = peakRss();
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();

  const next = seededRandom(7);
  const readsStarted = performance.now();
  for (let i = 0; i < SAMPLED_READS; i += 1) {
    const events = await store.readStream(`workflow-${Math.floor(next() * streams)}`);
    if (events.length === 0) throw new Error("a sampled stream read back empty");
  }
  const readStreamMsPerCall = (performance.now() - readsStarted) / SAMPLED_READS;

  const catchUpStarted = performance.now();
  let events = 0;
  await new Promise<void>((resolve) => {
    const subscription = store.subscribeToAll(() => void (events += 1), {
      onCaughtUp: () => void subscription.close().then(resolve),
    });
  });
  const catchUpMs = performance.now() - catchUpStarted;
  await store.close();
  const result: Measurement = {
    mode,
    events,
    openMs: Math.round(openMs),
    rssAfterOpenMiB: mib(rss),
    heapAfterOpenMiB: mib(heapUsed),
    peakRssOpenMiB,
    readStreamMsPerCall: Number(readStreamMsPerCall.toFixed(3)),
    catchUpMs: Math.round(catchUpMs),
    peakRssAfterCatchUpMiB: peakRss(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild<T = Measurement>(mode: Mode | "empty", dir: string, streams: number): Promise<T> {
  const script = fileURLToPath(import.meta.url);
  // The same generous heap limit for both: the in-memory side needs it for large logs.
  const args = ["--expose-gc", "--max-old-space-size=16384", "--import", "tsx", script, "--measure", mode, "--dir", dir, "--streams", String(streams), ...(hotRecords === undefined ? [] : ["--hot-records", String(hotRecords)])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${mode} child exited with ${code}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const total = Number(values.events);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(rounds) || rounds < 1) {
    console.error("bench/file-store-open: --events and --rounds must be whole numbers >= 1");
    process.exit(2);
  }
  const machine = describeMachine();
  const dir = await mkdtemp(join(tmpdir(), "baton-open-bench-"));
  try {
    const generating = performance.now();
    const streams = await generate(dir, total);
    const size = (await stat(join(dir, "events.log"))).size;
    console.log(
      `wrote ${total.toLocaleString("en-US")} events to ${streams.toLocaleString("en-US")} streams, ${mib(size)} MiB of log, in ${((performance.now() - generating) / 1000).toFixed(1)} s`,
    );
    const runs: Measurement[] = [];
    for (let round = 0; round < rounds; round += 1) {
      // Alternate which side goes first, so that neither always has the warmer page cache.
      const order: Mode[] = round % 2 === 0 ? ["in-memory", "indexed"] : ["indexed", "in-memory"];
      for (const mode of order) runs.push(await runChild(mode, dir, streams));
    }
    const summary = (mode: Mode) => {
      const mine = runs.filter((run) => run.mode === mode);
      const pick = (key: keyof Measurement) => median(mine.map((run) => run[key] as number));
      return {
        openMs: pick("openMs"),
        rssAfterOpenMiB: pick("rssAfterOpenMiB"),
        heapAfterOpenMiB: pick("heapAfterOpenMiB"),
        peakRssOpenMiB: pick("peakRssOpenMiB"),
        readStreamMsPerCall: pick("readStreamMsPerCall"),
        catchUpMs: pick("catchUpMs"),
        peakRssAfterCatchUpMiB: pick("peakRssAfterCatchUpMiB"),
      };
    };
    const empty = await runChild<Pick<Measurement, "rssAfterOpenMiB" | "heapAfterOpenMiB">>("empty", dir, 0);
    const before = summary("in-memory");
    const after = summary("indexed");
    const row = (name: string, key: keyof typeof before, unit: string) =>
      console.log(`${name.padEnd(34)} ${`${before[key]} ${unit}`.padStart(14)} ${`${after[key]} ${unit}`.padStart(14)} ${`${(after[key] / before[key]).toFixed(2)}x`.padStart(8)}`);
    console.log(`\n${"".padEnd(34)} ${"in memory".padStart(14)} ${"indexed".padStart(14)} ${"ratio".padStart(8)}   (median of ${rounds})`);
    row("open", "openMs", "ms");
    row("RSS after open (after GC)", "rssAfterOpenMiB", "MiB");
    row("JS heap after open (after GC)", "heapAfterOpenMiB", "MiB");
    row("peak RSS during open", "peakRssOpenMiB", "MiB");
    row(`readStream (${SAMPLED_READS} random streams)`, "readStreamMsPerCall", "ms");
    row("catch-up subscription, 0 to end", "catchUpMs", "ms");
    row("peak RSS after catch-up", "peakRssAfterCatchUpMiB", "MiB");
    console.log(`(an empty store's process: ${empty.rssAfterOpenMiB} MiB RSS, ${empty.heapAfterOpenMiB} MiB JS heap)`);
    if (values.out) await writeFile(values.out, `${JSON.stringify({ machine, events: total, streams, logBytes: size, runs, before, after, empty }, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (values.measure === "empty") {
  await measureEmpty();
} else if (values.measure) {
  if (values.measure !== "indexed" && values.measure !== "in-memory") throw new Error(`unknown --measure ${values.measure}`);
  await measure(values.measure, values.dir!, Number(values.streams));
} else {
  await main();
}
