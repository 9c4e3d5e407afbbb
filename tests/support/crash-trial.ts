/**
 * The crash trial: Baton runs as its own process on the file store (fsync on)
 * and is SIGKILLed at seeded random moments while workflows start and workers
 * complete their tasks; after each kill it is started again on the same data
 * directory. At the end every workflow must have completed with the right
 * output, no task completion may be stored twice, no workflow may have started
 * twice, and `baton replay --url` must find the rebuilt state equal to the
 * live one. `tests/integration/crash-trial.test.ts` runs a short trial,
 * `npm run soak -- --crash-workflows 1000` the long one.
 *
 * The workflow: SIMPLE -> INLINE -> SIMPLE, where every fifth workflow's
 * second task fails once and is retried, so retries, system tasks and worker
 * tasks all cross kills.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { openFileEventStore } from "../../src/adapters/eventstore/file.ts";
import { eventually, http } from "./baton.ts";
import { freePort, kill, startBatonProcess } from "./process.ts";
import { seededRandom } from "./seeded-random.ts";

export interface CrashTrialOptions {
  dataDir: string;
  workflows: number;
  kills: number;
  seed: number;
  /** Longest pause between two kills, in ms (each pause is uniform in [max/4, max]). */
  maxKillIntervalMs?: number;
  log?: (line: string) => void;
}

export interface CrashTrialResult {
  workflows: number;
  kills: number;
  completed: number;
  wrongOutputs: string[];
  notCompleted: string[];
  /** Task ids with more than one stored TaskCompleted. */
  completedTwice: string[];
  /** Workflow inputs `n` started more than once. */
  startedTwice: number[];
  /** Task updates acknowledged by the server before each kill (of about 2 per workflow, plus retries). */
  updatesAtKill: number[];
  replayOutput: string;
  replayStatus: number | null;
  elapsedMs: number;
}

interface PolledTask {
  taskId: string;
  workflowInstanceId: string;
  referenceTaskName: string;
  retryCount?: number;
  inputData: { n?: number; v?: number };
}

const STEP = "ct_step";
const DEFINITION = {
  name: "ct_flow",
  tasks: [
    { name: STEP, taskReferenceName: "first", inputParameters: { n: "${workflow.input.n}" } },
    {
      name: "double", taskReferenceName: "double", type: "INLINE",
      inputParameters: { evaluatorType: "javascript", v: "${first.output.v}", expression: "$.v * 2" },
    },
    { name: STEP, taskReferenceName: "second", inputParameters: { v: "${double.output.result}", n: "${workflow.input.n}" } },
  ],
  outputParameters: { v: "${second.output.v}" },
};
/** What a workflow started with `n` must end with: first gives n+1, INLINE doubles it, second adds 1. */
const expectedOutput = (n: number) => (n + 1) * 2 + 1;

function runCli(args: string[], env: Record<string, string>): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/baton.ts", ...args], { env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("exit", (status) => resolve({ status, output }));
  });
}

