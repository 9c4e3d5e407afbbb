/**
 * How long a wide FORK_JOIN_DYNAMIC holds the server: starts the real server
 * (src/api/node.ts, memory store, BATON_MAX_DYNAMIC_FORK_BRANCHES raised to N)
 * in a child process, starts one workflow forking N SIMPLE branches, and asks
 * GET /health every 20 ms until every branch is queued; prints those times
 * and the slowest /health answer. BATON_MAX_DECISION_EVENTS passes through. `N=5000 npx tsx bench/health-during-fork.ts`
 * (BATON_DIR: another checkout to measure, e.g. main).
 */
import { spawn } from "node:child_process";

const N = Number(process.env.N ?? 5000);
const cwd = process.env.BATON_DIR ?? process.cwd();
const server = spawn("node", ["--import", "tsx", "src/api/node.ts"], {
  cwd,
  env: {
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    BATON_EVENT_STORE: "memory",
    BATON_MAX_DYNAMIC_FORK_BRANCHES: String(N),
    BATON_ROUTER_ENABLED: "false",
  },
  stdio: ["ignore", "pipe", "inherit"],
});

// PORT=0: the server picks a free port and names it in its "listening on" line.
const base = await new Promise<string>((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    const match = /listening on (http:\/\/[^\s]+?)\s/.exec(out);
    if (match) resolve(match[1]!.replace(/\/$/, ""));
  });
  server.on("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
});
const call = (method: string, path: string, body?: unknown) =>
  fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

try {
  await call("POST", "/api/metadata/workflow", {
    name: "wide",
    version: 1,
    schemaVersion: 2,
    tasks: [
      { name: "fork", taskReferenceName: "fork", type: "FORK_JOIN_DYNAMIC", inputParameters: { forkTaskName: "work", forkTaskInputs: "${workflow.input.items}" } },
      { name: "join", taskReferenceName: "join", type: "JOIN" },
    ],
  });
  let worst = 0;
  let probes = 0;
  let failures = 0;
  let running = true;
  const prober = (async () => {
    while (running) {
      const before = performance.now();
      await call("GET", "/health").catch(() => failures++);
      worst = Math.max(worst, performance.now() - before);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const before = performance.now();
  const response = await call("POST", "/api/workflow/wide", { items: Array.from({ length: N }, (_, i) => ({ i })) });
  const id = await response.text();
  const startMs = performance.now() - before;
  // A fork wider than one decision's budget goes on after the start answers: wait until every branch is queued.
  for (;;) {
    const sizes = (await (await call("GET", "/api/tasks/queue/sizes?taskType=work")).json()) as { work?: number };
    if ((sizes.work ?? 0) >= N || performance.now() - before > 600_000) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const queuedMs = performance.now() - before;
  await new Promise((resolve) => setTimeout(resolve, 500));
  running = false;
  await prober;
  const workflow = (await (await call("GET", `/api/workflow/${id}?includeTasks=false`)).json()) as { status: string };
  console.log(
    `N=${N}: start answered in ${Math.round(startMs)} ms (HTTP ${response.status}), all branches queued after ${Math.round(queuedMs)} ms (workflow ${workflow.status}); ` +
      `slowest /health ${Math.round(worst)} ms over ${probes} probes, ${failures} failed`,
  );
} finally {
  server.kill("SIGTERM");
}
