/** The user-code worker's entry as a web Worker (Deno, Bun); web-workers.ts starts it. */
import { serveUserCode } from "./user-code-worker.ts";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./worker-protocol.ts";

/** The worker's global scope, typed without the DOM's window-only `postMessage(message, targetOrigin)`. */
const scope = globalThis as unknown as {
  postMessage(message: WorkerReply): void;
  addEventListener(type: "message", listener: (event: { data: WorkerInit | WorkerRequest }) => void): void;
};

serveUserCode({
  send: (reply) => scope.postMessage(reply),
  listen: (handler) => scope.addEventListener("message", (event) => handler(event.data)),
});
