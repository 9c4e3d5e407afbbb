/**
 * Runs user code (INLINE / `javascript` evaluators, loop and handler
 * conditions, jq) on a small pool of workers, so a runaway script or filter
 * never blocks the server's event loop. Each worker loads QuickJS and jq once
 * and runs one evaluation at a time.
 *
 * Limits, each failing the evaluation with an error that names the limit and
 * its setting:
 * - time: QuickJS interrupts a script at `scriptTimeoutMs` itself; a worker
 *   that has not answered `TERMINATE_GRACE_MS` later, or a jq filter at
 *   `jqTimeoutMs` (jq has no interrupt), is terminated from this thread and
 *   replaced.
 * - memory: QuickJS's WASM memory cap per script (`scriptMemoryBytes`), jq's
 *   WASM build (256 MiB), and the worker's own heap where the runtime bounds it
 *   (Node `resourceLimits`, see node-workers.ts); a worker that dies of it is
 *   replaced.
 * - queue: at most `maxQueued` evaluations wait for a worker; more fail at once.
 *
 * Runtime-agnostic: the runtime's way to start a worker comes in as `spawn`.
 */
import type { Evaluation, UserCodeRunner } from "../../domain/ports.ts";
import type { UserCodeRequest } from "../../domain/user-code.ts";
import type { SpawnWorker, WorkerFailure, WorkerHandle, WorkerReply } from "./worker-protocol.ts";

export interface UserCodePoolOptions {
  spawn: SpawnWorker;
  /** Workers (default 2). */
  size?: number;
  /** Wall-clock limit of one script, in ms (default 500). */
  scriptTimeoutMs?: number;
  /** Wall-clock limit of one jq filter, in ms (default 500). */
  jqTimeoutMs?: number;
  /** QuickJS memory per script, in bytes (default 32 MiB). */
  scriptMemoryBytes?: number;
  /** Evaluations that may wait for a worker (default 1000). */
  maxQueued?: number;
  /** What a worker dying of memory exhaustion is reported as (the runtime's heap limit and its setting). */
  heapLimitText?: string;
  /** Told when a worker fails to start again (the pool keeps trying). */
  onError?: (message: string) => void;
}

/** What the pool can tell about itself, for tests and /health. */
export interface UserCodePoolStats {
  workers: number;
  busy: number;
  queued: number;
  /** Workers started since the pool opened, replacements included. */
  started: number;
}

export type UserCodePool = UserCodeRunner & { stats(): UserCodePoolStats };

/** After QuickJS's own deadline, how long a worker gets to answer before it is terminated. */
export const TERMINATE_GRACE_MS = 200;
const RESPAWN_DELAY_MS = 1000;

interface Job {
  request: UserCodeRequest;
  resolve: (result: Evaluation<unknown>) => void;
  reject: (error: Error) => void;
}

/**
 * Thrown (not answered) once the pool is closed: shutting down must not
 * become a recorded task failure, so the command fails and runs again later.
 */
export class UserCodePoolClosedError extends Error {
  constructor() {
    super("the user-code workers are closed");
    this.name = "UserCodePoolClosedError";
  }
}

interface Slot {
  handle: WorkerHandle;
  ready: boolean;
  job?: { id: number; job: Job; timer: ReturnType<typeof setTimeout> };
}