export async function runCrashTrial(options: CrashTrialOptions): Promise<CrashTrialResult> {
  const began = Date.now();
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { DATA_DIR: options.dataDir, BATON_EVENT_STORE: "file", BATON_FSYNC: "true", BATON_SWEEP_INTERVAL_MS: "100" };
  let server: ChildProcess = await startBatonProcess(port, env);
  let up = true;
  /** Calls that fail because the server is down are retried until it is back. */
  const call = async (method: string, path: string, body?: unknown) => {
    for (;;) {
      try {
        if (up) return await http(url, method, path, body);
      } catch {
        // The process was killed under this call: retry once it is back.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  try {
    await call("POST", "/api/metadata/taskdefs", [{ name: STEP, retryCount: 3, retryDelaySeconds: 0, responseTimeoutSeconds: 2 }]);
    await call("POST", "/api/metadata/workflow?overwrite=true", DEFINITION);

    let started = 0;
    let done = false;
    const ids = new Map<number, string>();
    const failedOnce = new Set<number>();
    let updates = 0;
    const updatesAtKill: number[] = [];

    // Starts, each with an idempotency key, so a start retried across a kill starts nothing twice.
    const starter = (async () => {
      while (started < options.workflows) {
        const n = started;
        const answer = await call("POST", "/api/workflow", {
          name: DEFINITION.name, input: { n }, correlationId: `ct-${n}`, idempotencyKey: `ct-${n}`, idempotencyStrategy: "RETURN_EXISTING",
        });
        if (answer.status !== 200) continue;
        ids.set(n, answer.text);
        started++;
      }
    })();

    // Workers: complete what they poll; every fifth workflow's second task fails its first attempt.
    const worker = async (name: string) => {
      while (!done) {
        let tasks: PolledTask[] = [];
        try {
          if (up) tasks = (await http(url, "GET", `/api/tasks/poll/batch/${STEP}?workerid=${name}&count=20&timeout=100`)).json();
        } catch {
          // Killed mid-poll.
        }
        if (tasks.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        await Promise.all(tasks.map(async (task) => {
          const n = task.inputData.n ?? 0;
          const fail = task.referenceTaskName === "second" && n % 5 === 0 && !failedOnce.has(n);
          if (fail) failedOnce.add(n);
          const v = task.referenceTaskName === "first" ? n + 1 : (task.inputData.v ?? 0) + 1;
          try {
            const answer = await http(url, "POST", "/api/tasks", {
              workflowInstanceId: task.workflowInstanceId, taskId: task.taskId, workerId: name,
              status: fail ? "FAILED" : "COMPLETED", outputData: { v }, reasonForIncompletion: fail ? "first attempt fails" : undefined,
            });
            if (answer.status === 200) updates++;
          } catch {
            // Lost with the process: the task times out (responseTimeoutSeconds) and is polled again.
          }
        }));
      }
    };
    const workers = [worker("w1"), worker("w2")];

    const max = options.maxKillIntervalMs ?? 2_000;
    for (let k = 0; k < options.kills; k++) {
      await new Promise((resolve) => setTimeout(resolve, max / 4 + random() * (max * 3 / 4)));
      up = false;
      await kill(server);
      updatesAtKill.push(updates);
      log(`kill ${k + 1}/${options.kills} after ${started} starts and ${updates} task updates`);
      server = await startBatonProcess(port, env);
      up = true;
    }
    await starter;

    const statuses = async () =>
      Promise.all([...ids].map(async ([n, id]) => ({ n, id, workflow: (await call("GET", `/api/workflow/${id}?includeTasks=false`)).json() })));
    await eventually(async () => {
      const all = await statuses();
      return all.every(({ workflow }) => workflow.status === "COMPLETED" || workflow.status === "FAILED") ? true : undefined;
    }, 120_000 + options.workflows * 100, 250).catch(() => undefined);
    done = true;
    await Promise.all(workers);

    const final = await statuses();
    const notCompleted = final.filter(({ workflow }) => workflow.status !== "COMPLETED").map(({ id, workflow }) => `${id}: ${workflow.status}`);
    const wrongOutputs = final
      .filter(({ n, workflow }) => workflow.status === "COMPLETED" && workflow.output?.v !== expectedOutput(n))
      .map(({ n, workflow }) => `n=${n}: ${JSON.stringify(workflow.output)}`);

    const replay = await runCli(["replay", "--data-dir", options.dataDir, "--url", url], {});

    // Offline checks on the stored log, after the server has stopped (the log is the evidence).
    up = false;
    await kill(server);
    const store = await openFileEventStore({ dir: options.dataDir, fsync: false });
    const completions = new Map<string, number>();
    const starts = new Map<number, number>();
    try {
      for (const event of await store.readAll()) {
        const data = event.data as { taskId?: string; input?: { n?: number }; workflowName?: string; name?: string };
        if (event.type === "TaskCompleted" && data.taskId) completions.set(data.taskId, (completions.get(data.taskId) ?? 0) + 1);
        if (event.type === "WorkflowStarted" && typeof data.input?.n === "number") starts.set(data.input.n, (starts.get(data.input.n) ?? 0) + 1);
      }
    } finally {
      await store.close();
    }
    return {
      workflows: options.workflows,
      kills: options.kills,
      completed: final.length - notCompleted.length,
      wrongOutputs,
      notCompleted,
      completedTwice: [...completions].filter(([, count]) => count > 1).map(([taskId]) => taskId),
      startedTwice: [...starts].filter(([, count]) => count > 1).map(([n]) => n),
      updatesAtKill,
      replayOutput: replay.output,
      replayStatus: replay.status,
      elapsedMs: Date.now() - began,
    };
  } finally {
    await kill(server);
  }
}
