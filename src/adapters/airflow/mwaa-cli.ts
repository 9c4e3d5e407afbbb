/**
 * AWS MWAA through its CLI-token route, for SDKs without `InvokeRestApi`
 * (`@aws-sdk/client-mwaa` 3.523.0, the newest this project's registry serves).
 * `CreateCliToken({Name})` answers a `CliToken` (valid 60 s) and the
 * environment's `WebServerHostname`; `POST https://<host>/aws_mwaa/cli` with
 * `Authorization: Bearer <token>`, `Content-Type: text/plain` and an Airflow
 * CLI command line as the body runs it, answering JSON `{stdout, stderr}`, each
 * base64-encoded. The endpoint gives no exit status, so each command is judged
 * by what it prints:
 * - trigger: `dags trigger <dag> -r <run> -c '<conf>'`; Airflow 2 prints the
 *   created run (its id), or `DagRunAlreadyExists: A DAG Run already exists ...`
 *   on stderr for a run id in use (the REST 409: "exists");
 * - state: `dags list-runs -d <dag> -o json`, the run picked by `run_id`;
 * - failure: `tasks states-for-dag-run <dag> <run> -o json` names the failed
 *   tasks; their logs are not reachable through the CLI, and the reason says so.
 * AWS asks callers not to open a CLI request before the previous one finished,
 * so calls go one at a time, and polls of runs of one DAG waiting together
 * share one `list-runs`. A token is reused until shortly before its 60 s
 * end, and renewed once when the web server refuses it (401/403).
 */
import { AirflowCallError, isTransientStatus } from "../../domain/dagrun/airflow-error.ts";
import type { Airflow, DagRunTrigger, DagRunTriggered } from "../../domain/ports.ts";
import { errorOfTaskLog } from "./rest.ts";

/** `CreateCliTokenResponse`. */
export interface CliTokenOutput {
  CliToken?: string;
  WebServerHostname?: string;
}

/** Sends one `CreateCliToken` call (the SDK client's `send(new CreateCliTokenCommand(input))`). */
export type CreateCliToken = (input: { Name: string }) => Promise<CliTokenOutput>;

export interface MwaaCliAirflowOptions {
  /** The MWAA environment's name. */
  environment: string;
  region: string;
  createCliToken: CreateCliToken;
  /** Where `/aws_mwaa/cli` is served instead of `https://<WebServerHostname>` (a proxy, or a test's fake). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per-request time limit. */
  timeoutMs?: number;
  /** How long a token is used: AWS says 60 s; renewed 10 s early by default. */
  tokenTtlMs?: number;
  now?: () => number;
}

/** What one CLI command printed. */
export interface CliOutput {
  stdout: string;
  stderr: string;
}

/** Airflow's message for a run id in use (`DagRunAlreadyExists`), in its 2.x wordings. */
const ALREADY_EXISTS = /DagRunAlreadyExists|A DAG Run already exists|Dag Run already exists/i;

/**
 * One argument for the CLI endpoint's command line, which is split like a
 * POSIX shell's words: bare when it has only safe characters, else in single
 * quotes with each `'` written as `'"'"'`.
 */
