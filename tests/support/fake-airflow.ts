/**
 * A small HTTP server that answers like Airflow's stable REST API, for the
 * Airflow 2 and 3 adapters: v1 (`/api/v1`, basic auth) or v2 (`/api/v2`, a
 * bearer token from `POST /auth/token`). Shapes from Airflow's OpenAPI specs:
 * `DAGRun` bodies, 409 for a run id that exists, `{title, status, detail,
 * type}` problem bodies. Runs move queued -> running -> `finalState` one step
 * per GET; `failNext` answers the next requests with a status (e.g. 503).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeAirflowOptions {
  version: 2 | 3;
  username?: string;
  password?: string;
  dags?: string[];
  finalState?: "success" | "failed";
  /** Runs stay `running` until `release()`. */
  hold?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: any;
}

export async function startFakeAirflow(options: FakeAirflowOptions) {
  const { version, username = "admin", password = "secret", dags = ["name_parse"], finalState = "success" } = options;
  const prefix = version === 2 ? "/api/v1" : "/api/v2";
  const runs = new Map<string, { dag_id: string; dag_run_id: string; conf: unknown; state: string }>();
  const requests: RecordedRequest[] = [];
  const failures: number[] = [];
  const tokens = new Set<string>();
  let tokenCount = 0;
  let held = options.hold ?? false;

  const problem = (status: number, title: string, detail: string) => ({ status, body: { title, status, detail, type: `https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors/${title.replace(/ /g, "")}` } });

  function authorised(authorization: string | undefined): boolean {
    if (version === 2) return authorization === `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    return authorization !== undefined && tokens.has(authorization.replace(/^Bearer /, ""));
  }

  function dagRun(run: { dag_id: string; dag_run_id: string; conf: unknown; state: string }) {
    return {
      dag_run_id: run.dag_run_id,
      dag_id: run.dag_id,
      logical_date: version === 2 ? "2026-01-01T00:00:00+00:00" : null,
      ...(version === 2 ? { execution_date: "2026-01-01T00:00:00+00:00", external_trigger: true } : { triggered_by: "rest_api" }),
      start_date: null,
      end_date: null,
      state: run.state,
      run_type: "manual",
      conf: run.conf,
      note: null,
    };
  }

  function answer(request: RecordedRequest): { status: number; body: unknown } {
    const failure = failures.shift();
    if (failure !== undefined) return problem(failure, "Service Unavailable", "try later");
    if (version === 3 && request.method === "POST" && request.path === "/auth/token") {
      if (request.body?.username !== username || request.body?.password !== password) return problem(401, "Unauthorized", "Invalid credentials");
      const token = `token-${++tokenCount}`;
      tokens.add(token);
      return { status: 201, body: { access_token: token } };
    }
    if (!request.path.startsWith(`${prefix}/`)) return problem(404, "Not Found", `no route ${request.path}`);
    if (!authorised(request.authorization)) return problem(401, "Unauthorized", "Not authenticated");
    const match = /^\/dags\/([^/]+)\/dagRuns(?:\/([^/]+))?$/.exec(request.path.slice(prefix.length));
    if (!match) return problem(404, "Not Found", `no route ${request.path}`);
    const dagId = decodeURIComponent(match[1]!);
    if (!dags.includes(dagId)) return problem(404, "DAG not found", `DAG with dag_id: '${dagId}' not found`);
    if (request.method === "POST" && !match[2]) {
      if (version === 3 && !(request.body && "logical_date" in request.body)) return problem(422, "Unprocessable Entity", "logical_date: Field required");
      const runId = String(request.body?.dag_run_id);
      const key = `${dagId}/${runId}`;
      if (runs.has(key)) return problem(409, "Conflict", `DAGRun with DAG ID: '${dagId}' and DAGRun ID: '${runId}' already exists`);
      const run = { dag_id: dagId, dag_run_id: runId, conf: request.body?.conf ?? {}, state: "queued" };
      runs.set(key, run);
      return { status: 200, body: dagRun(run) };
    }
    if (request.method === "GET" && match[2]) {
      const run = runs.get(`${dagId}/${decodeURIComponent(match[2])}`);
      if (!run) return problem(404, "DAGRun not found", `DAGRun with DAG ID: '${dagId}' and DagRun ID: '${match[2]}' not found`);
      const body = dagRun(run);
      run.state = run.state === "queued" || held ? "running" : finalState;
      return { status: 200, body };
    }
    return problem(405, "Method Not Allowed", request.method);
  }

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = "";
      req.on("data", (chunk) => (text += chunk));
      req.on("end", () => resolve(text));
    });

  const server: Server = createServer(async (req, res) => {
    const text = await readBody(req);
    const request: RecordedRequest = {
      method: req.method ?? "GET",
      path: new URL(req.url ?? "/", "http://x").pathname,
      authorization: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    };
    requests.push(request);
    const { status, body } = answer(request);
    res.writeHead(status, { "content-type": status >= 400 ? "application/problem+json" : "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    runs,
    /** The next `count` requests answer `status`. */
    failNext(status: number, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    /** Lets held runs finish. */
    release() {
      held = false;
    },
    /** Forget issued tokens, as a restarted API server would. */
    expireTokens: () => tokens.clear(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
