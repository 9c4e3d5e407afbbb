import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeWorkerSpawner } from "../../src/adapters/evaluators/node-workers.ts";
import { createUserCodePool, TERMINATE_GRACE_MS, type UserCodePool, UserCodePoolClosedError } from "../../src/adapters/evaluators/worker-pool.ts";
import type { SpawnWorker } from "../../src/adapters/evaluators/worker-protocol.ts";

/** The longest gap between 10 ms ticks of this thread's event loop while `work` runs. */
async function longestStall<T>(work: Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 10);
  try {
    const result = await work;
    return { result, stallMs };
  } finally {
    clearInterval(ticker);
  }
}

describe("user-code worker pool (Node worker threads)", () => {
  let pool: UserCodePool;
  beforeAll(async () => {
    pool = await createUserCodePool({ spawn: nodeWorkerSpawner({ heapMb: 64 }), size: 1, scriptTimeoutMs: 1000, jqTimeoutMs: 300 });
  });
  afterAll(() => pool.close());

  it("runs JavaScript and jq in the worker", async () => {
    expect(await pool.javascript!("$.a + 1", { $: { a: 41 } })).toEqual({ ok: true, value: 42 });
    expect(await pool.jq!(".items | map(. * 2)", { items: [1, 2] })).toEqual({ ok: true, value: [[2, 4]] });
    expect(await pool.javascript!("throw new TypeError('nope')", {})).toEqual({ ok: false, error: "TypeError: nope" });
    expect(await pool.jq!(".a.b.c |", {})).toMatchObject({ ok: false, error: expect.stringContaining("syntax error") });
  });

  it("terminates a jq filter that never ends at its time limit, replaces the worker, and the next evaluation works", async () => {
    const before = pool.stats().started;
    const startedAt = performance.now();
    const { result, stallMs } = await longestStall(pool.jq!("last(repeat(1))", null));
    const took = performance.now() - startedAt;
    expect(result).toEqual({ ok: false, error: "jq filter exceeded the 300 ms time limit (BATON_JQ_TIMEOUT_MS)" });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
    // The filter ran elsewhere: this thread kept ticking.
    expect(stallMs).toBeLessThan(250);
    expect(pool.stats().started).toBe(before + 1);
    expect(await pool.jq!(".a", { a: "after" })).toEqual({ ok: true, value: ["after"] });
    expect(pool.stats()).toMatchObject({ workers: 1, busy: 0, queued: 0 });
  });

  it("stops a runaway script at its time limit without blocking this thread", async () => {
    const { result, stallMs } = await longestStall(pool.javascript!("while (true) {}", { $: {} }));
    expect(result).toEqual({ ok: false, error: "script exceeded the 1000 ms time limit (BATON_SCRIPT_TIMEOUT_MS)" });
    // In-thread, this thread would have stalled for the whole second.
    expect(stallMs).toBeLessThan(500);
    expect(await pool.javascript!("1 + 1", {})).toEqual({ ok: true, value: 2 });
  });

  it("fails an input that cannot be copied to the worker, and keeps the worker", async () => {
    const before = pool.stats().started;
    expect(await pool.javascript!("1", { $: { f: () => 1 } })).toMatchObject({ ok: false, error: expect.stringContaining("javascript input cannot be sent to the sandbox") });
    expect(await pool.javascript!("2", {})).toEqual({ ok: true, value: 2 });
    expect(pool.stats().started).toBe(before);
  });

  it("fails a script that exceeds QuickJS's memory limit, naming the setting", async () => {
    const result = await pool.javascript!("'x'.repeat(64 * 1024 * 1024)", {});
    expect(result).toEqual({ ok: false, error: "script exceeded the 32 MiB memory limit (BATON_SCRIPT_MEMORY_MB)" });
    expect(await pool.javascript!("'still' + ' here'", {})).toEqual({ ok: true, value: "still here" });
  });
});

