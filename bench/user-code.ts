/**
 * `npx tsx bench/user-code.ts`: what running user code off the event loop
 * costs. One in-process engine on the memory store runs workflows made only of
 * user code (5 chained INLINE tasks, a `javascript` SWITCH, a JSON_JQ_TRANSFORM:
 * 7 evaluations, all decided inside the start command), with user code
 *   in-thread  the synchronous sandboxes on the server's thread
 *   pool       the worker pool (BATON_USER_CODE_WORKERS workers, default 2)
 * Options (or env): --workflows N (default 300), --inflight N (20), --rounds N (3),
 * --only in-thread|pool. Prints workflows/s and start latency per mode (median round).
 */
import { parseArgs } from "node:util";
import { loadEvaluators } from "../src/adapters/evaluators/index.ts";
import { createMemoryEventStore } from "../src/adapters/eventstore/memory.ts";
import { parseWorkflowDef } from "../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema } from "../src/domain/definitions/requests.ts";
import { parseOrThrow } from "../src/domain/definitions/validate.ts";
import type { EngineDeps } from "../src/engine/engine.ts";
import { createEngine } from "../src/engine/engine.ts";

const { values } = parseArgs({
  options: {
    workflows: { type: "string", default: process.env.BENCH_WORKFLOWS || "300" },
    inflight: { type: "string", default: process.env.BENCH_INFLIGHT || "20" },
    rounds: { type: "string", default: process.env.BENCH_ROUNDS || "3" },
    only: { type: "string" },
  },
});
const workflows = Number(values.workflows);
const inflight = Number(values.inflight);
const rounds = Number(values.rounds);
const modes = (values.only ? values.only.split(",") : ["in-thread", "pool"]) as ("in-thread" | "pool")[];

const inline = (ref: string, n: string) => ({ name: ref, taskReferenceName: ref, type: "INLINE", inputParameters: { expression: "$.n + 1", n } });
const definition = parseWorkflowDef({
  name: "user_code_chain",
  tasks: [
    inline("a", "${workflow.input.n}"),
    inline("b", "${a.output.result}"),
    inline("c", "${b.output.result}"),
    inline("d", "${c.output.result}"),
    inline("e", "${d.output.result}"),
    {
      name: "parity", taskReferenceName: "parity", type: "SWITCH", evaluatorType: "javascript", expression: "$.n % 2 == 0 ? 'even' : 'odd'",
      inputParameters: { n: "${e.output.result}" }, decisionCases: { even: [], odd: [] },
    },
    { name: "jq", taskReferenceName: "jq", type: "JSON_JQ_TRANSFORM", inputParameters: { n: "${e.output.result}", queryExpression: "{doubled: (.n * 2)}" } },
  ],
  outputParameters: { doubled: "${jq.output.result.doubled}" },
});

async function userCodeFor(mode: "in-thread" | "pool"): Promise<Pick<EngineDeps, "evaluators" | "userCode">> {
  if (mode === "in-thread") return { evaluators: await loadEvaluators() };
  const { createUserCodePool } = await import("../src/adapters/evaluators/worker-pool.ts");
  const { nodeWorkerSpawner } = await import("../src/adapters/evaluators/node-workers.ts");
  const size = Number(process.env.BATON_USER_CODE_WORKERS || "2");
  return { userCode: await createUserCodePool({ spawn: nodeWorkerSpawner({ heapMb: 128 }), size }) };
}

async function round(mode: "in-thread" | "pool") {
  const code = await userCodeFor(mode);
  const engine = await createEngine({ store: createMemoryEventStore(), sweepIntervalMs: 1000, ...code });
  await engine.registerWorkflowDef(definition, true, { kind: "rest" });
  const latencies: number[] = [];
  let next = 0;
  const startedAt = performance.now();
  async function lane() {
    while (next < workflows) {
      const n = next++;
      const t = performance.now();
      const id = await engine.startWorkflow(parseOrThrow(StartWorkflowRequestSchema, { name: "user_code_chain", input: { n } }, "start"), { kind: "rest" });
      latencies.push(performance.now() - t);
      const workflow = engine.getWorkflow(id);
      if (workflow.status !== "COMPLETED" || (workflow.output as { doubled?: number }).doubled !== (n + 5) * 2) {
        throw new Error(`workflow ${id} ended ${workflow.status} with ${JSON.stringify(workflow.output)}: ${workflow.reasonForIncompletion}`);
      }
    }
  }
  await Promise.all(Array.from({ length: inflight }, lane));
  const seconds = (performance.now() - startedAt) / 1000;
  await engine.close();
  await code.userCode?.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { mode, throughput: workflows / seconds, p50: at(0.5), p99: at(0.99) };
}

const results: Record<string, Awaited<ReturnType<typeof round>>[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const mode of modes) (results[mode] ??= []).push(await round(mode));
}
console.log(`user code bench: ${workflows} workflows x 7 evaluations, ${inflight} in flight, median of ${rounds} rounds`);
console.log("| mode | workflows/s | evaluations/s | start p50 ms | start p99 ms |");
console.log("|---|---|---|---|---|");
for (const mode of modes) {
  const sorted = [...results[mode]!].sort((a, b) => a.throughput - b.throughput);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`| ${mode} | ${median.throughput.toFixed(1)} | ${(median.throughput * 7).toFixed(0)} | ${median.p50.toFixed(1)} | ${median.p99.toFixed(1)} |`);
}
