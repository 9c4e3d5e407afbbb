/**
 * Where user code runs, as the configuration sets it: a pool of worker
 * threads with the configured limits (Node entry). Deno and Bun use
 * `webWorkerSpawner`; workerd has no threads and runs it in-thread
 * (worker.ts).
 */
import { createUserCodePool, type UserCodePool } from "../adapters/evaluators/worker-pool.ts";
import type { SpawnWorker } from "../adapters/evaluators/worker-protocol.ts";
import type { EngineDeps } from "../engine/engine.ts";
import type { Config } from "./config.ts";

/** Starts the pool on `spawn`; resolves once every worker has loaded QuickJS and jq. */
export function openUserCodePool(config: Config, spawn: SpawnWorker, onError?: (message: string) => void): Promise<UserCodePool> {
  return createUserCodePool({
    spawn,
    size: config.BATON_USER_CODE_WORKERS,
    maxQueued: config.BATON_USER_CODE_QUEUE,
    scriptTimeoutMs: config.BATON_SCRIPT_TIMEOUT_MS,
    jqTimeoutMs: config.BATON_JQ_TIMEOUT_MS,
    scriptMemoryBytes: config.BATON_SCRIPT_MEMORY_MB * 1024 * 1024,
    heapLimitText: `the worker's ${config.BATON_USER_CODE_HEAP_MB} MiB heap limit (BATON_USER_CODE_HEAP_MB)`,
    onError,
  });
}

/** The engine's per-decision bound on user code. */
export function userCodeLimits(config: Config): Pick<EngineDeps, "evaluationsPerDecision"> {
  return { evaluationsPerDecision: config.BATON_EVALUATIONS_PER_DECISION };
}
