/**
 * Start-up with a long history, the soak benchmark's second part: a data
 * directory holding N events is written, then a Baton server is started on it
 * and timed until /health answers.
 *
 * The events are real: the engine runs the soak's own workload (bench/workload.ts,
 * three SIMPLE tasks) in this process on the file store with fsync off, and
 * the workload's worker functions compute every task's output. So the log is
 * exactly what a server that ran those workflows would hold (definitions,
 * then 10 events per workflow), and every workflow ends COMPLETED.
 */
import type { Task } from "@io-orkes/conductor-javascript";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { openFileEventStore } from "../src/adapters/eventstore/file.ts";
import { parseWorkflowDef } from "../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema, TaskResultSchema } from "../src/domain/definitions/requests.ts";
import { TaskDefSchema } from "../src/domain/definitions/task-def.ts";
import { parseOrThrow } from "../src/domain/definitions/validate.ts";
import { createEngine } from "../src/engine/engine.ts";
import { type HealthBody, readMemory, startBatonChild } from "./soak-server.ts";
import { expectedOutput, taskDefs, TASK_TYPES, WORKFLOW_NAME, workflowDef, workers } from "./workload.ts";

const source = { kind: "cli" as const, detail: "bench/soak-startup" };
/** Workflows started together per round; each round then runs their tasks to the end. */
const ROUND = 250;

export interface GeneratedLog {
  events: number;
  workflows: number;
  /** The first workflow generated (input x = 0), checked after start-up. */
  firstWorkflowId: string;
  bytes: number;
  ms: number;
}

/** Writes at least `targetEvents` events (whole workflows) into a new log in `dir`. */
export async function generateEventLog(dir: string, targetEvents: number, say: (line: string) => void): Promise<GeneratedLog> {
  const started = performance.now();
  const store = await openFileEventStore({ dir, fsync: false });
  const engine = await createEngine({ store });
  const run = new Map(workers({ concurrency: 1, pollInterval: 1 }).map((w) => [w.taskDefName, w]));
  let workflows = 0;
  let events = 0;
  let firstWorkflowId = "";
  try {
    for (const def of taskDefs) await engine.registerTaskDef(parseOrThrow(TaskDefSchema, def, "task definition"), false, source);
    await engine.registerWorkflowDef(parseWorkflowDef(workflowDef), false, source);
    events = engine.models.position + 1;
    let perWorkflow = 10; // measured after the first round
    let nextReport = 100_000;
    while (events < targetEvents) {
      const before = events;
      const count = Math.min(ROUND, Math.ceil((targetEvents - events) / perWorkflow));
      const ids = await Promise.all(
        Array.from({ length: count }, (_, k) =>
          engine.startWorkflow(
            parseOrThrow(StartWorkflowRequestSchema, { name: WORKFLOW_NAME, version: 1, input: { x: workflows + k } }, "start request"),
            source,
          ),
        ),
      );
      if (workflows === 0) firstWorkflowId = ids[0]!;
      workflows += count;
      // The chain's tasks become ready one type after the other.
      for (const type of TASK_TYPES) {
        let done = 0;
        while (done < count) {
          const tasks = (await engine.poll(type, { workerId: "soak-generator", count: 500 })) as unknown as Task[];
          if (tasks.length === 0) throw new Error(`generator: ${type}: ${count - done} of ${count} tasks never became ready`);
          await Promise.all(
            tasks.map(async (task) => {
              const result = await run.get(type)!.execute(task);
              await engine.updateTask(
                parseOrThrow(
                  TaskResultSchema,
                  { workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, status: result.status, outputData: result.outputData },
                  "task result",
                ),
                source,
              );
            }),
          );
          done += tasks.length;
        }
      }
      events = engine.models.position + 1;
      perWorkflow = Math.max(1, (events - before) / count);
      if (events >= nextReport) {
        say(`  generated ${events.toLocaleString("en-US")} events (${workflows.toLocaleString("en-US")} workflows) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        nextReport += 100_000;
      }
    }
    const first = await engine.loadWorkflow(firstWorkflowId);
    if (first.status !== "COMPLETED") throw new Error(`generator: workflow ${firstWorkflowId} ended ${first.status}`);
  } finally {
    await engine.close();
    await store.close();
  }
  const bytes = (await stat(join(dir, "events.log"))).size;
  return { events, workflows, firstWorkflowId, bytes, ms: performance.now() - started };
}

export interface StartupMeasure {
  /** Spawn -> first 200 from /health, ms (includes Node, tsx and module loading). */
  startupMs: number;
  /** Server RSS when /health first answered, KiB. */
  rssAtHealthKiB: number;
  /** Server RSS after `settleMs` idle, KiB. */
  rssSettledKiB: number;
  /** Highest RSS the kernel saw for the server during start-up (VmHWM), KiB. */
  peakRssKiB?: number;
  health: HealthBody;
}

/** Starts a server on `dataDir`, measures, checks with `check` (given its URL), and stops it. */
export async function measureStartup(
  dataDir: string,
  timeoutMs: number,
  settleMs: number,
  check?: (url: string, health: HealthBody) => Promise<void>,
): Promise<StartupMeasure> {
  const server = await startBatonChild({ dataDir, timeoutMs });
  try {
    const atHealth = readMemory(server.pid);
    await sleep(settleMs);
    const settled = readMemory(server.pid);
    if (!server.alive()) throw new Error(`the server exited after start-up:\n${server.stderrTail()}`);
    await check?.(server.url, server.health);
    return {
      startupMs: server.startupMs,
      rssAtHealthKiB: atHealth.rssKiB,
      rssSettledKiB: settled.rssKiB,
      peakRssKiB: settled.peakKiB,
      health: server.health,
    };
  } finally {
    await server.kill();
  }
}

/** The loaded server holds every generated event and folded them to the workflows' real ends. */
export function checkLoaded(log: GeneratedLog) {
  return async (url: string, health: HealthBody): Promise<void> => {
    if (health.position + 1 !== log.events) {
      throw new Error(`/health reports position ${health.position}, the log holds ${log.events} events`);
    }
    const response = await fetch(`${url}/api/workflow/${log.firstWorkflowId}?includeTasks=true`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET workflow ${log.firstWorkflowId}: HTTP ${response.status}`);
    const workflow = (await response.json()) as { status?: string; output?: unknown; tasks?: Array<{ status?: string }> };
    const want = JSON.stringify(expectedOutput(0));
    if (workflow.status !== "COMPLETED" || JSON.stringify(workflow.output) !== want) {
      throw new Error(`workflow ${log.firstWorkflowId} reads ${workflow.status} ${JSON.stringify(workflow.output)}, expected COMPLETED ${want}`);
    }
    if (workflow.tasks?.length !== TASK_TYPES.length || workflow.tasks.some((t) => t.status !== "COMPLETED")) {
      throw new Error(`workflow ${log.firstWorkflowId}: tasks ${JSON.stringify(workflow.tasks?.map((t) => t.status))}`);
    }
  };
}
