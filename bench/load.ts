/**
 * Drives one server through the official SDK: registers the workload, runs its
 * workers with the SDK's TaskHandler, starts workflows with the SDK's workflow
 * client (at most `inflight` at a time, a new one as soon as one completes),
 * observes completions with one request per round (bench/completion-observer.ts),
 * then checks every workflow's status and output. The same code runs against
 * Baton, the stub and Conductor.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { noopLogger, OrkesClients, TaskHandler } from "@io-orkes/conductor-javascript";
import { type ObserverKind, searchObserver, statusObserver } from "./completion-observer.ts";
import { percentile } from "./stats.ts";
import { chainWorkload } from "./workload.ts";
import type { WorkerSettings, Workload } from "./workload.ts";

export interface LoadOptions {
  serverUrl: string;
  /** Measured workflows. */
  workflows: number;
  /** Unmeasured workflows run first, to warm up the JIT, connections and caches. */
  warmup: number;
  /** Workflows started but not yet observed complete, at most. */
  inflight: number;
  /** Observer rounds start at most this often, ms (a round that takes longer is followed at once). */
  observeIntervalMs: number;
  /** How completions are seen (default search; status works on every server, bench/completion-observer.ts). */
  observer?: ObserverKind;
  /**
   * When set, rounds are spaced by this fraction of the median latency seen so far
   * (never closer than observeIntervalMs, never further than 1 s): each workflow is
   * then asked about about as often over its life on a fast server as on a slow one,
   * so the observer's requests per workflow and the delay it adds relative to a
   * workflow's latency are the same on both sides of a comparison.
   */
  observeLatencyFraction?: number;
  /** The status observer asks about at most this many workflows per round (default 20). */
  observeBatch?: number;
  /** Give up on a batch (warm-up or measured) after this long, ms, and say so: a server that cannot keep up. */
  timeCapMs?: number;
  workers: WorkerSettings;
  /** Give up when no workflow completes for this long, ms. */
  stallTimeoutMs: number;
  /** What to run (default: the 3-task chain of bench/workload.ts). */
  workload?: Workload;
  /** Called when the measured phase starts and when its timed window closes (e.g. to read a server's CPU). */
  onMeasuredStart?: () => void;
  onMeasuredEnd?: (workflowIds: string[]) => void;
}

export interface LoadResult {
  workflows: number;
  wallSeconds: number;
  workflowsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Requests the observer made, and workflow ids it asked about or was sent back (its own load on the server). */
  observerRequests: number;
  observedIds: number;
  /** The time cap ended the run. */
  timedOut: boolean;
  /** Workflows never seen terminal when the run gave up: up to 3, as the server returned them. */
  stuck: unknown[];
  /** Measured phase: CPU time of this whole process (server, SDK and workers) per workflow. */
  cpuMsPerWorkflow: number;
  /** Measured phase: share of time the event loop was busy (1 = saturated). */
  eventLoopUtilization: number;
  failures: string[];
}

type Clients = OrkesClients;
type Executor = ReturnType<Clients["getWorkflowClient"]>;

interface Batch {
  latencies: number[];
  wallMs: number;
  ids: Map<string, number>; // id -> input x
  failures: string[];
  observerRequests: number;
  observedIds: number;
  stuck: unknown[];
  timedOut: boolean;
}

/** The workload registered on a server, with its SDK workers running. */
export interface RunningWorkload {
  executor: Executor;
  /** Stops the workers and lets their long polls run out. */
  stop(): Promise<void>;
}

/**
 * Registers the workload's definitions on the server at `serverUrl` and starts
 * its workers with the SDK's TaskHandler. Shared by `runLoad` and the soak
 * benchmark (bench/soak-load.ts), so both drive the server the same way.
 */