/** Starts `size` workers; resolves once every one has loaded its sandboxes (rejects if one cannot). */
export async function createUserCodePool(options: UserCodePoolOptions): Promise<UserCodePool> {
  const size = positiveInteger("size", options.size ?? 2);
  const scriptTimeoutMs = positiveInteger("scriptTimeoutMs", options.scriptTimeoutMs ?? 500);
  const jqTimeoutMs = positiveInteger("jqTimeoutMs", options.jqTimeoutMs ?? 500);
  const scriptMemoryBytes = positiveInteger("scriptMemoryBytes", options.scriptMemoryBytes ?? 32 * 1024 * 1024);
  const maxQueued = Math.max(0, Math.floor(options.maxQueued ?? 1000));
  const heapLimitText = options.heapLimitText ?? "the worker's memory limit";
  const limitText = {
    javascript: `script exceeded the ${scriptTimeoutMs} ms time limit (BATON_SCRIPT_TIMEOUT_MS)`,
    jq: `jq filter exceeded the ${jqTimeoutMs} ms time limit (BATON_JQ_TIMEOUT_MS)`,
  };
  const queue: Job[] = [];
  const slots = new Set<Slot>();
  let nextId = 0;
  let started = 0;
  let closed = false;

  function spawnSlot(): { slot: Slot; loaded: Promise<void> } {
    let settle!: { resolve: () => void; reject: (error: Error) => void };
    const loaded = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const slot: Slot = {
      ready: false,
      handle: options.spawn(
        (reply) => onReply(slot, reply, settle),
        (failure) => onFailure(slot, failure, settle),
      ),
    };
    started++;
    slots.add(slot);
    slot.handle.post({
      type: "init",
      scriptTimeoutMs,
      scriptMemoryBytes,
      scriptSettings: { timeout: "BATON_SCRIPT_TIMEOUT_MS", memory: "BATON_SCRIPT_MEMORY_MB" },
    });
    return { slot, loaded };
  }

  function onReply(slot: Slot, reply: WorkerReply, loading: { resolve: () => void; reject: (error: Error) => void }): void {
    if (!slots.has(slot)) return; // terminated; a late message changes nothing
    switch (reply.type) {
      case "ready":
        slot.ready = true;
        loading.resolve();
        dispatch();
        return;
      case "loadFailed":
        loading.reject(new Error(`a user-code worker could not load its sandboxes: ${reply.error}`));
        replace(slot, true);
        return;
      case "result": {
        const running = slot.job;
        if (running === undefined || running.id !== reply.id) return;
        clearTimeout(running.timer);
        slot.job = undefined;
        running.job.resolve(reply.result);
        dispatch();
        return;
      }
      default: {
        const _exhaustive: never = reply;
        return _exhaustive;
      }
    }
  }

  function onFailure(slot: Slot, failure: WorkerFailure, loading: { reject: (error: Error) => void }): void {
    if (!slots.has(slot)) return;
    loading.reject(new Error(`a user-code worker stopped while loading: ${failure.detail}`));
    const running = slot.job;
    if (running !== undefined) {
      clearTimeout(running.timer);
      const what = running.job.request.kind === "javascript" ? "script" : "jq filter";
      running.job.resolve({
        ok: false,
        error: failure.kind === "outOfMemory" ? `${what} exceeded ${heapLimitText}` : `${what} crashed its worker: ${failure.detail}`,
      });
    }
    replace(slot, !slot.ready);
  }

  /** Drops `slot` (terminating its worker) and starts another; after a failed load, not at once. */
  function replace(slot: Slot, failedToLoad: boolean): void {
    slots.delete(slot);
    if (slot.job) clearTimeout(slot.job.timer);
    slot.handle.terminate();
    if (closed) return;
    const respawn = () => {
      if (closed) return;
      spawnSlot().loaded.catch((error: unknown) => options.onError?.(error instanceof Error ? error.message : String(error)));
    };
    if (!failedToLoad) return respawn();
    const timer = setTimeout(respawn, RESPAWN_DELAY_MS);
    (timer as { unref?: () => void }).unref?.();
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job !== undefined) continue;
      const job = queue.shift()!;
      const id = nextId++;
      const kind = job.request.kind;
      const deadline = kind === "javascript" ? scriptTimeoutMs + TERMINATE_GRACE_MS : jqTimeoutMs;
      const timer = setTimeout(() => {
        if (slot.job?.id !== id) return;
        job.resolve({ ok: false, error: limitText[kind] });
        slot.job = undefined;
        replace(slot, false);
      }, deadline);
      slot.job = { id, job, timer };
      try {
        slot.handle.post({ type: "evaluate", id, request: job.request });
      } catch (error) {
        // The input cannot be copied to the worker (not structured-cloneable): the worker is fine.
        clearTimeout(timer);
        slot.job = undefined;
        job.resolve({ ok: false, error: `${kind} input cannot be sent to the sandbox: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  }

  function run(request: UserCodeRequest): Promise<Evaluation<unknown>> {
    if (closed) return Promise.reject(new UserCodePoolClosedError());
    if (queue.length >= maxQueued) {
      return Promise.resolve({ ok: false, error: `too many evaluations of user code waiting (${maxQueued}, BATON_USER_CODE_QUEUE)` });
    }
    return new Promise((resolve, reject) => {
      queue.push({ request, resolve, reject });
      dispatch();
    });
  }

  const first = Array.from({ length: size }, () => spawnSlot());
  try {
    await Promise.all(first.map(({ loaded }) => loaded));
  } catch (error) {
    closed = true;
    for (const slot of slots) slot.handle.terminate();
    throw error;
  }

  return {
    javascript: (expression, bindings) => run({ kind: "javascript", expression, bindings }),
    jq: (filter, input) => run({ kind: "jq", filter, input }) as Promise<Evaluation<unknown[]>>,
    stats: () => ({
      workers: slots.size,
      busy: [...slots].filter((slot) => slot.job !== undefined).length,
      queued: queue.length,
      started,
    }),
    async close() {
      closed = true;
      for (const slot of slots) {
        if (slot.job) {
          clearTimeout(slot.job.timer);
          slot.job.job.reject(new UserCodePoolClosedError());
        }
        slot.handle.terminate();
      }
      slots.clear();
      for (const job of queue.splice(0)) job.reject(new UserCodePoolClosedError());
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive whole number, got ${value}`);
  return value;
}
