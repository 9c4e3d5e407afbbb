/**
 * Starts user-code workers as Node worker threads. Each gets a V8 heap limit
 * (`resourceLimits`): a worker that exhausts it dies with
 * ERR_WORKER_OUT_OF_MEMORY instead of taking the process down, and the pool
 * replaces it. The sandboxes' WASM memories are not V8 heap; QuickJS's and
 * jq's own caps bound those (worker-pool.ts).
 */
import { Worker } from "node:worker_threads";
import type { SpawnWorker, WorkerReply } from "./worker-protocol.ts";

const ENTRY = new URL("./node-user-code-worker.mjs", import.meta.url);

export interface NodeWorkerOptions {
  /** The worker's V8 old-generation heap, in MiB. */
  heapMb: number;
}

export function nodeWorkerSpawner({ heapMb }: NodeWorkerOptions): SpawnWorker {
  return (onReply, onFailure) => {
    const worker = new Worker(ENTRY, {
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(32, Math.max(1, Math.floor(heapMb / 4))) },
      // The worker loads its own TypeScript loader (the .mjs entry); inheriting the
      // parent's flags would register a second one.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    // Never keep the process alive for the pool: shutting down closes it anyway.
    worker.unref();
    let terminated = false;
    let failed = false;
    const fail = (kind: "outOfMemory" | "crashed", detail: string) => {
      if (terminated || failed) return;
      failed = true;
      onFailure({ kind, detail });
    };
    worker.on("message", (reply: WorkerReply) => onReply(reply));
    worker.on("error", (error: Error & { code?: string }) =>
      fail(error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "outOfMemory" : "crashed", error.message),
    );
    worker.on("exit", (code) => fail("crashed", `the worker exited with code ${code}`));
    return {
      post: (message) => worker.postMessage(message),
      terminate() {
        terminated = true;
        void worker.terminate();
      },
    };
  };
}