describe("user-code worker pool limits", () => {
  it("replaces a worker that runs out of its heap (Node resourceLimits) and reports the limit", async () => {
    const pool = await createUserCodePool({
      // 16 MiB, not less: a fresh worker loading its sandboxes on a busy machine came within reach
      // of an 8 MiB limit, so the replacement failed too (a CI run on 2026-12-03).
      spawn: nodeWorkerSpawner({ heapMb: 16 }),
      size: 1,
      jqTimeoutMs: 30_000,
      heapLimitText: "the worker's 16 MiB heap limit (BATON_USER_CODE_HEAP_MB)",
    });
    try {
      // jq builds the array in its WASM memory; turning its 3M numbers into JS values exhausts the worker's heap.
      expect(await pool.jq!("[range(3000000)]", null)).toEqual({
        ok: false,
        error: "jq filter exceeded the worker's 16 MiB heap limit (BATON_USER_CODE_HEAP_MB)",
      });
      expect(pool.stats().started).toBe(2);
      expect(await pool.jq!(". + 1", 1)).toEqual({ ok: true, value: [2] });
    } finally {
      await pool.close();
    }
  });

  it("refuses evaluations beyond its queue bound at once, with an error naming the setting", async () => {
    const pool = await createUserCodePool({ spawn: nodeWorkerSpawner({ heapMb: 64 }), size: 1, maxQueued: 2, jqTimeoutMs: 400 });
    try {
      const running = pool.jq!("last(repeat(1))", null); // occupies the only worker
      const waiting = [pool.jq!(".", 1), pool.jq!(".", 2)];
      expect(pool.stats()).toMatchObject({ busy: 1, queued: 2 });
      expect(await pool.jq!(".", 3)).toEqual({ ok: false, error: "too many evaluations of user code waiting (2, BATON_USER_CODE_QUEUE)" });
      expect((await running).ok).toBe(false);
      expect(await Promise.all(waiting)).toEqual([{ ok: true, value: [1] }, { ok: true, value: [2] }]);
    } finally {
      await pool.close();
    }
  });

  it("rejects pending and new evaluations once closed (shutting down is not a task failure)", async () => {
    const pool = await createUserCodePool({ spawn: nodeWorkerSpawner({ heapMb: 64 }), size: 1, jqTimeoutMs: 10_000 });
    const running = pool.jq!("last(repeat(1))", null);
    const queued = pool.javascript!("1", {});
    await pool.close();
    await expect(running).rejects.toThrow(UserCodePoolClosedError);
    await expect(queued).rejects.toThrow("the user-code workers are closed");
    await expect(pool.jq!(".", 1)).rejects.toThrow(UserCodePoolClosedError);
    expect(pool.stats()).toMatchObject({ workers: 0, busy: 0, queued: 0 });
  });
});

describe("user-code worker pool, with workers it cannot trust", () => {
  it("terminates a worker whose script ignores QuickJS's own deadline, a grace period after it", async () => {
    // A stand-in worker that loads, then never answers an evaluation (as if the interrupt never fired).
    const terminated: number[] = [];
    let spawned = 0;
    const spawn: SpawnWorker = (onReply) => {
      const index = spawned++;
      return {
        post(message) {
          if (message.type === "init") queueMicrotask(() => onReply({ type: "ready" }));
        },
        terminate: () => terminated.push(index),
      };
    };
    const pool = await createUserCodePool({ spawn, size: 1, scriptTimeoutMs: 100 });
    try {
      const startedAt = performance.now();
      expect(await pool.javascript!("while (true) {}", {})).toEqual({ ok: false, error: "script exceeded the 100 ms time limit (BATON_SCRIPT_TIMEOUT_MS)" });
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(100 + TERMINATE_GRACE_MS - 5);
      expect(terminated).toEqual([0]);
      expect(spawned).toBe(2);
      expect(pool.stats()).toMatchObject({ workers: 1, busy: 0, started: 2 });
    } finally {
      await pool.close();
    }
  });

  it("answers the running evaluation when its worker crashes, and replaces the worker", async () => {
    let crash: (() => void) | undefined;
    let spawned = 0;
    const spawn: SpawnWorker = (onReply, onFailure) => {
      spawned++;
      return {
        post(message) {
          if (message.type === "init") queueMicrotask(() => onReply({ type: "ready" }));
          else crash = () => onFailure({ kind: "crashed", detail: "the worker exited with code 1" });
        },
        terminate: () => {},
      };
    };
    const pool = await createUserCodePool({ spawn, size: 1 });
    try {
      const pending = pool.jq!(".", 1);
      crash!();
      expect(await pending).toEqual({ ok: false, error: "jq filter crashed its worker: the worker exited with code 1" });
      expect(spawned).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it("refuses to open when a worker cannot load its sandboxes", async () => {
    const spawn: SpawnWorker = (onReply) => ({
      post(message) {
        if (message.type === "init") queueMicrotask(() => onReply({ type: "loadFailed", error: "no WebAssembly" }));
      },
      terminate: () => {},
    });
    await expect(createUserCodePool({ spawn, size: 2 })).rejects.toThrow("a user-code worker could not load its sandboxes: no WebAssembly");
  });
});
