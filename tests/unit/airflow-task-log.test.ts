/**
 * Why a DAG run on a self-hosted Airflow failed, for the completion's
 * `error_message`: the REST adapter reads the failed task instances and the
 * error their logs end with. The Airflow 2 log is a real answer of Airflow
 * 2.10.5's `GET /api/v1/.../logs/1?full_content=true` (trimmed to its head and
 * tail; tests/services/airflow2-e2e.test.ts checks the same against the running Airflow).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createRestAirflow, errorOfTaskLog } from "../../src/adapters/airflow/rest.ts";

const airflow2Log = JSON.parse(readFileSync(new URL("./fixtures/airflow2-failed-task-log.json", import.meta.url), "utf8")) as { content: string };

describe("errorOfTaskLog", () => {
  it("reads the last exception of Airflow 2.10's log, the repr of [(host, text)] with escaped newlines", () => {
    expect(airflow2Log.content.startsWith("[('vm', '")).toBe(true);
    expect(errorOfTaskLog(airflow2Log.content)).toBe("RuntimeError: bad batch");
  });

  it("reads plain text logs, dotted exception names and unescaped quotes", () => {
    const log = "[2026-01-01] {taskinstance.py:1} ERROR - Task failed with exception\nTraceback (most recent call last):\n  File \"x.py\", line 1\nbaton_dag_io.DagConfError: conf.fail_while: expected an s3://bucket/key URI, got ''\n[2026-01-01] INFO - Task exited with return code 1\n";
    expect(errorOfTaskLog(log)).toBe("baton_dag_io.DagConfError: conf.fail_while: expected an s3://bucket/key URI, got ''");
    expect(errorOfTaskLog("[('vm', 'Traceback\\nKeyError: \\'s3_input_uri\\'\\n')]")).toBe("KeyError: 's3_input_uri'");
  });

  it("reads Airflow 3's structured entries (error_detail), the last one winning", () => {
    const content = [
      { event: "Task instance is in running state", level: "info" },
      { event: "Task failed with exception", level: "error", error_detail: [{ exc_type: "RuntimeError", exc_value: "bad batch on purpose", frames: [] }] },
    ];
    expect(errorOfTaskLog(content)).toBe("RuntimeError: bad batch on purpose");
  });

  it("says nothing when the log names no exception, and keeps a long message to 500 characters", () => {
    expect(errorOfTaskLog("[2026-01-01] INFO - Task exited with return code 1\n")).toBeUndefined();
    expect(errorOfTaskLog(undefined)).toBeUndefined();
    expect(errorOfTaskLog(`ValueError: ${"x".repeat(1000)}`)).toHaveLength(500);
  });
});

describe("the REST adapter's failureOf", () => {
  it("Airflow 2: lists the run's task instances and reads each failed one's log for its error", async () => {
    const calls: string[] = [];
    const fetchStub = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      calls.push(`${init?.method} ${url.replace("http://airflow:8080", "")} ${(init?.headers as Record<string, string>).authorization}`);
      if (url.endsWith("/taskInstances")) {
        return Response.json({ task_instances: [{ task_id: "read", state: "success", try_number: 1 }, { task_id: "parse_names", state: "failed", try_number: 2 }], total_entries: 2 });
      }
      if (url.includes("/taskInstances/parse_names/logs/2")) return Response.json(airflow2Log);
      return new Response("not found", { status: 404 });
    }) as typeof fetch;
    const adapter = createRestAirflow({ version: 2, baseUrl: "http://airflow:8080", username: "admin", password: "pw", fetch: fetchStub });

    expect(await adapter.failureOf!("name_parse", "wf 1")).toBe("task 'parse_names' (try 2): RuntimeError: bad batch");
    const basic = `Basic ${Buffer.from("admin:pw").toString("base64")}`;
    expect(calls).toEqual([
      `GET /api/v1/dags/name_parse/dagRuns/wf%201/taskInstances ${basic}`,
      `GET /api/v1/dags/name_parse/dagRuns/wf%201/taskInstances/parse_names/logs/2?full_content=true ${basic}`,
    ]);
  });

  it("names the failed task without an error when its log cannot be read, and nothing when no task failed", async () => {
    let failed = true;
    const fetchStub = (async (input: string | URL | Request) => {
      const url = String(input);
      if (url.endsWith("/taskInstances")) return Response.json({ task_instances: [{ task_id: "clean_emails", state: failed ? "failed" : "upstream_failed", try_number: 1 }] });
      return new Response("gone", { status: 404 });
    }) as typeof fetch;
    const adapter = createRestAirflow({ version: 2, baseUrl: "http://airflow:8080", username: "a", password: "b", fetch: fetchStub });
    expect(await adapter.failureOf!("email_hygiene", "r")).toBe("task 'clean_emails' (try 1)");
    failed = false;
    expect(await adapter.failureOf!("email_hygiene", "r")).toBeUndefined();
  });
});
