/** The user-code worker's entry on Node (worker_threads); node-workers.ts starts it. */
import { parentPort } from "node:worker_threads";
import { serveUserCode } from "./user-code-worker.ts";
import type { WorkerInit, WorkerRequest } from "./worker-protocol.ts";

const port = parentPort;
if (port === null) throw new Error("node-user-code-worker.ts runs as a worker thread only");
serveUserCode({
  send: (reply) => port.postMessage(reply),
  listen: (handler) => port.on("message", (message: WorkerInit | WorkerRequest) => handler(message)),
});