export async function startWorkload(
  serverUrl: string,
  settings: WorkerSettings,
  workload: Workload = chainWorkload,
): Promise<RunningWorkload> {
  // The SDK prefers these environment variables over the config it is given.
  delete process.env.CONDUCTOR_SERVER_URL;
  delete process.env.CONDUCTOR_AUTH_KEY;
  delete process.env.CONDUCTOR_AUTH_SECRET;
  // Exactly as the SDK's README builds its clients, with its own default transport.
  const clients = await OrkesClients.from({ serverUrl });
  const metadata = clients.getMetadataClient();
  // A workload of system tasks only (the sink round trip) has no task definitions to register.
  if (workload.taskDefs.length > 0) await metadata.registerTasks(workload.taskDefs as Parameters<typeof metadata.registerTasks>[0]);
  try {
    await metadata.registerWorkflowDef(workload.workflowDef as Parameters<typeof metadata.registerWorkflowDef>[0], true);
  } catch (error) {
    // Conductor 3.21 ignores the SDK's overwrite flag on a second run against the same
    // server; its PUT (create or update, as on Baton) registers the same definition again.
    if (!String(error instanceof Error ? error.message : error).includes("already exists")) throw error;
    const response = await fetch(`${serverUrl}/api/metadata/workflow`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([workload.workflowDef]),
    });
    if (!response.ok) throw new Error(`updating workflow ${workload.workflowName}: HTTP ${response.status} ${await response.text()}`);
  }
  const executor = clients.getWorkflowClient();

  const workers = workload.workers(settings);
  const handler = new TaskHandler({
    client: clients.getClient(),
    workers,
    scanForDecorated: false,
    logger: noopLogger,
    healthMonitor: { enabled: false },
  });
  if (workers.length > 0) await handler.startWorkers();
  return {
    executor,
    async stop() {
      if (workers.length === 0) return;
      await handler.stopWorkers();
      // stopWorkers does not wait for polls in flight; let the long polls (100 ms) run out.
      await sleep(300);
    },
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const workload = options.workload ?? chainWorkload;
  const { executor, stop } = await startWorkload(options.serverUrl, options.workers, workload);
  let warmLatencyMs: number | undefined;
  try {
    if (options.warmup > 0) {
      const warm = await runBatch(executor, workload, options, "warmup", options.warmup, 1_000_000);
      warmLatencyMs = percentile(warm.latencies, 50);
      if (warm.failures.length > 0) return { ...summarize(options, warm), cpuMsPerWorkflow: NaN, eventLoopUtilization: NaN };
    }
    options.onMeasuredStart?.();
    const cpuBefore = process.cpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    let cpuMs = 0;
    let elu = 0;
    const measured = await runBatch(executor, workload, options, "measured", options.workflows, 0, (workflowIds) => {
      options.onMeasuredEnd?.(workflowIds);
      const cpu = process.cpuUsage(cpuBefore);
      cpuMs = (cpu.user + cpu.system) / 1000;
      elu = performance.eventLoopUtilization(eluBefore).utilization;
    }, warmLatencyMs);
    return { ...summarize(options, measured), cpuMsPerWorkflow: cpuMs / options.workflows, eventLoopUtilization: elu };
  } finally {
    await stop();
  }
}

function summarize(
  options: LoadOptions,
  batch: Batch,
): Omit<LoadResult, "cpuMsPerWorkflow" | "eventLoopUtilization"> {
  const wallSeconds = batch.wallMs / 1000;
  return {
    workflows: options.workflows,
    wallSeconds,
    workflowsPerSecond: batch.latencies.length / wallSeconds,
    latencyMs: {
      p50: percentile(batch.latencies, 50),
      p90: percentile(batch.latencies, 90),
      p99: percentile(batch.latencies, 99),
      max: Math.max(...batch.latencies),
      mean: batch.latencies.reduce((a, b) => a + b, 0) / Math.max(1, batch.latencies.length),
    },
    observerRequests: batch.observerRequests,
    observedIds: batch.observedIds,
    timedOut: batch.timedOut,
    stuck: batch.stuck,
    failures: batch.failures,
  };
}

