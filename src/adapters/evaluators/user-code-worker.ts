/**
 * What runs inside a user-code worker, on any runtime: loads QuickJS and jq
 * once, then answers evaluations one at a time. The entry files
 * (node-user-code-worker.ts, web-user-code-worker.ts) connect it to their
 * runtime's message port.
 */
import { createScriptEvaluator } from "./javascript.ts";
import { createJqEvaluator } from "./jq.ts";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./worker-protocol.ts";

/** A worker's side of the channel: what it sends, and how it hears. */
export interface WorkerPort {
  send(reply: WorkerReply): void;
  listen(handler: (message: WorkerInit | WorkerRequest) => void): void;
}

/** Serves evaluations on `port` once the first message (`init`) has been handled. */
export function serveUserCode(port: WorkerPort): void {
  let evaluate: ((message: WorkerRequest) => WorkerReply) | undefined;
  port.listen((message) => {
    if (message.type === "init") {
      load(message).then(
        (evaluator) => {
          evaluate = evaluator;
          port.send({ type: "ready" });
        },
        (error: unknown) => port.send({ type: "loadFailed", error: error instanceof Error ? error.message : String(error) }),
      );
      return;
    }
    // The pool only sends evaluations once the worker said it is ready.
    if (evaluate) port.send(evaluate(message));
  });
}

async function load(init: WorkerInit): Promise<(message: WorkerRequest) => WorkerReply> {
  const [javascript, jq] = await Promise.all([
    createScriptEvaluator({
      timeoutMs: init.scriptTimeoutMs,
      memoryBytes: init.scriptMemoryBytes,
      settings: init.scriptSettings,
    }),
    createJqEvaluator(),
  ]);
  return ({ id, request }) => {
    const result = request.kind === "javascript" ? javascript.evaluate(request.expression, request.bindings) : jq.evaluate(request.filter, request.input);
    return { type: "result", id, result };
  };
}
