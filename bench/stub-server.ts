/**
 * The benchmark's floor: a stub that speaks just enough of Conductor's REST API
 * for the SDK's workers, starts and completion checks, but does no orchestration.
 *
 * A workflow is a fixed chain of task types. Starting one pushes its first task
 * onto that type's FIFO; completing task k pushes task k+1 (its input is task
 * k's output, no expressions); after the last task the workflow is COMPLETED
 * with the last task's output. No persistence, no validation, no definitions.
 * Batch polls long-poll like Conductor's (wait up to `timeout` for a first task),
 * and update-v2 hands back the next task of the same type, as Baton does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface StubTask {
  taskId: string;
  workflowInstanceId: string;
  taskType: string;
  referenceTaskName: string;
  seq: number;
  inputData: Record<string, unknown>;
}

interface StubWorkflow {
  workflowId: string;
  workflowName: string;
  correlationId?: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  status: "RUNNING" | "COMPLETED";
  startTime: number;
  endTime: number;
  step: number;
}

export interface StubServer {
  port: number;
  close(): Promise<void>;
}

export interface StubOptions {
  /** Task types run in order by every workflow, whatever its name. */
  chain: string[];
  host?: string;
  port?: number;
}

export async function startStubServer(options: StubOptions): Promise<StubServer> {
  const { chain } = options;
  const workflows = new Map<string, StubWorkflow>();
  const tasks = new Map<string, StubTask>();
  const queues = new Map<string, StubTask[]>();
  const waiters = new Map<string, Array<() => void>>();
  let nextId = 0;
  const id = (prefix: string) => `${prefix}-${(++nextId).toString(36)}`;

  const queueOf = (type: string) => {
    let q = queues.get(type);
    if (!q) queues.set(type, (q = []));
    return q;
  };

  function enqueue(workflow: StubWorkflow, input: Record<string, unknown>): void {
    const type = chain[workflow.step]!;
    const task: StubTask = {
      taskId: id("t"),
      workflowInstanceId: workflow.workflowId,
      taskType: type,
      referenceTaskName: `${type}_ref`,
      seq: workflow.step + 1,
      inputData: input,
    };
    tasks.set(task.taskId, task);
    queueOf(type).push(task);
    const sleeping = waiters.get(type);
    if (sleeping) {
      waiters.delete(type);
      for (const wake of sleeping) wake();
    }
  }

  const toJson = (t: StubTask) => ({
    taskId: t.taskId,
    workflowInstanceId: t.workflowInstanceId,
    taskType: t.taskType,
    taskDefName: t.taskType,
    referenceTaskName: t.referenceTaskName,
    seq: t.seq,
    status: "IN_PROGRESS",
    inputData: t.inputData,
    responseTimeoutSeconds: 3600,
  });

  const take = (type: string, count: number) => queueOf(type).splice(0, count).map(toJson);

  async function poll(type: string, count: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = take(type, count);
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0 || closing) return got;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const list = waiters.get(type);
          const at = list?.indexOf(wake) ?? -1;
          if (list && at >= 0) list.splice(at, 1);
          resolve();
        }, left);
        let list = waiters.get(type);
        if (!list) waiters.set(type, (list = []));
        list.push(wake);
      });
    }
  }

  /** Applies a worker's result; returns the task's type when it was one we knew. */
  function complete(result: { taskId?: string; status?: string; outputData?: Record<string, unknown> }) {
    const task = result.taskId ? tasks.get(result.taskId) : undefined;
    if (!task || result.status !== "COMPLETED") return task?.taskType;
    tasks.delete(task.taskId);
    const workflow = workflows.get(task.workflowInstanceId)!;
    const output = result.outputData ?? {};
    workflow.step += 1;
    if (workflow.step < chain.length) {
      enqueue(workflow, output);
    } else {
      workflow.status = "COMPLETED";
      workflow.output = output;
      workflow.endTime = Date.now();
    }
    return task.taskType;
  }

  const summary = (w: StubWorkflow) => ({
    workflowType: w.workflowName,
    workflowId: w.workflowId,
    correlationId: w.correlationId,
    status: w.status,
    startTime: new Date(w.startTime).toISOString(),
    endTime: w.endTime ? new Date(w.endTime).toISOString() : undefined,
    output: JSON.stringify(w.output),
  });

  /** Only the one query shape the benchmark sends: `correlationId = X AND status = S AND endTime >= T`. */
  function search(query: string, size: number) {
    const field = (name: string) => new RegExp(`${name}\\s*(?:=|>=)\\s*'?([^'\\s]+)'?`).exec(query)?.[1];
    const correlationId = field("correlationId");
    const status = field("status");
    const endTimeFrom = Number(field("endTime") ?? 0);
    const hits: StubWorkflow[] = [];
    for (const w of workflows.values()) {
      if (correlationId !== undefined && w.correlationId !== correlationId) continue;
      if (status !== undefined && w.status !== status) continue;
      if (endTimeFrom > 0 && w.endTime < endTimeFrom) continue;
      hits.push(w);
    }
    return { totalHits: hits.length, results: hits.slice(0, size).map(summary) };
  }

  const send = (res: ServerResponse, status: number, body?: unknown, type = "application/json") => {
    if (body === undefined) {
      res.writeHead(status, { "content-length": "0" }).end();
      return;
    }
    const text = type === "application/json" ? JSON.stringify(body) : String(body);
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) }).end(text);
  };

  const readJson = async (req: IncomingMessage): Promise<any> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    return text === "" ? {} : JSON.parse(text);
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stub");
    const path = url.pathname;
    const method = req.method ?? "GET";
    let m: RegExpExecArray | null;
    if (method === "GET" && (m = /^\/api\/tasks\/poll\/batch\/([^/]+)$/.exec(path))) {
      const count = Number(url.searchParams.get("count") ?? 1);
      const timeout = Math.min(5000, Number(url.searchParams.get("timeout") ?? 100));
      return send(res, 200, await poll(decodeURIComponent(m[1]!), count, timeout));
    }
    if (method === "POST" && path === "/api/tasks/update-v2") {
      const result = await readJson(req);
      const type = complete(result);
      const [next] = type ? take(type, 1) : [];
      return next ? send(res, 200, next) : send(res, 204);
    }
    if (method === "POST" && path === "/api/tasks") {
      const result = await readJson(req);
      complete(result);
      return send(res, 200, result.taskId ?? "", "text/plain");
    }
    if (method === "POST" && path === "/api/workflow") {
      const request = await readJson(req);
      const workflow: StubWorkflow = {
        workflowId: id("wf"),
        workflowName: request.name,
        correlationId: request.correlationId,
        input: request.input ?? {},
        output: {},
        status: "RUNNING",
        startTime: Date.now(),
        endTime: 0,
        step: 0,
      };
      workflows.set(workflow.workflowId, workflow);
      enqueue(workflow, workflow.input);
      return send(res, 200, workflow.workflowId, "text/plain");
    }
    if (method === "GET" && path === "/api/workflow/search") {
      return send(res, 200, search(url.searchParams.get("query") ?? "", Number(url.searchParams.get("size") ?? 100)));
    }
    if (method === "GET" && (m = /^\/api\/workflow\/([^/]+)$/.exec(path))) {
      const w = workflows.get(decodeURIComponent(m[1]!));
      if (!w) return send(res, 404, { status: 404, message: "Workflow not found" });
      return send(res, 200, { ...w, step: undefined, tasks: [] });
    }
    // Definitions: accepted and ignored.
    if (path.startsWith("/api/metadata/")) {
      await readJson(req);
      return send(res, 200);
    }
    return send(res, 404, { status: 404, message: `No endpoint ${method} ${path}` });
  }

  let closing = false;
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => send(res, 500, { status: 500, message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    async close() {
      closing = true;
      for (const list of waiters.values()) for (const wake of list) wake();
      waiters.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
