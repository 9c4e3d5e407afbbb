/**
 * Messages between the user-code pool (worker-pool.ts) and its workers
 * (user-code-worker.ts), the same on every runtime.
 */
import type { Evaluation } from "../../domain/ports.ts";
import type { UserCodeRequest } from "../../domain/user-code.ts";

/** The first message a worker gets: the limits its sandboxes enforce themselves. */
export interface WorkerInit {
  type: "init";
  scriptTimeoutMs: number;
  scriptMemoryBytes: number;
  /** The settings behind those limits, for the errors. */
  scriptSettings: { timeout: string; memory: string };
}

/** An evaluation for a worker; `id` pairs it with its reply. */
export type WorkerRequest = { type: "evaluate"; id: number; request: UserCodeRequest };

export type WorkerReply =
  | { type: "ready" }
  | { type: "loadFailed"; error: string }
  | { type: "result"; id: number; result: Evaluation<unknown> };

/** Why a worker stopped without being asked to. */
export type WorkerFailure = { kind: "outOfMemory" | "crashed"; detail: string };

/** A started worker, as the pool sees it. */
export interface WorkerHandle {
  post(message: WorkerInit | WorkerRequest): void;
  /** Stops the worker at once, whatever it is running (a loop with no interrupt included). */
  terminate(): void;
}

/**
 * Starts one worker running user-code-worker.ts. `onReply` gets its messages;
 * `onFailure` is called at most once, when it dies on its own (not after
 * `terminate`).
 */
export type SpawnWorker = (onReply: (reply: WorkerReply) => void, onFailure: (failure: WorkerFailure) => void) => WorkerHandle;
