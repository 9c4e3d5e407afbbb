/**
 * Open-loop load for the soak benchmark: workflows are started at a fixed
 * rate whatever the server's latency, for a fixed time, while the workload's
 * SDK workers (bench/load.ts `startWorkload`) poll and complete their tasks.
 *
 * Each workflow is started with Orkes' synchronous execution
 * (`POST /api/workflow/execute/{name}/{version}`, what the SDK's
 * `ConductorWorkflow.execute()` calls), which answers once the workflow is
 * terminal. That gives each workflow's latency and output without polling
 * search: a search is a scan of every workflow the server holds, so a search
 * observer (as bench/load.ts uses for short runs) would cost more and more as
 * history grows and the soak would measure its own observer. The requests go
 * through plain `fetch` (its own connection pool), not the SDK's 10-connection
 * pool, which the workers' long polls occupy.
 *
 * At most `maxOpen` workflows are unanswered at once; a start that falls due
 * while the cap is reached is skipped and counted, so a server that falls
 * behind shows up as skipped starts instead of an unbounded pile of requests.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startWorkload } from "./load.ts";
import { expectedOutput, WORKFLOW_NAME } from "./workload.ts";
import type { WorkerSettings } from "./workload.ts";

export interface OpenLoopOptions {
  serverUrl: string;
  /** Workflows started per second. */
  rate: number;
  durationMs: number;
  /** `onSample` is called this often, and once more at the end. */
  sampleEveryMs: number;
  maxOpen: number;
  /** How long the server holds each execute request for the workflow to finish (at most 55). */
  waitForSeconds: number;
  workers: WorkerSettings;
  /** Called at every sample point with what happened since the previous one. */
  onSample(progress: LoadProgress): Promise<void>;
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

export interface OpenLoopResult {
  elapsedMs: number;
  started: number;
  completed: number;
  failed: number;
  skipped: number;
  /** Every completed workflow's latency, ms: execute request sent -> COMPLETED answer received. */
  latencies: number[];
  /** The first failures, described (all are counted in `failed`). */
  failures: string[];
  /** Why the run ended before its time, if it did. */
  stoppedEarly?: string;
}

const KEPT_FAILURES = 20;

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const workload = await startWorkload(options.serverUrl, options.workers);
  const correlationId = `soak-${process.pid}-${Date.now()}`;
  const executeUrl = `${options.serverUrl}/api/workflow/execute/${WORKFLOW_NAME}/1?waitForSeconds=${options.waitForSeconds}`;
  const latencies: number[] = [];
  let window: number[] = [];
  const failures: string[] = [];
  let started = 0;
  let completed = 0;
  let failed = 0;
  let skipped = 0;
  let open = 0;
  const pending = new Set<Promise<void>>();

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
      const ms = performance.now() - sent;
      if (!response.ok) return fail(`execute x=${x}: HTTP ${response.status} ${text.slice(0, 200)}`);
      const workflow = JSON.parse(text) as { workflowId?: string; status?: string; output?: unknown };
      if (workflow.status !== "COMPLETED") {
        return fail(`workflow ${workflow.workflowId} (x=${x}) was ${workflow.status} after ${ms.toFixed(0)} ms`);
      }
      const want = JSON.stringify(expectedOutput(x));
      const got = JSON.stringify(workflow.output ?? null);
      if (got !== want) return fail(`workflow ${workflow.workflowId}: output ${got}, expected ${want}`);
      completed += 1;
      latencies.push(ms);
      window.push(ms);
    } catch (error) {
      fail(`execute x=${x}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      open -= 1;
    }
  };

  const t0 = performance.now();
  const deadline = t0 + options.durationMs;
  let stoppedEarly: string | undefined;
  const progress = (): LoadProgress => {
    const windowLatencies = window;
    window = [];
    return { elapsedMs: performance.now() - t0, started, completed, failed, skipped, open, windowLatencies };
  };

  // Samples at fixed offsets from the start, independent of the starter, so a
  // slow sample (the server's /health) never delays starts.
  const sampler = (async () => {
    for (let k = 1; ; k++) {
      const at = Math.min(t0 + k * options.sampleEveryMs, deadline);
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      if (stoppedEarly !== undefined) return;
      try {
        await options.onSample(progress());
      } catch (error) {
        stoppedEarly = `sampling failed: ${error instanceof Error ? error.message : String(error)}`;
        return;
      }
      if (at >= deadline) return;
    }
  })();

  try {
    let x = 0;
    for (let now = t0; now < deadline; now = performance.now()) {
      if (stoppedEarly !== undefined) break;
      if (options.shouldStop()) {
        stoppedEarly = "the server stopped";
        break;
      }
      // Everything that fell due since the last tick starts now; timer jitter is made up, not lost.
      const due = Math.floor(((now - t0) / 1000) * options.rate);
      while (started + skipped < due) {
        if (open >= options.maxOpen) {
          skipped += 1;
          continue;
        }
        started += 1;
        open += 1;
        const p: Promise<void> = executeOne(x++).finally(() => pending.delete(p));
        pending.add(p);
      }
      await sleep(Math.min(5, Math.max(1, deadline - performance.now())));
    }
    await sampler;
    // Let the workflows still open finish (each request is bounded by its timeout).
    await Promise.all(pending);
  } finally {
    await workload.stop();
  }
  return { elapsedMs: performance.now() - t0, started, completed, failed, skipped, latencies, failures, stoppedEarly };
}
