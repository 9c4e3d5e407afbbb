/**
 * The benchmark's workload, shared by every scenario: three SIMPLE tasks run
 * in a chain, each wired to the previous one's output through `${...}`
 * expressions, and the workers that execute them.
 *
 *   x --bench_add1--> y = x + 1 --bench_double--> z = 2y --bench_add3--> w = z + 3
 *
 * so a workflow started with input {x} must complete with output {w: 2x + 5}.
 */
import type { ConductorWorker, Task } from "@io-orkes/conductor-javascript";

export const WORKFLOW_NAME = "bench_chain";
export const TASK_TYPES = ["bench_add1", "bench_double", "bench_add3"] as const;

export const taskDefs = TASK_TYPES.map((name) => ({
  name,
  retryCount: 0,
  timeoutSeconds: 0,
  totalTimeoutSeconds: 0,
  responseTimeoutSeconds: 600,
}));

export const workflowDef = {
  name: WORKFLOW_NAME,
  version: 1,
  schemaVersion: 2,
  timeoutSeconds: 0,
  inputParameters: ["x"],
  tasks: [
    { name: "bench_add1", taskReferenceName: "add1_ref", type: "SIMPLE", inputParameters: { x: "${workflow.input.x}" } },
    { name: "bench_double", taskReferenceName: "double_ref", type: "SIMPLE", inputParameters: { y: "${add1_ref.output.y}" } },
    { name: "bench_add3", taskReferenceName: "add3_ref", type: "SIMPLE", inputParameters: { z: "${double_ref.output.z}" } },
  ],
  outputParameters: { w: "${add3_ref.output.w}" },
};

export const expectedOutput = (x: number) => ({ w: 2 * x + 5 });

function numberInput(task: Task, key: string): number {
  const value = task.inputData?.[key];
  if (typeof value !== "number") throw new Error(`${task.taskType ?? "task"}: input ${key} is ${JSON.stringify(value)}, not a number`);
  return value;
}

export interface WorkerSettings {
  /** Tasks each worker runs at once (the SDK's batch poll `count` is what is left of it). */
  concurrency: number;
  /** Pause between one poll and the next, ms (the SDK's adaptive backoff never exceeds it). */
  pollInterval: number;
}

export function workers({ concurrency, pollInterval }: WorkerSettings): ConductorWorker[] {
  const worker = (taskDefName: string, run: (task: Task) => Record<string, unknown>): ConductorWorker => ({
    taskDefName,
    concurrency,
    pollInterval,
    execute: async (task) => ({ status: "COMPLETED", outputData: run(task) }),
  });
  return [
    worker("bench_add1", (task) => ({ y: numberInput(task, "x") + 1 })),
    worker("bench_double", (task) => ({ z: numberInput(task, "y") * 2 })),
    worker("bench_add3", (task) => ({ w: numberInput(task, "z") + 3 })),
  ];
}

/**
 * What a load run registers, runs and checks: bench/load.ts drives any of these
 * the same way (the chain below by default; bench/compare-workloads.ts adds a
 * fork/join and a loop).
 */
export interface Workload {
  workflowName: string;
  taskDefs: Array<{ name: string } & Record<string, unknown>>;
  workflowDef: Record<string, unknown>;
  workers(settings: WorkerSettings): ConductorWorker[];
  /** The output a workflow started with input {x} must complete with. */
  expectedOutput(x: number): Record<string, unknown>;
}

export const chainWorkload: Workload = { workflowName: WORKFLOW_NAME, taskDefs, workflowDef, workers, expectedOutput };
