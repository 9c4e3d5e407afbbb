/**
 * Self-hosted Airflow over its stable REST API: Airflow 2 (`/api/v1`, basic
 * auth) and Airflow 3 (`/api/v2`, a JWT from `POST /auth/token`, renewed once
 * when a call answers 401). Shapes from Airflow's OpenAPI specs: trigger is
 * `POST /dags/{dag_id}/dagRuns {dag_run_id, conf}` (v2 also requires
 * `logical_date`, which may be null), answering the `DAGRun`; a run that
 * exists answers 409; `GET /dags/{dag_id}/dagRuns/{dag_run_id}` gives its `state`;
 * why a run failed comes from its failed task instances' logs
 * (`.../taskInstances`, `.../taskInstances/{task_id}/logs/{try}?full_content=true`).
 */
import { AirflowCallError, isTransientStatus } from "../../domain/dagrun/airflow-error.ts";
import type { Airflow, DagRunTrigger, DagRunTriggered } from "../../domain/ports.ts";

export interface RestAirflowOptions {
  version: 2 | 3;
  /** The Airflow web server / API server, e.g. `http://localhost:8080`. */
  baseUrl: string;
  username: string;
  password: string;
  fetch?: typeof fetch;
  /** Per-request time limit. */
  timeoutMs?: number;
}

