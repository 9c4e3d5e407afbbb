/**
 * How the pure decider gets user code run elsewhere: memo evaluators that
 * answer or stop with `EvaluationNeeded`, and the command handler that runs
 * the evaluation and decides again (src/domain/user-code.ts,
 * src/engine/command-handler.ts).
 */
import { describe, expect, it } from "vitest";
import { createMemoryEventStore } from "../../src/adapters/eventstore/memory.ts";
import type { Decider } from "../../src/domain/decider.ts";
import type { Evaluation, UserCodeRunner } from "../../src/domain/ports.ts";
import { EvaluationNeeded, memoEvaluators, type UserCodeRequest } from "../../src/domain/user-code.ts";
import { createCommandHandler, type DecisionRun } from "../../src/engine/command-handler.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { parseWorkflowDef } from "../../src/domain/definitions/check-workflow-def.ts";
import { StartWorkflowRequestSchema } from "../../src/domain/definitions/requests.ts";
import { parseOrThrow } from "../../src/domain/definitions/validate.ts";

const rest = { kind: "rest" as const };
const start = (name: string, input: Record<string, unknown>) => parseOrThrow(StartWorkflowRequestSchema, { name, input }, "start");

const limits = { maxEvaluations: 3, exceeded: "too many (TEST_LIMIT)" };
const both = { javascript: true, jq: true };

function neededBy(work: () => unknown): EvaluationNeeded {
  try {
    work();
  } catch (error) {
    if (error instanceof EvaluationNeeded) return error;
    throw error;
  }
  throw new Error("expected EvaluationNeeded");
}

describe("memo evaluators", () => {
  it("stop with the request they need, then answer from the memo", () => {
    const answers = new Map<string, Evaluation<unknown>>();
    const needed = neededBy(() => memoEvaluators(answers, limits, both).javascript!.evaluate("$.a", { $: { a: 1 } }));
    expect(needed.request).toEqual({ kind: "javascript", expression: "$.a", bindings: { $: { a: 1 } } });
    answers.set(needed.key, { ok: true, value: 1 });
    expect(memoEvaluators(answers, limits, both).javascript!.evaluate("$.a", { $: { a: 1 } })).toEqual({ ok: true, value: 1 });
    // Another input is another evaluation, and so is another language with the same text.
    expect(neededBy(() => memoEvaluators(answers, limits, both).javascript!.evaluate("$.a", { $: { a: 2 } })).key).not.toBe(needed.key);
    expect(neededBy(() => memoEvaluators(answers, limits, both).jq!.evaluate("$.a", { $: { a: 1 } })).request.kind).toBe("jq");
  });

  it("treat a repeated identical evaluation within one run as its own evaluation", () => {
    const answers = new Map<string, Evaluation<unknown>>();
    const first = neededBy(() => memoEvaluators(answers, limits, both).jq!.evaluate(".", 1));
    answers.set(first.key, { ok: true, value: ["first"] });
    const evaluators = memoEvaluators(answers, limits, both);
    expect(evaluators.jq!.evaluate(".", 1)).toEqual({ ok: true, value: ["first"] });
    const second = neededBy(() => evaluators.jq!.evaluate(".", 1));
    expect(second.key).not.toBe(first.key);
  });

  it("fail evaluations beyond the limit instead of stopping the decision again", () => {
    const answers = new Map<string, Evaluation<unknown>>([["a", { ok: true, value: 1 }], ["b", { ok: true, value: 2 }], ["c", { ok: true, value: 3 }]]);
    expect(memoEvaluators(answers, limits, both).javascript!.evaluate("new()", {})).toEqual({ ok: false, error: "too many (TEST_LIMIT)" });
  });

  it("leave out a language the runner does not have, so the task says none is configured", () => {
    expect(memoEvaluators(new Map(), limits, { javascript: true, jq: false }).jq).toBeUndefined();
  });
});