export function quoteArg(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

const b64 = (value: unknown, what: string): string => {
  if (value === undefined || value === null || value === "") return "";
  try {
    if (typeof value !== "string") throw new TypeError("not a string");
    return new TextDecoder().decode(Uint8Array.from(atob(value), (char) => char.charCodeAt(0)));
  } catch {
    throw new AirflowCallError(`mwaa-cli: the CLI's ${what} is not base64`, false);
  }
};

/** The first JSON array a command printed (Airflow may print warnings around it), or undefined. */
function jsonArrayIn(stdout: string): unknown[] | undefined {
  const start = stdout.indexOf("[");
  const end = stdout.lastIndexOf("]");
  if (start < 0 || end < start) return undefined;
  try {
    const parsed = JSON.parse(stdout.slice(start, end + 1)) as unknown;
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The end of stderr worth showing: a traceback's last line (the exception), else its last lines. */
function stderrSummary(stderr: string): string {
  const lines = stderr.trim().split("\n").filter((line) => line.trim() !== "");
  if (lines.some((line) => line.startsWith("Traceback ("))) return lines.at(-1)!.trim().slice(0, 500);
  return errorOfTaskLog(stderr) ?? lines.slice(-3).join(" | ").slice(0, 500);
}

export function createMwaaCliAirflow(options: MwaaCliAirflowOptions): Airflow & { cli(command: string): Promise<CliOutput> } {
  const { environment, region, createCliToken, fetch: fetchFn = fetch, timeoutMs = 30_000, tokenTtlMs = 50_000, now = Date.now } = options;
  let token: { value: string; host: string; until: number } | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function freshToken(): Promise<{ value: string; host: string }> {
    let output: CliTokenOutput;
    try {
      output = await createCliToken({ Name: environment });
    } catch (error) {
      const e = (error ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const transient = status === undefined || isTransientStatus(status) || e.name === "ThrottlingException" || e.name === "InternalServerException";
      throw new AirflowCallError(`mwaa-cli: CreateCliToken for '${environment}' failed${status ? ` (${status})` : ""}: ${e.name ? `${e.name}: ` : ""}${e.message ?? String(error)}`, transient, status);
    }
    if (!output.CliToken || !output.WebServerHostname) {
      throw new AirflowCallError(`mwaa-cli: CreateCliToken for '${environment}' answered without ${output.CliToken ? "WebServerHostname" : "CliToken"}`, false);
    }
    token = { value: output.CliToken, host: output.WebServerHostname, until: now() + tokenTtlMs };
    return token;
  }

  async function post(command: string, auth: { value: string; host: string }): Promise<Response> {
    const url = `${(options.baseUrl ?? `https://${auth.host}`).replace(/\/+$/, "")}/aws_mwaa/cli`;
    try {
      return await fetchFn(url, {
        method: "POST",
        headers: { authorization: `Bearer ${auth.value}`, "content-type": "text/plain", accept: "application/json" },
        body: command,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AirflowCallError(`mwaa-cli: POST ${url} (${firstWords(command)}) failed: ${error instanceof Error ? error.message : String(error)}`, true);
    }
  }

  async function run(command: string): Promise<CliOutput> {
    const current = token && token.until > now() ? token : await freshToken();
    let response = await post(command, current);
    if (response.status === 401 || response.status === 403) {
      // Expired early or revoked: one new token, then the answer stands.
      await response.body?.cancel();
      response = await post(command, await freshToken());
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => "")).trim();
      throw new AirflowCallError(
        `mwaa-cli: ${firstWords(command)} answered HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ""}`,
        isTransientStatus(response.status),
        response.status,
      );
    }
    let body: { stdout?: unknown; stderr?: unknown };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new AirflowCallError(`mwaa-cli: ${firstWords(command)} answered ${response.status} without JSON {stdout, stderr}`, true, response.status);
    }
    return { stdout: b64(body.stdout, "stdout"), stderr: b64(body.stderr, "stderr") };
  }

  /** Shared commands queued and not yet sent: a caller asking the same joins it. */
  const waiting = new Map<string, Promise<CliOutput>>();

  /**
   * One command at a time, as AWS asks of CLI-token callers. A `shared` command
   * (a read) that is already waiting its turn is not queued twice: the monitor's
   * polls of several runs of one DAG share one `list-runs`.
   */
  function cli(command: string, shared = false): Promise<CliOutput> {
    if (shared) {
      const joined = waiting.get(command);
      if (joined) return joined;
    }
    const result: Promise<CliOutput> = queue.then(() => {
      if (waiting.get(command) === result) waiting.delete(command);
      return run(command);
    });
    if (shared) waiting.set(command, result);
    queue = result.catch(() => undefined);
    return result;
  }

  const urlOf = (dagId: string, dagRunId: string) => `mwaa://${region}/${environment}/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(dagRunId)}`;

  return {
    kind: "mwaa",
    cli,
    async trigger({ dagId, dagRunId, conf }: DagRunTrigger): Promise<DagRunTriggered> {
      const command = `dags trigger ${quoteArg(dagId)} -r ${quoteArg(dagRunId)} -c ${quoteArg(JSON.stringify(conf))}`;
      const { stdout, stderr } = await cli(command);
      if (ALREADY_EXISTS.test(stderr) || ALREADY_EXISTS.test(stdout)) return { outcome: "exists", url: urlOf(dagId, dagRunId) };
      if (!stdout.includes(dagRunId)) {
        throw new AirflowCallError(`mwaa-cli: dags trigger ${dagId} -r ${dagRunId} did not create the run: ${stderrSummary(stderr) || stdout.trim().slice(0, 300) || "no output"}`, false);
      }
      return { outcome: "created", url: urlOf(dagId, dagRunId) };
    },
    async state(dagId, dagRunId) {
      const { stdout, stderr } = await cli(`dags list-runs -d ${quoteArg(dagId)} -o json`, true);
      const runs = jsonArrayIn(stdout);
      if (!runs) throw new AirflowCallError(`mwaa-cli: dags list-runs -d ${dagId} printed no JSON list: ${stderrSummary(stderr) || stdout.trim().slice(0, 300) || "no output"}`, false);
      const found = runs.find((entry) => (entry as { run_id?: unknown } | null)?.run_id === dagRunId) as { state?: unknown } | undefined;
      // Not (yet) listed: Airflow's 404, which the monitor treats like any lasting error.
      if (!found) throw new AirflowCallError(`mwaa-cli: dags list-runs -d ${dagId} does not list run '${dagRunId}'`, false, 404);
      if (typeof found.state !== "string") throw new AirflowCallError(`mwaa-cli: run '${dagRunId}' is listed without a state`, true);
      return found.state;
    },
    async failureOf(dagId, dagRunId) {
      const { stdout } = await cli(`tasks states-for-dag-run ${quoteArg(dagId)} ${quoteArg(dagRunId)} -o json`);
      const tasks = jsonArrayIn(stdout) ?? [];
      const failed = tasks
        .filter((task) => (task as { state?: unknown } | null)?.state === "failed")
        .map((task) => String((task as { task_id?: unknown }).task_id));
      if (failed.length === 0) return undefined;
      return `${failed.map((id) => `task '${id}' failed`).join("; ")} (its log is not available through the MWAA CLI)`;
    },
  };
}

/** A command's first words for messages (never its conf). */
const firstWords = (command: string) => command.split(" ").slice(0, 3).join(" ");