async function runBatch(
  executor: Executor,
  workload: Workload,
  options: LoadOptions,
  phase: string,
  count: number,
  xBase: number,
  /** Called when the timed window closes (before verification), with the ids started. */
  onTimedEnd?: (workflowIds: string[]) => void,
  /** The median latency of an earlier batch on this server, to pace the observer until this one has its own. */
  latencyHintMs?: number,
): Promise<Batch> {
  const tag = `bench-${phase}-${process.pid}-${Date.now()}`;
  const sentAt = new Map<string, number>(); // id -> when its start request was sent
  const ids = new Map<string, number>();
  const inFlight = new Map<string, number>(); // started and not yet seen terminal, oldest first
  const seen = new Map<string, { at: number; status: string }>(); // terminal, as observed
  const latencies: number[] = [];
  const failures: string[] = [];
  let started = 0;
  let open = 0; // started (or starting) and not yet observed terminal
  let timedOut = false;
  let wake: (() => void) | undefined;
  const slotFreed = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const record = (id: string) => {
    const done = seen.get(id);
    const sent = sentAt.get(id);
    if (!done || sent === undefined) return; // both halves are needed
    inFlight.delete(id);
    latencies.push(done.at - sent);
    if (done.status !== "COMPLETED") failures.push(`${phase} workflow ${id} ended ${done.status}`);
    open -= 1;
    slotFreed();
  };

  const firstSent = performance.now();
  let lastObserved = firstSent;
  let startError: unknown;

  // Starter: start requests go out concurrently, as long as fewer than `inflight` workflows are open.
  const pendingStarts = new Set<Promise<void>>();
  const startOne = async (x: number) => {
    const sent = performance.now();
    const id = await executor.startWorkflow({ name: workload.workflowName, version: 1, input: { x }, correlationId: tag });
    sentAt.set(id, sent);
    ids.set(id, x);
    inFlight.set(id, sent);
    record(id);
  };
  const starter = (async () => {
    while (started < count && failures.length === 0 && startError === undefined && !timedOut) {
      if (open >= options.inflight) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const x = xBase + started;
      started += 1;
      open += 1;
      const pending: Promise<void> = startOne(x)
        .catch((error: unknown) => {
          startError ??= error;
        })
        .finally(() => pendingStarts.delete(pending));
      pendingStarts.add(pending);
    }
    await Promise.all(pendingStarts);
  })();

  // Observer: one request per round, rounds at most every observeIntervalMs (start to start).
  const observer = options.observer === "status" ? statusObserver(options.serverUrl, options.observeBatch ?? 20) : searchObserver(executor, tag);
  let lastProgress = performance.now();
  let observeError: unknown;
  while (seen.size < count && startError === undefined && failures.length === 0) {
    const roundStart = performance.now();
    try {
      for (const { id, status } of await observer.round([...inFlight.keys()])) {
        if (seen.has(id)) continue;
        seen.set(id, { at: performance.now(), status });
        lastObserved = lastProgress = performance.now();
        record(id);
      }
    } catch (error) {
      observeError = error;
      break;
    }
    const now = performance.now();
    if (options.timeCapMs !== undefined && now - firstSent > options.timeCapMs) {
      timedOut = true;
      failures.push(`${phase}: time cap of ${options.timeCapMs / 1000} s reached with ${seen.size}/${count} done (${started} started)`);
      break;
    }
    if (now - lastProgress > options.stallTimeoutMs) {
      failures.push(`${phase}: no workflow completed for ${options.stallTimeoutMs} ms (${seen.size}/${count} done, ${started} started)`);
      break;
    }
    const oldest = inFlight.values().next().value;
    const pause = observeInterval(options, latencies, latencyHintMs, oldest === undefined ? 0 : now - oldest);
    await sleep(Math.max(0, pause - (now - roundStart)));
  }
  if (observeError !== undefined) failures.push(`${phase}: observing completions failed: ${describe(observeError)}`);
  // The starter stops once a failure is recorded (the cap sets timedOut itself).
  slotFreed();
  await starter;
  if (startError !== undefined) failures.push(`${phase}: start failed: ${describe(startError)}`);
  const wallMs = lastObserved - firstSent;
  onTimedEnd?.([...ids.keys()]);

  if (failures.length > 0) {
    // What is still running would load the next step on the same server: end it (best effort).
    const stuck = await Promise.all([...inFlight.keys()].slice(0, 3).map((id) => workflowJson(options.serverUrl, id)));
    await terminate(options.serverUrl, [...inFlight.keys()], `${phase} gave up`).catch(() => undefined);
    return { latencies, wallMs, ids, failures, observerRequests: observer.requests, observedIds: observer.ids, stuck, timedOut };
  }
  // Not timed: every workflow must be COMPLETED with the expected output.
  failures.push(...(await verify(executor, workload, phase, ids)));
  return { latencies, wallMs, ids, failures, observerRequests: observer.requests, observedIds: observer.ids, stuck: [], timedOut: false };
}

