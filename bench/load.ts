/**
 * Drives one server through the official SDK: registers the workload, runs its
 * workers with the SDK's TaskHandler, starts workflows with the SDK's workflow
 * client (at most `inflight` at a time, a new one as soon as one completes),
 * observes completions with one search request per round, then checks every
 * workflow's status and output. The same code runs against Baton and the stub.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { noopLogger, OrkesClients, TaskHandler } from "@io-orkes/conductor-javascript";
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
  /** Pause between completion-search rounds, ms. */
  observeIntervalMs: number;
  workers: WorkerSettings;
  /** Give up when no workflow completes for this long, ms. */
  stallTimeoutMs: number;
  /** What to run (default: the 3-task chain of bench/workload.ts). */
  workload?: Workload;
  /** Called when the measured phase starts and when its timed window closes (e.g. to read a server's CPU). */
  onMeasuredStart?: () => void;
  onMeasuredEnd?: () => void;
}

export interface LoadResult {
  workflows: number;
  wallSeconds: number;
  workflowsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Search requests made to observe completions (the observer's own load). */
  searchRequests: number;
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
  searches: number;
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
  try {
    if (options.warmup > 0) {
      const warm = await runBatch(executor, workload, options, "warmup", options.warmup, 1_000_000);
      if (warm.failures.length > 0) return { ...summarize(options, warm), cpuMsPerWorkflow: NaN, eventLoopUtilization: NaN };
    }
    options.onMeasuredStart?.();
    const cpuBefore = process.cpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    let cpuMs = 0;
    let elu = 0;
    const measured = await runBatch(executor, workload, options, "measured", options.workflows, 0, () => {
      options.onMeasuredEnd?.();
      const cpu = process.cpuUsage(cpuBefore);
      cpuMs = (cpu.user + cpu.system) / 1000;
      elu = performance.eventLoopUtilization(eluBefore).utilization;
    });
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
    searchRequests: batch.searches,
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
  /** Called when the timed window closes (before verification). */
  onTimedEnd?: () => void,
): Promise<Batch> {
  const tag = `bench-${phase}-${process.pid}-${Date.now()}`;
  const sentAt = new Map<string, number>(); // id -> when its start request was sent
  const ids = new Map<string, number>();
  const seen = new Map<string, { at: number; status: string }>(); // terminal, as observed
  const latencies: number[] = [];
  const failures: string[] = [];
  let started = 0;
  let open = 0; // started (or starting) and not yet observed terminal
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
    record(id);
  };
  const starter = (async () => {
    while (started < count && failures.length === 0 && startError === undefined) {
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

  // Observer: one search per round for this batch's workflows that ended since the cursor.
  let cursor = Date.now() - 1000;
  let searches = 0;
  let lastProgress = performance.now();
  while (seen.size < count && startError === undefined && failures.length === 0) {
    // `>` rather than `>=`: Conductor's SQLite index parses only one-character comparisons.
    const query = `correlationId = ${tag} AND endTime > ${cursor - 1}`;
    const result = await executor.search(0, 1000, query, "*", "", false);
    searches += 1;
    const now = performance.now();
    let maxEnd = 0;
    for (const summary of result.results ?? []) {
      // Conductor's SQLite index ignores the endTime condition and returns running workflows too.
      if (summary.status === "RUNNING" || summary.status === "PAUSED") continue;
      const id = summary.workflowId!;
      if (summary.endTime) maxEnd = Math.max(maxEnd, Date.parse(summary.endTime));
      if (seen.has(id)) continue;
      seen.set(id, { at: now, status: summary.status ?? "UNKNOWN" });
      lastObserved = now;
      lastProgress = now;
      record(id);
    }
    // Ends are stamped in commit order only roughly; look a little behind the newest seen.
    if (maxEnd > 0) cursor = Math.max(cursor, maxEnd - 250);
    if (now - lastProgress > options.stallTimeoutMs) {
      failures.push(`${phase}: no workflow completed for ${options.stallTimeoutMs} ms (${seen.size}/${count} done, ${started} started)`);
      break;
    }
    await sleep(options.observeIntervalMs);
  }
  slotFreed();
  await starter;
  if (startError !== undefined) failures.push(`${phase}: start failed: ${describe(startError)}`);
  const wallMs = lastObserved - firstSent;
  onTimedEnd?.();

  // Not timed: every workflow must be COMPLETED with the expected output.
  if (failures.length === 0) failures.push(...(await verify(executor, workload, phase, ids)));
  return { latencies, wallMs, ids, failures, searches };
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
