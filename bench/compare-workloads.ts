/**
 * The side-by-side benchmark's two decider-heavy workloads (bench/compare.ts,
 * scenario 5), driven by bench/load.ts like the 3-task chain:
 *
 *   fork: a FORK_JOIN of 10 branches, one SIMPLE task each, joined; the output
 *         takes the last branch's value (x + 9).
 *   loop: a DO_WHILE whose body is one SIMPLE task, run 100 times; the output
 *         is the loop's iteration count.
 */
import type { ConductorWorker, Task } from "@io-orkes/conductor-javascript";
import type { WorkerSettings, Workload } from "./workload.ts";

export const FORK_BRANCHES = 10;
export const LOOP_ITERATIONS = 100;

const simpleDef = (name: string) => ({ name, retryCount: 0, timeoutSeconds: 0, totalTimeoutSeconds: 0, responseTimeoutSeconds: 600 });

function worker(taskDefName: string, settings: WorkerSettings, run: (task: Task) => Record<string, unknown>): ConductorWorker {
  return {
    taskDefName,
    concurrency: settings.concurrency,
    pollInterval: settings.pollInterval,
    execute: async (task) => ({ status: "COMPLETED", outputData: run(task) }),
  };
}

const numberIn = (task: Task, key: string) => Number(task.inputData?.[key]);

const branchRefs = Array.from({ length: FORK_BRANCHES }, (_, i) => `branch${i}_ref`);

export const forkWorkload: Workload = {
  workflowName: "bench_fork10",
  taskDefs: [simpleDef("bench_branch")],
  workflowDef: {
    name: "bench_fork10",
    version: 1,
    schemaVersion: 2,
    timeoutSeconds: 0,
    inputParameters: ["x"],
    tasks: [
      {
        name: "fork",
        taskReferenceName: "fork_ref",
        type: "FORK_JOIN",
        forkTasks: branchRefs.map((ref, i) => [
          { name: "bench_branch", taskReferenceName: ref, type: "SIMPLE", inputParameters: { x: "${workflow.input.x}", i } },
        ]),
      },
      { name: "join", taskReferenceName: "join_ref", type: "JOIN", joinOn: branchRefs },
    ],
    outputParameters: { v: `\${${branchRefs[FORK_BRANCHES - 1]}.output.v}` },
  },
  workers: (settings) => [worker("bench_branch", settings, (task) => ({ v: numberIn(task, "x") + numberIn(task, "i") }))],
  expectedOutput: (x) => ({ v: x + FORK_BRANCHES - 1 }),
};

export const loopWorkload: Workload = {
  workflowName: "bench_loop100",
  taskDefs: [simpleDef("bench_step")],
  workflowDef: {
    name: "bench_loop100",
    version: 1,
    schemaVersion: 2,
    timeoutSeconds: 0,
    inputParameters: ["x"],
    tasks: [
      {
        name: "loop",
        taskReferenceName: "loop_ref",
        type: "DO_WHILE",
        loopCondition: `if ($.loop_ref['iteration'] < ${LOOP_ITERATIONS}) { true; } else { false; }`,
        loopOver: [{ name: "bench_step", taskReferenceName: "step_ref", type: "SIMPLE", inputParameters: { x: "${workflow.input.x}" } }],
      },
    ],
    outputParameters: { iterations: "${loop_ref.output.iteration}" },
  },
  workers: (settings) => [worker("bench_step", settings, (task) => ({ v: numberIn(task, "x") }))],
  expectedOutput: () => ({ iterations: LOOP_ITERATIONS }),
};
