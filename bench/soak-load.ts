/**
 * The soak benchmark's load: workflows of the shared workload started for a
 * fixed time while its SDK workers (bench/load.ts `startWorkload`) poll and
 * complete their tasks. Two pacings:
 *   rate    open loop: a fixed number of starts per second whatever the
 *           latency (the soak itself);
 *   closed  a fixed number of workflows in flight, a new one as soon as one
 *           ends (the peak the soak rate is derived from).
 *
 * Each workflow is started with Orkes' synchronous execution
 * (`POST /api/workflow/execute/{name}/{version}`, what the SDK's
 * `ConductorWorkflow.execute()` calls), which answers once the workflow is
 * terminal. That gives each workflow's latency and output without polling
 * search: a search scans every workflow the server holds, so a search
 * observer (as bench/load.ts uses for its short runs) would cost more and
 * more as history grows, and a soak would measure its own observer. The
 * requests go through plain `fetch` (its own connection pool), not the SDK's
 * 10-connection pool, which the workers' long polls occupy.
 *
 * Open loop: at most `maxOpen` workflows are unanswered at once; a start that
 * falls due while the cap is reached is skipped and counted, so a server that
 * falls behind shows up as skipped starts, not as an unbounded pile of requests.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startWorkload } from "./load.ts";
import { expectedOutput, WORKFLOW_NAME } from "./workload.ts";
import type { WorkerSettings } from "./workload.ts";

export type Pacing = { kind: "rate"; perSecond: number; maxOpen: number } | { kind: "closed"; inflight: number };

export interface DriveOptions {
  serverUrl: string;
  pacing: Pacing;
  durationMs: number;
  /** `onSample` is called this often, and once more at the end. */
  sampleEveryMs: number;
  /** How long the server holds each execute request for the workflow to finish (at most 55). */
  waitForSeconds: number;
  workers: WorkerSettings;
  /** Called at every sample point with what happened since the previous one. */
  onSample?(progress: LoadProgress): Promise<void>;
  /** Polled while starting; true ends the run early (e.g. the server died). */
  shouldStop(): boolean;
}

/** The driver's counters at one sample point. */
export interface LoadProgress {
  /** Since the first start, ms. */
  elapsedMs: number;
  started: number;
  completed: number;
  failed: number;
  skipped: number;
  /** Started and not yet answered. */
  open: number;
  /** Latencies (ms) of the workflows completed since the previous sample. */
  windowLatencies: number[];
}

export interface DriveResult {
  /** First start -> end of the starting period, ms (the drain after it is not counted). */
  elapsedMs: number;
  started: number;
  completed: number;
  failed: number;
  skipped: number;
  /** Every completed workflow: when its answer came (ms since the first start) and its latency (execute sent -> COMPLETED received). */
  completions: Array<{ atMs: number; latencyMs: number }>;
  /** The first failures, described (all are counted in `failed`). */
  failures: string[];
  /** Why the run ended before its time, if it did. */
  stoppedEarly?: string;
}

const KEPT_FAILURES = 20;

export async function drive(options: DriveOptions): Promise<DriveResult> {
  const workload = await startWorkload(options.serverUrl, options.workers);
  const correlationId = `soak-${process.pid}-${Date.now()}`;
  const executeUrl = `${options.serverUrl}/api/workflow/execute/${WORKFLOW_NAME}/1?waitForSeconds=${options.waitForSeconds}`;
  const completions: DriveResult["completions"] = [];
  let window: number[] = [];
  const failures: string[] = [];
  let started = 0;
  let completed = 0;
  let failed = 0;
  let skipped = 0;
  let open = 0;
  let wake: (() => void) | undefined;
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  const deadline = t0 + options.durationMs;
  let stoppedEarly: string | undefined;

  const fail = (message: string) => {
    failed += 1;
    if (failures.length < KEPT_FAILURES) failures.push(message);
  };

  const executeOne = async (x: number) => {
    const sent = performance.now();
    try {
      const response = await fetch(executeUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: { x }, correlationId }),
        // The server answers by waitForSeconds; the margin covers a busy machine.
        signal: AbortSignal.timeout((options.waitForSeconds + 15) * 1000),
      });
      const text = await response.text();
      const now = performance.now();
      if (!response.ok) return fail(`execute x=${x}: HTTP ${response.status} ${text.slice(0, 200)}`);
      const workflow = JSON.parse(text) as { workflowId?: string; status?: string; output?: unknown };
      if (workflow.status !== "COMPLETED") {
        return fail(`workflow ${workflow.workflowId} (x=${x}) was ${workflow.status} after ${(now - sent).toFixed(0)} ms`);
      }
      const want = JSON.stringify(expectedOutput(x));
      const got = JSON.stringify(workflow.output ?? null);
      if (got !== want) return fail(`workflow ${workflow.workflowId}: output ${got}, expected ${want}`);
      completed += 1;
      completions.push({ atMs: now - t0, latencyMs: now - sent });
      window.push(now - sent);
    } catch (error) {
      fail(`execute x=${x}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      open -= 1;
      const w = wake;
      wake = undefined;
      w?.();
    }
  };

  let x = 0;
  const startOne = () => {
    started += 1;
    open += 1;
    const p: Promise<void> = executeOne(x++).finally(() => pending.delete(p));
    pending.add(p);
  };

  // Samples at fixed offsets from the start, independent of the starter, so a
  // slow sample (the server's /health) never delays starts.
  const sampler = (async () => {
    if (!options.onSample) return;
    for (let k = 1; ; k++) {
      const at = Math.min(t0 + k * options.sampleEveryMs, deadline);
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      if (stoppedEarly !== undefined) return;
      const windowLatencies = window;
      window = [];
      try {
        await options.onSample({ elapsedMs: performance.now() - t0, started, completed, failed, skipped, open, windowLatencies });
      } catch (error) {
        stoppedEarly = `sampling failed: ${error instanceof Error ? error.message : String(error)}`;
        return;
      }
      if (at >= deadline) return;
    }
  })();

  try {
    for (let now = t0; now < deadline; now = performance.now()) {
      if (stoppedEarly !== undefined) break;
      if (options.shouldStop()) {
        stoppedEarly = "the server stopped";
        break;
      }
      const pacing = options.pacing;
      if (pacing.kind === "closed") {
        while (open < pacing.inflight) startOne();
        // Until a workflow ends, or the deadline (checked every 100 ms).
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(100)]);
        continue;
      }
      // Open loop: everything that fell due since the last tick starts now; timer jitter is made up, not lost.
      const due = Math.floor(((now - t0) / 1000) * pacing.perSecond);
      while (started + skipped < due) {
        if (open >= pacing.maxOpen) skipped += 1;
        else startOne();
      }
      await sleep(Math.min(5, Math.max(1, deadline - performance.now())));
    }
    const elapsedMs = performance.now() - t0;
    await sampler;
    // Let the workflows still open finish (each request is bounded by its timeout).
    await Promise.all(pending);
    return { elapsedMs, started, completed, failed, skipped, completions, failures, stoppedEarly };
  } finally {
    await workload.stop();
  }
}
