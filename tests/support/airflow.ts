import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/services/airflow.sh", import.meta.url));

/** Which Airflow scripts/services/airflow.sh runs (its AIRFLOW_MAJOR): 3.1 (`/api/v2`, a JWT) or 2.10 (`/api/v1`, basic auth). */
export type AirflowMajor = 2 | 3;

/** Where a running Airflow answers, as scripts/services/airflow.sh start printed it. */
export interface AirflowEndpoint {
  /** `http://127.0.0.1:<port>`: the API server (`/api/v2`, `/auth/token`), or Airflow 2's web server (`/api/v1`). */
  url: string;
  major: AirflowMajor;
  version: string;
  username: string;
  password: string;
  /** Its temp dir (AIRFLOW_HOME, server.log). */
  dir: string;
}

/** An Airflow started by scripts/services/airflow.sh. */
export interface AirflowServer extends AirflowEndpoint {
  /** Stops every Airflow process and deletes its dir. */
  stop(): Promise<void>;
}

/** The S3 server the DAGs read and write (what scripts/services/s3.sh start printed). */
export interface AirflowS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function runScript(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", [SCRIPT, ...args], { env: { ...process.env, ...env }, timeout: 1_500_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/services/airflow.sh ${args.join(" ")} failed: ${stderr.trim().split("\n").slice(-30).join("\n") || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Installs Airflow if needed (a venv cached under $BATON_CACHE_DIR) and starts
 * it on a free loopback port with the test DAGs, their S3 being `s3` (output
 * and stats in `bucket` unless a run's conf names another); resolves
 * once both DAGs are loaded. Airflow is also stopped when `ownerPid` (this
 * process by default) exits. Rejects with the script's message (e.g. what to
 * install when no suitable Python is found).
 */
export async function startAirflow(s3: AirflowS3, options: { ownerPid?: number; bucket?: string; major?: AirflowMajor } = {}): Promise<AirflowServer> {
  const major = options.major ?? 3;
  const out = await runScript(["start"], {
    AIRFLOW_MAJOR: String(major),
    ...(options.bucket ? { AIRFLOW_S3_BUCKET: options.bucket } : {}),
    AIRFLOW_OWNER_PID: String(options.ownerPid ?? process.pid),
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });
  const value = (name: string) => {
    const match = new RegExp(`^${name}=(.+)$`, "m").exec(out);
    if (!match?.[1]) throw new Error(`scripts/services/airflow.sh start printed no ${name}:\n${out}`);
    return match[1].trim();
  };
  const dir = value("AIRFLOW_DIR");
  return {
    url: value("AIRFLOW_URL"),
    major,
    version: value("AIRFLOW_VERSION"),
    username: value("AIRFLOW_USERNAME"),
    password: value("AIRFLOW_PASSWORD"),
    dir,
    stop: async () => void (await runScript(["stop", dir], { AIRFLOW_MAJOR: String(major) })),
  };
}

/**
 * True when BATON_SKIP_SERVICES names the Airflow suite: a comma- or
 * space-separated list containing `airflow` (or `all`). CI never sets it.
 */
export function airflowSkipped(env: Record<string, string | undefined> = process.env): boolean {
  const names = (env.BATON_SKIP_SERVICES ?? "").toLowerCase().split(/[\s,]+/);
  return names.includes("airflow") || names.includes("all");
}

/** A DAG run as Airflow's REST API answers it (the fields the tests read; the same in v1 and v2). */
export interface AirflowDagRun {
  dag_run_id: string;
  dag_id: string;
  state: string;
  conf: Record<string, unknown> | null;
}

/** An answer of the API: its status and parsed body (text when not JSON). */
export interface AirflowAnswer<T> {
  status: number;
  body: T;
}

/**
 * A small client for Airflow's REST API as a user would call it: Airflow 3, a
 * JWT from `POST /auth/token`, then `/api/v2` with `Authorization: Bearer`;
 * Airflow 2 (`major: 2`), `/api/v1` with basic auth. No retries: the tests see
 * every status Airflow gives.
 */
export function airflowApi(endpoint: Pick<AirflowEndpoint, "url" | "username" | "password"> & { major?: AirflowMajor }) {
  let token: string | undefined;
  const major = endpoint.major ?? 3;
  const root = major === 2 ? "/api/v1" : "/api/v2";

  async function request<T>(method: string, path: string, body?: unknown, auth = true): Promise<AirflowAnswer<T>> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (auth && major === 2) headers.authorization = `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`).toString("base64")}`;
    else if (auth) headers.authorization = `Bearer ${token ?? (token = await fetchToken())}`;
    const response = await fetch(`${endpoint.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T };
  }

  async function fetchToken(): Promise<string> {
    const answer = await request<{ access_token?: string }>("POST", "/auth/token", { username: endpoint.username, password: endpoint.password }, false);
    if (answer.status !== 201 && answer.status !== 200) throw new Error(`POST /auth/token answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    if (typeof answer.body.access_token !== "string") throw new Error(`POST /auth/token answered without access_token: ${JSON.stringify(answer.body)}`);
    return answer.body.access_token;
  }

  const runPath = (dagId: string, dagRunId: string) => `${root}/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(dagRunId)}`;
  const dagRun = (dagId: string, dagRunId: string) => request<AirflowDagRun>("GET", runPath(dagId, dagRunId));

  return {
    request,
    fetchToken,
    /** `POST /api/v{1,2}/dags/{dagId}/dagRuns` with a chosen run id (v2 requires `logical_date`; null for a manual run). */
    trigger: (dagId: string, dagRunId: string, conf: Record<string, unknown>) =>
      request<AirflowDagRun>("POST", `${root}/dags/${encodeURIComponent(dagId)}/dagRuns`, major === 2 ? { dag_run_id: dagRunId, conf } : { dag_run_id: dagRunId, logical_date: null, conf }),
    dagRun,
    /** Polls a run until it is `success` or `failed`; throws naming the last state after `timeoutMs`. */
    async waitForEnd(dagId: string, dagRunId: string, timeoutMs = 180_000): Promise<{ run: AirflowDagRun; states: string[] }> {
      const deadline = Date.now() + timeoutMs;
      const states: string[] = [];
      for (;;) {
        const answer = await dagRun(dagId, dagRunId);
        if (answer.status !== 200) throw new Error(`GET ${runPath(dagId, dagRunId)} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        const { state } = answer.body;
        if (states.at(-1) !== state) states.push(state);
        if (state === "success" || state === "failed") return { run: answer.body, states };
        if (Date.now() > deadline) throw new Error(`DAG run ${dagId}/${dagRunId} still ${state} after ${timeoutMs} ms (states seen: ${states.join(" -> ")})`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    /** The task instances of a run with their states (`GET .../taskInstances`). */
    taskInstances: (dagId: string, dagRunId: string) =>
      request<{ task_instances: { task_id: string; state: string | null }[] }>("GET", `${runPath(dagId, dagRunId)}/taskInstances`),
  };
}
