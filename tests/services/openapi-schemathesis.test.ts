/**
 * A bounded schemathesis run (PyPI, pinned in tests/services/schemathesis/requirements.txt)
 * against the OpenAPI description Baton serves at /api-docs: Baton on the memory store,
 * with a definition and a running workflow so some generated calls reach real data;
 * schemathesis generates requests from the description (coverage, then fuzzing, until
 * BATON_SCHEMATHESIS_SECONDS, default 90) and checks that no answer is a 5xx, and that
 * each answer's status, content type and body match what the description says.
 *
 * Left out, with the reason:
 * - /graphql (GraphQL, not REST), /api-docs*, and the console's files (/, /graphiql, /assets): not the REST API;
 * - the external-storage-location routes: their 501 is the honest answer (Baton has no external payload storage);
 * - POST /api/workflow/execute/…: it waits for the started workflow by design (up to 55 s per call).
 *
 * The seed is fixed (BATON_SCHEMATHESIS_SEED overrides it) so a failure reproduces; the
 * output names each failure with a curl command.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startBaton, type TestBaton } from "../support/baton.ts";

const SECONDS = Number(process.env.BATON_SCHEMATHESIS_SECONDS ?? "90");
const SEED = process.env.BATON_SCHEMATHESIS_SEED ?? "15";
const EXCLUDED = "^/(graphql|graphiql|api-docs|assets/|$)|external-?storage-?location|/api/workflow/execute/";
const CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"];

let baton: TestBaton;
let workDir: string;

beforeAll(async () => {
  baton = await startBaton({ env: { BATON_LOG_LEVEL: "warn" } });
  workDir = await mkdtemp(join(tmpdir(), "baton-schemathesis-"));
  const post = (path: string, body: unknown) =>
    fetch(`${baton.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect((await post("/api/metadata/taskdefs", [{ name: "st_task" }])).status).toBe(200);
  expect((await post("/api/metadata/workflow", { name: "st_flow", version: 1, schemaVersion: 2, tasks: [{ name: "st_task", taskReferenceName: "t", type: "SIMPLE" }] })).status).toBe(200);
  expect((await post("/api/workflow", { name: "st_flow", input: { n: 1 }, correlationId: "st" })).status).toBe(200);
});

afterAll(async () => {
  await baton?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Runs schemathesis asynchronously (Baton serves from this very process); resolves with its exit code and output. */
function schemathesis(args: string[]): Promise<{ code: number | null; output: string }> {
  const { bin } = inject("schemathesis");
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: workDir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", SCHEMATHESIS_TELEMETRY: "false" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), (SECONDS + 120) * 1000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("schemathesis against /api-docs", () => {
  it(`finds no server error and no answer that differs from the description (${SECONDS} s, seed ${SEED})`, { timeout: (SECONDS + 180) * 1000 }, async () => {
    const { code, output } = await schemathesis([
      "run",
      `${baton.url}/api-docs`,
      "--checks",
      CHECKS.join(","),
      // Fuzzing only: schemathesis 4.32.5's own coverage-phase generator once stopped a CI run
      // with "Inconsistent results" (a Hypothesis error inside the tool, every case passing).
      "--phases",
      "fuzzing",
      "--max-examples",
      "5",
      "--max-time",
      String(SECONDS),
      "--workers",
      "2",
      "--request-timeout",
      "15",
      "--seed",
      SEED,
      "--generation-database",
      "none",
      "--no-color",
      "--exclude-path-regex",
      EXCLUDED,
    ]);
    expect(output).toMatch(/Operations:\s+\d+ selected/);
    const selected = Number(/Operations:\s+(\d+) selected/.exec(output)![1]);
    expect(selected).toBeGreaterThan(90);
    console.log(output.slice(output.lastIndexOf("SUMMARY") - 40));
    expect(code, output).toBe(0);
  });
});
