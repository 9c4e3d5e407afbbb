/**
 * A local stand-in for an MWAA web server's `/aws_mwaa/cli` endpoint (plain
 * HTTP on loopback), answering as MWAA does: `{stdout, stderr}` base64-encoded,
 * with what Airflow 2.x's CLI prints for `dags trigger`, `dags list-runs -o json`
 * and `tasks states-for-dag-run -o json`. The command line is split into words
 * like a POSIX shell's (`shlex.split`), so the client's quoting is checked.
 * Tokens come from `createCliToken`, each accepted for `tokenTtlMs`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { CliTokenOutput } from "../../src/adapters/airflow/mwaa-cli.ts";

/** Words of a command line, as Python's `shlex.split` gives them (quotes, `\` escapes outside single quotes). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\n") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error("No closing quotation");
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = "";
      for (i++; i < line.length && line[i] !== '"'; i++) text += line[i] === "\\" && /["\\$`]/.test(line[i + 1] ?? "") ? line[++i] : line[i];
      if (i >= line.length) throw new Error("No closing quotation");
      word = (word ?? "") + text;
    } else if (c === "\\") {
      word = (word ?? "") + (line[++i] ?? "");
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

interface FakeRun {
  dagId: string;
  runId: string;
  conf: Record<string, unknown>;
  states: string[];
  failedTask?: string;
}

export interface FakeMwaaCliOptions {
  /** DAG ids the environment has. */
  dags: string[];
  /** States a run goes through, one per `list-runs`; the last stays. */
  states?: string[];
  /** Called when a run is created (a test's DAG writes its output here). */
  onTrigger?: (run: { dagId: string; runId: string; conf: Record<string, unknown> }) => Promise<void> | void;
  tokenTtlMs?: number;
  /** How long each CLI answer takes (2 ms by default). */
  latencyMs?: number;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const EXECUTION_DATE = "2026-01-01T00:00:00+00:00";

export async function startFakeMwaaCli(options: FakeMwaaCliOptions) {
  const tokens = new Map<string, number>();
  const runs = new Map<string, FakeRun>();
  const commands: { authorization: string | undefined; contentType: string | undefined; words: string[] }[] = [];
  let issued = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const createCliToken = async ({ Name }: { Name: string }): Promise<CliTokenOutput> => {
    const token = `cli-token-${Name}-${++issued}`;
    tokens.set(token, Date.now() + (options.tokenTtlMs ?? 60_000));
    return { CliToken: token, WebServerHostname: "fake.c2.airflow.us-east-1.on.aws" };
  };

  function run(words: string[]): { stdout: string; stderr: string } {
    const [group, action, ...rest] = words;
    const option = (flag: string) => {
      const at = rest.indexOf(flag);
      return at >= 0 ? rest[at + 1] : undefined;
    };
    const missing = (dagId: string) => ({ stdout: "", stderr: `Traceback (most recent call last):\n  File "/usr/local/bin/airflow", line 8, in <module>\nairflow.exceptions.DagNotFound: Dag id ${dagId} not found in DagModel\n` });
    if (group === "dags" && action === "trigger") {
      const dagId = rest[0]!;
      const runId = option("-r")!;
      if (!options.dags.includes(dagId)) return missing(dagId);
      const key = `${dagId}/${runId}`;
      if (runs.has(key)) {
        return {
          stdout: "",
          stderr: `Traceback (most recent call last):\n  File "/usr/local/lib/python3.11/site-packages/airflow/api/common/trigger_dag.py", line 82, in _trigger_dag\nairflow.exceptions.DagRunAlreadyExists: A DAG Run already exists for DAG ${dagId} at ${EXECUTION_DATE} with run id ${runId}\n`,
        };
      }
      const conf = JSON.parse(option("-c") ?? "{}") as Record<string, unknown>;
      runs.set(key, { dagId, runId, conf, states: [...(options.states ?? ["queued", "running", "success"])] });
      void options.onTrigger?.({ dagId, runId, conf });
      return {
        stdout: `[2026-01-01T00:00:00.000+0000] {__init__.py:42} INFO - Loaded API auth backend: airflow.api.auth.backend.session\nCreated <DagRun ${dagId} @ ${EXECUTION_DATE}: ${runId}, state:queued, queued_at: 2026-01-01 00:00:00.123456+00:00. externally triggered: True>\n`,
        stderr: "",
      };
    }
    if (group === "dags" && action === "list-runs") {
      const dagId = option("-d")!;
      if (!options.dags.includes(dagId)) return { stdout: "", stderr: `DAG: ${dagId} does not exist in 'dag' table\n` };
      const listed = [...runs.values()]
        .filter((r) => r.dagId === dagId)
        .map((r) => {
          const state = r.states.length > 1 ? r.states.shift()! : r.states[0]!;
          if (state === "failed") r.failedTask ??= "parse";
          return { dag_id: r.dagId, run_id: r.runId, state, execution_date: EXECUTION_DATE, start_date: "2026-01-01T00:00:01.234567+00:00", end_date: "" };
        });
      return { stdout: `${JSON.stringify(listed).replace(/,"/g, ', "').replace(/":/g, '": ')}\n`, stderr: "" };
    }
    if (group === "tasks" && action === "states-for-dag-run") {
      const found = runs.get(`${rest[0]}/${rest[1]}`);
      const tasks = ["load", "parse", "write"].map((taskId) => ({
        dag_id: rest[0],
        execution_date: EXECUTION_DATE,
        task_id: taskId,
        state: found?.failedTask === taskId ? "failed" : found?.failedTask ? (taskId === "load" ? "success" : "upstream_failed") : "success",
        start_date: "2026-01-01T00:00:02+00:00",
        end_date: "2026-01-01T00:00:03+00:00",
      }));
      return { stdout: JSON.stringify(tasks), stderr: "" };
    }
    return { stdout: "", stderr: `airflow command error: argument GROUP_OR_COMMAND: invalid choice: '${group}'\n` };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Answer on a later turn, so overlapping requests would show in maxInFlight.
      setTimeout(() => {
        inFlight--;
        if (req.method !== "POST" || req.url !== "/aws_mwaa/cli") {
          res.writeHead(404).end();
          return;
        }
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        const until = token ? tokens.get(token) : undefined;
        if (until === undefined || until < Date.now()) {
          res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ message: "Forbidden" }));
          return;
        }
        const words = shellWords(Buffer.concat(chunks).toString("utf8"));
        commands.push({ authorization: req.headers.authorization, contentType: req.headers["content-type"], words });
        const { stdout, stderr } = run(words);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ stdout: b64(stdout), stderr: b64(stderr) }));
      }, options.latencyMs ?? 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    createCliToken,
    commands,
    runs,
    tokensIssued: () => issued,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