/** A decider whose every decision evaluates `count` scripts and emits their answers, with a fresh id each. */
function countingDecider(count: number): Decider<{ events: number }, { type: "Go" }, { type: "Answered"; data: unknown }, { newId: () => string; evaluators?: ReturnType<typeof memoEvaluators> }> {
  return {
    initialState: { events: 0 },
    evolve: (state) => ({ events: state.events + 1 }),
    decide: (_command, _state, ctx) => {
      const id = ctx.newId();
      return Array.from({ length: count }, (_, i) => {
        const result = ctx.evaluators!.javascript!.evaluate(`${i} * 10`, { $: { id } });
        return { type: "Answered" as const, data: { id, result } };
      });
    },
  };
}

describe("command handler with user code", () => {
  it("runs each needed evaluation once and decides again, with the same ids in every run", async () => {
    const ran: UserCodeRequest[] = [];
    const handle = createCommandHandler({
      store: createMemoryEventStore(),
      newId: () => crypto.randomUUID(),
      runUserCode: async (request) => {
        ran.push(request);
        return { ok: true, value: request.kind === "javascript" ? `ran ${request.expression}` : null };
      },
    });
    let fresh = 0;
    const context = (run: DecisionRun) => {
      let next = 0;
      return {
        newId: () => (run.ids[next++] ??= `id-${++fresh}`),
        evaluators: memoEvaluators(run.answers, { maxEvaluations: 10, exceeded: "too many" }, both),
      };
    };
    const outcome = await handle(countingDecider(3), "s-1", { type: "Go" }, context, {});
    expect(ran.map((request) => (request.kind === "javascript" ? request.expression : request.filter))).toEqual(["0 * 10", "1 * 10", "2 * 10"]);
    // Four runs of decide, one id: the bindings (which hold it) matched the answers every time.
    expect(fresh).toBe(1);
    expect(outcome.events.map((event) => event.data)).toEqual([
      { id: "id-1", result: { ok: true, value: "ran 0 * 10" } },
      { id: "id-1", result: { ok: true, value: "ran 1 * 10" } },
      { id: "id-1", result: { ok: true, value: "ran 2 * 10" } },
    ]);
  });

  it("stops re-running at the limit: later evaluations fail with the limit's error", async () => {
    let runs = 0;
    const handle = createCommandHandler({
      store: createMemoryEventStore(),
      newId: () => crypto.randomUUID(),
      runUserCode: async () => {
        runs++;
        return { ok: true, value: "x" };
      },
    });
    const context = (run: DecisionRun) => ({ newId: () => "id", evaluators: memoEvaluators(run.answers, { maxEvaluations: 2, exceeded: "over the limit (SETTING)" }, both) });
    const outcome = await handle(countingDecider(5), "s-2", { type: "Go" }, context, {});
    expect(runs).toBe(2);
    expect(outcome.events.map((event) => (event.data as { result: unknown }).result)).toEqual([
      { ok: true, value: "x" },
      { ok: true, value: "x" },
      { ok: false, error: "over the limit (SETTING)" },
      { ok: false, error: "over the limit (SETTING)" },
      { ok: false, error: "over the limit (SETTING)" },
    ]);
  });

  it("lets EvaluationNeeded through when it has no runner (nothing is appended)", async () => {
    const store = createMemoryEventStore();
    const handle = createCommandHandler({ store, newId: () => crypto.randomUUID() });
    const context = (run: DecisionRun) => ({ newId: () => "id", evaluators: memoEvaluators(run.answers, limits, both) });
    await expect(handle(countingDecider(1), "s-3", { type: "Go" }, context, {})).rejects.toThrow(EvaluationNeeded);
    expect(await store.readStream("s-3")).toEqual([]);
  });
});

