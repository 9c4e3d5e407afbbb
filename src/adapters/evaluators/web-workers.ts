/**
 * Starts user-code workers as web Workers (Deno and Bun run TypeScript
 * workers natively). Web Workers have no heap limit: QuickJS's memory cap and
 * jq's WASM bound still hold, the worker's own JS heap (bindings and results)
 * is bounded only by the process.
 */
import type { SpawnWorker, WorkerReply } from "./worker-protocol.ts";

const ENTRY = new URL("./web-user-code-worker.ts", import.meta.url).href;

export function webWorkerSpawner(): SpawnWorker {
  return (onReply, onFailure) => {
    const worker = new Worker(ENTRY, { type: "module" });
    let terminated = false;
    worker.addEventListener("message", (event: MessageEvent<WorkerReply>) => onReply(event.data));
    worker.addEventListener("error", (event: ErrorEvent) => {
      // Handled here: an uncaught error in a worker would otherwise end the whole process.
      event.preventDefault();
      if (!terminated) onFailure({ kind: "crashed", detail: event.message });
    });
    return {
      post: (message) => worker.postMessage(message),
      terminate() {
        terminated = true;
        worker.terminate();
      },
    };
  };
}