export function createRestAirflow({ version, baseUrl, username, password, fetch: fetchFn = fetch, timeoutMs = 30_000 }: RestAirflowOptions): Airflow {
  const root = baseUrl.replace(/\/+$/, "");
  const api = `${root}${version === 2 ? "/api/v1" : "/api/v2"}`;
  const kind = version === 2 ? "airflow2" : "airflow3";
  let token: string | undefined;

  async function call(method: string, url: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    try {
      return await fetchFn(url, {
        method,
        headers: { accept: "application/json", ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AirflowCallError(`${kind}: ${method} ${url} failed: ${error instanceof Error ? error.message : String(error)}`, true);
    }
  }

  async function fetchToken(): Promise<string> {
    const response = await call("POST", `${root}/auth/token`, { body: { username, password } });
    if (!response.ok) throw await failure(response, "POST /auth/token");
    const body = (await response.json()) as { access_token?: unknown };
    if (typeof body.access_token !== "string") throw new AirflowCallError(`${kind}: POST /auth/token answered without access_token`, false, response.status);
    return body.access_token;
  }

  async function authorised(method: string, path: string, body?: unknown): Promise<Response> {
    if (version === 2) {
      const basic = btoa(`${username}:${password}`);
      return call(method, `${api}${path}`, { body, headers: { authorization: `Basic ${basic}` } });
    }
    token ??= await fetchToken();
    let response = await call(method, `${api}${path}`, { body, headers: { authorization: `Bearer ${token}` } });
    if (response.status === 401) {
      token = await fetchToken();
      response = await call(method, `${api}${path}`, { body, headers: { authorization: `Bearer ${token}` } });
    }
    return response;
  }

  async function failure(response: Response, what: string): Promise<AirflowCallError> {
    const text = await response.text().catch(() => "");
    let detail = text;
    try {
      const parsed = JSON.parse(text) as { detail?: unknown; title?: unknown };
      detail = typeof parsed.detail === "string" ? parsed.detail : typeof parsed.title === "string" ? parsed.title : JSON.stringify(parsed.detail ?? parsed);
    } catch {
      // not JSON: keep the text
    }
    return new AirflowCallError(`${kind}: ${what} answered ${response.status}${detail ? `: ${detail.slice(0, 500)}` : ""}`, isTransientStatus(response.status), response.status);
  }

  const runPath = (dagId: string, dagRunId: string) => `/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(dagRunId)}`;

  return {
    kind,
    async trigger({ dagId, dagRunId, conf }: DagRunTrigger): Promise<DagRunTriggered> {
      const path = `/dags/${encodeURIComponent(dagId)}/dagRuns`;
      const body = version === 2 ? { dag_run_id: dagRunId, conf } : { dag_run_id: dagRunId, logical_date: null, conf };
      const response = await authorised("POST", path, body);
      const url = `${api}${runPath(dagId, dagRunId)}`;
      if (response.status === 409) {
        await response.body?.cancel();
        return { outcome: "exists", url };
      }
      if (!response.ok) throw await failure(response, `POST ${path}`);
      await response.body?.cancel();
      return { outcome: "created", url };
    },
    async failureOf(dagId, dagRunId) {
      const path = `${runPath(dagId, dagRunId)}/taskInstances`;
      const response = await authorised("GET", path);
      if (!response.ok) throw await failure(response, `GET ${path}`);
      const body = (await response.json()) as { task_instances?: { task_id?: unknown; state?: unknown; try_number?: unknown }[] };
      const failed = (body.task_instances ?? []).filter((task) => task.state === "failed" && typeof task.task_id === "string");
      const reasons: string[] = [];
      for (const task of failed.slice(0, MAX_FAILED_TASKS_READ)) {
        const taskId = task.task_id as string;
        const tryNumber = typeof task.try_number === "number" && task.try_number > 0 ? task.try_number : 1;
        const log = await authorised("GET", `${path}/${encodeURIComponent(taskId)}/logs/${tryNumber}?full_content=true`);
        const error = log.ok ? errorOfTaskLog(((await log.json()) as { content?: unknown }).content) : (await log.body?.cancel(), undefined);
        reasons.push(`task '${taskId}' (try ${tryNumber})${error ? `: ${error}` : ""}`);
      }
      return reasons.length > 0 ? reasons.join("; ") : undefined;
    },
    async state(dagId, dagRunId) {
      const path = runPath(dagId, dagRunId);
      const response = await authorised("GET", path);
      if (!response.ok) throw await failure(response, `GET ${path}`);
      const body = (await response.json()) as { state?: unknown };
      if (typeof body.state !== "string") throw new AirflowCallError(`${kind}: GET ${path} answered without a state`, true, response.status);
      return body.state;
    },
  };
}

/** How many failed tasks' logs `failureOf` reads (a run whose every task failed says enough with the first few). */
const MAX_FAILED_TASKS_READ = 3;

/** A Python exception's last traceback line: `RuntimeError: why` (also dotted, e.g. `airflow.exceptions.AirflowException: why`). */
const EXCEPTION_LINE = /^([A-Za-z_][\w.]*(?:Error|Exception)): (.+)$/gm;

/**
 * The error a failed task's log ends with, or undefined: Airflow 3 answers the
 * log as structured entries (`error_detail: [{exc_type, exc_value}]`), Airflow 2
 * as text whose traceback ends `ExcType: message`; Airflow 2.10 sends that text
 * as the Python repr of `[(host, text)]` (one line, newlines escaped).
 * At most 500 characters.
 */
export function errorOfTaskLog(content: unknown): string | undefined {
  let found: string | undefined;
  const fromText = (text: string) => {
    const lines = /^\[\('/.test(text) && !text.includes("\n") ? unrepr(text) : text;
    for (const match of lines.matchAll(EXCEPTION_LINE)) found = `${match[1]}: ${match[2]!.trim()}`;
  };
  const visit = (entry: unknown) => {
    if (typeof entry === "string") return fromText(entry);
    if (Array.isArray(entry)) return entry.forEach(visit);
    if (entry && typeof entry === "object") {
      const details = (entry as { error_detail?: unknown }).error_detail;
      if (Array.isArray(details)) {
        for (const detail of details) {
          const { exc_type: type, exc_value: value } = (detail ?? {}) as { exc_type?: unknown; exc_value?: unknown };
          if (typeof type === "string") found = typeof value === "string" && value ? `${type}: ${value}` : type;
        }
      }
    }
  };
  visit(content);
  return found?.slice(0, 500);
}

/** The escapes of a Python string repr that matter for reading a log: newlines, tabs, quotes, backslashes. */
function unrepr(text: string): string {
  return text.replace(/\\([nt'"\\])/g, (_, escaped: string) => (escaped === "n" ? "\n" : escaped === "t" ? "\t" : escaped));
}