/**
 * The pause between observer round starts: fixed, or a fraction of the median
 * latency of the last 32 workflows (before any has ended: of the earlier batch's
 * median, else of how long the oldest workflow in flight has run, since it will
 * take at least that long).
 */
export function observeInterval(
  options: Pick<LoadOptions, "observeIntervalMs" | "observeLatencyFraction">,
  latencies: readonly number[],
  latencyHintMs?: number,
  oldestInFlightMs = 0,
): number {
  const fraction = options.observeLatencyFraction;
  if (fraction === undefined) return options.observeIntervalMs;
  const recent = latencies.slice(-32);
  const hint = latencyHintMs !== undefined && Number.isFinite(latencyHintMs) ? latencyHintMs : oldestInFlightMs;
  const median = recent.length > 0 ? percentile(recent, 50) : hint;
  return Math.min(1000, Math.max(options.observeIntervalMs, median * fraction));
}

/** A workflow as the server holds it, tasks included (for the report of one that never ended). */
async function workflowJson(serverUrl: string, id: string): Promise<unknown> {
  try {
    const response = await fetch(`${serverUrl}/api/workflow/${encodeURIComponent(id)}?includeTasks=true`, { signal: AbortSignal.timeout(30_000) });
    return response.ok ? await response.json() : { workflowId: id, error: `HTTP ${response.status} ${(await response.text()).slice(0, 300)}` };
  } catch (error) {
    return { workflowId: id, error: describe(error) };
  }
}

/** Terminates workflows by id, 100 per request (Conductor's bulk limit is 1000). */
async function terminate(serverUrl: string, workflowIds: string[], reason: string): Promise<void> {
  for (let i = 0; i < workflowIds.length; i += 100) {
    await fetch(`${serverUrl}/api/workflow/bulk/terminate?reason=${encodeURIComponent(reason)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(workflowIds.slice(i, i + 100)),
      signal: AbortSignal.timeout(30_000),
    });
  }
}

async function verify(executor: Executor, workload: Workload, phase: string, ids: Map<string, number>): Promise<string[]> {
  const failures: string[] = [];
  const entries = [...ids];
  const checkOne = async ([id, x]: [string, number]) => {
    const workflow = await executor.getWorkflow(id, false);
    const want = JSON.stringify(workload.expectedOutput(x));
    const got = JSON.stringify(workflow.output ?? null);
    if (workflow.status !== "COMPLETED") failures.push(`${phase} workflow ${id}: status ${workflow.status}`);
    else if (got !== want) failures.push(`${phase} workflow ${id}: output ${got}, expected ${want}`);
  };
  for (let i = 0; i < entries.length; i += 25) await Promise.all(entries.slice(i, i + 25).map(checkOne));
  return failures;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : JSON.stringify(error);
}