describe("engine with an asynchronous user-code runner", () => {
  it("evaluates each INLINE task of a chain once and stores the results in the task output", async () => {
    const calls: string[] = [];
    const userCode: UserCodeRunner = {
      javascript: async (expression, bindings) => {
        calls.push(expression);
        await new Promise((resolve) => setTimeout(resolve, 5)); // really asynchronous, as a worker is
        const input = bindings.$ as { n?: number };
        return { ok: true, value: expression === "$.n + 1" ? (input.n ?? 0) + 1 : null };
      },
      close: async () => {},
    };
    const engine = await createEngine({ store: createMemoryEventStore(), userCode, sweepIntervalMs: 1000 });
    try {
      const inline = (ref: string, n: string) => ({ name: ref, taskReferenceName: ref, type: "INLINE", inputParameters: { expression: "$.n + 1", n } });
      await engine.registerWorkflowDef(
        parseWorkflowDef({
          name: "chain",
          tasks: [inline("a", "${workflow.input.n}"), inline("b", "${a.output.result}"), inline("c", "${b.output.result}")],
          outputParameters: { n: "${c.output.result}" },
        }),
        true,
        rest,
      );
      const id = await engine.startWorkflow(start("chain", { n: 1 }), rest);
      const workflow = engine.getWorkflow(id);
      expect(workflow.status).toBe("COMPLETED");
      expect(workflow.output).toEqual({ n: 4 });
      expect(calls).toEqual(["$.n + 1", "$.n + 1", "$.n + 1"]);
    } finally {
      await engine.close();
    }
  });

  it("goes on with a DO_WHILE whose iterations need more evaluations than one decision allows, until the loop limit", async () => {
    const userCode: UserCodeRunner = { javascript: async () => ({ ok: true, value: true }), close: async () => {} };
    const engine = await createEngine({ store: createMemoryEventStore(), userCode, evaluationsPerDecision: 5, sweepIntervalMs: 1000, limits: { maxLoopIterations: 6 } });
    try {
      await engine.registerWorkflowDef(
        parseWorkflowDef({
          name: "forever",
          tasks: [{
            name: "loop",
            taskReferenceName: "loop",
            type: "DO_WHILE",
            loopCondition: "true",
            loopOver: [{ name: "body", taskReferenceName: "body", type: "INLINE", inputParameters: { expression: "1" } }],
          }],
        }),
        true,
        rest,
      );
      const id = await engine.startWorkflow(start("forever", {}), rest);
      const workflow = await engine.waitForWorkflow(id, Date.now() + 10_000);
      expect(workflow.status).toBe("FAILED");
      // No decision asked for a sixth evaluation: each stopped at its step and the next went on (DecisionDeferred).
      expect(workflow.tasks.find((task) => task.referenceTaskName === "loop")).toMatchObject({
        status: "FAILED_WITH_TERMINAL_ERROR",
        reasonForIncompletion: "DO_WHILE loop: loopCondition still true after 6 iterations, the most a loop may run (BATON_MAX_LOOP_ITERATIONS=6)",
      });
      const deferred = (await engine.readWorkflowEvents(id)).filter((event) => event.type === "DecisionDeferred");
      expect(deferred.length).toBeGreaterThanOrEqual(6);
    } finally {
      await engine.close();
    }
  });

  it("sweeps due timers of other workflows while one waits for slow user code", async () => {
    const userCode: UserCodeRunner = {
      javascript: async (expression) => {
        await new Promise((resolve) => setTimeout(resolve, expression === "'slow'" ? 3000 : 1));
        return { ok: true, value: expression };
      },
      close: async () => {},
    };
    const engine = await createEngine({ store: createMemoryEventStore(), userCode, sweepIntervalMs: 50 });
    try {
      await engine.registerWorkflowDef(
        parseWorkflowDef({
          name: "wait_then_script",
          tasks: [
            { name: "pause", taskReferenceName: "pause", type: "WAIT", inputParameters: { duration: "1 seconds" } },
            { name: "script", taskReferenceName: "script", type: "INLINE", inputParameters: { expression: "${workflow.input.script}" } },
          ],
        }),
        true,
        rest,
      );
      // The slow one is older, so it is the first due timer the sweep meets.
      const slow = await engine.startWorkflow(start("wait_then_script", { script: "'slow'" }), rest);
      const fast = await engine.startWorkflow(start("wait_then_script", { script: "'fast'" }), rest);
      const startedAt = Date.now();
      const done = await engine.waitForWorkflow(fast, Date.now() + 10_000);
      expect(done.status).toBe("COMPLETED");
      expect(Date.now() - startedAt).toBeLessThan(2500);
      expect(engine.getWorkflow(slow).status).toBe("RUNNING");
    } finally {
      await engine.close();
    }
  });
});
