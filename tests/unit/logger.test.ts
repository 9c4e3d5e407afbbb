import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel, REDACTED } from "../../src/api/observability/logger.ts";
import { requestContext } from "../../src/api/observability/request-context.ts";
import { loggerFromConfig } from "../../src/api/observability/runtime-logger.ts";
import { quietLogger } from "../../src/api/observability/quiet-logger.ts";

const at = new Date("2026-01-02T03:04:05.678Z");

function capture(level: LogLevel = "debug", format: "json" | "pretty" = "json") {
  const lines: { line: string; level: LogLevel }[] = [];
  const logger = createLogger({ write: (line, lvl) => lines.push({ line, level: lvl }), level, format, now: () => at });
  return { logger, lines, json: () => lines.map((l) => JSON.parse(l.line) as Record<string, unknown>) };
}

describe("the structured logger", () => {
  it("writes one JSON object per line with time, level, message and the fields", () => {
    const { logger, lines, json } = capture();
    logger.info("workflow started", { workflowId: "wf-1", type: "hello" });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.line).not.toContain("\n");
    expect(json()[0]).toEqual({ time: "2026-01-02T03:04:05.678Z", level: "info", message: "workflow started", workflowId: "wf-1", type: "hello" });
  });

  it("drops lines below its level and tells the runtime each line's level", () => {
    const { logger, lines } = capture("warn");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines.map((l) => l.level)).toEqual(["warn", "error"]);
    expect(logger.isEnabled("info")).toBe(false);
    expect(logger.isEnabled("error")).toBe(true);
  });

  it("carries a child's fields into every line, the line's own fields winning", () => {
    const { logger, json } = capture();
    const child = logger.child({ requestId: "r-1", workflowId: "wf-0" });
    child.error("failed", { workflowId: "wf-2" });
    expect(json()[0]).toMatchObject({ requestId: "r-1", workflowId: "wf-2", level: "error" });
  });

  it("never writes secrets: secret-looking keys at any depth, passwords in URLs", () => {
    const { logger, lines, json } = capture();
    logger.info("connecting to esdb://admin:changeit@db:2113", {
      config: { S3_SECRET_ACCESS_KEY: "AKIAsecretvalue", BATON_AUTH_SECRET: "x".repeat(40), password: "hunter2", apiKey: "k-123", HOST: "0.0.0.0" },
      headers: { authorization: "Bearer abc.def", "x-authorization": "tok" },
      url: "https://user:pa55@example.com/path",
    });
    const text = lines[0]!.line;
    for (const secret of ["AKIAsecretvalue", "x".repeat(40), "hunter2", "k-123", "abc.def", "changeit", "pa55", '"tok"']) expect(text).not.toContain(secret);
    const line = json()[0] as { message: string; config: Record<string, string>; url: string };
    expect(line.config.S3_SECRET_ACCESS_KEY).toBe(REDACTED);
    expect(line.config.HOST).toBe("0.0.0.0");
    expect(line.message).toBe(`connecting to esdb://admin:${REDACTED}@db:2113`);
    expect(line.url).toBe(`https://user:${REDACTED}@example.com/path`);
  });

  it("logs an Error as its name, message and stack", () => {
    const { logger, json } = capture();
    logger.error("boom", { error: new TypeError("bad thing") });
    const error = json()[0]!.error as { name: string; message: string; stack: string };
    expect(error.name).toBe("TypeError");
    expect(error.message).toBe("bad thing");
    expect(error.stack).toContain("bad thing");
  });

  it("survives values JSON cannot take (cycles, bigints)", () => {
    const { logger, json } = capture();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    logger.info("odd", { cyclic, big: 10n });
    expect(json()[0]).toMatchObject({ message: "odd", big: "10" });
  });

  it("is a short coloured line for a person on a terminal", () => {
    const { logger, lines } = capture("debug", "pretty");
    logger.warn("slow poll", { taskType: "greet", note: "two words" });
    expect(lines[0]!.line).toMatch(/^\x1b\[90m03:04:05\.678\x1b\[0m \x1b\[33mWARN /);
    expect(lines[0]!.line).toContain('taskType=greet note="two words"');
  });

  it("follows BATON_LOG_FORMAT=auto: JSON unless stdout is a terminal", () => {
    const lines: string[] = [];
    const write = (line: string) => lines.push(line);
    loggerFromConfig({ BATON_LOG_LEVEL: "info", BATON_LOG_FORMAT: "auto" }, { write, terminal: false }).info("a");
    loggerFromConfig({ BATON_LOG_LEVEL: "info", BATON_LOG_FORMAT: "auto" }, { write, terminal: true }).info("b");
    loggerFromConfig({ BATON_LOG_LEVEL: "info", BATON_LOG_FORMAT: "json" }, { write, terminal: true }).info("c");
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: "a" });
    expect(lines[1]).toContain("INFO");
    expect(() => JSON.parse(lines[1]!)).toThrow();
    expect(JSON.parse(lines[2]!)).toMatchObject({ message: "c" });
  });
});

describe("request ids", () => {
  function app(logger = capture().logger) {
    const hono = new Hono();
    hono.use(requestContext(logger));
    hono.get("/ok", (c) => c.text("ok"));
    hono.get("/boom", () => {
      throw new Error("boom");
    });
    hono.onError((_, c) => c.text("masked", 500));
    return hono;
  }

  it("keeps a sane caller id, echoes it, and logs the request with it", async () => {
    const log = capture();
    const response = await app(log.logger).request("/ok", { headers: { "x-request-id": "abc-123" } });
    expect(response.headers.get("x-request-id")).toBe("abc-123");
    expect(log.json()[0]).toMatchObject({ level: "debug", message: "request", requestId: "abc-123", method: "GET", path: "/ok", status: 200 });
  });

  it("replaces a missing or unsafe id with a UUID", async () => {
    const made = (await app().request("/ok", { headers: { "x-request-id": "bad id\twith spaces" } })).headers.get("x-request-id");
    expect(made).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await app().request("/ok")).headers.get("x-request-id")).not.toBe(made);
  });

  it("logs an answer of 500 at warn, with its id", async () => {
    const log = capture("info");
    const response = await app(log.logger).request("/boom");
    expect(response.status).toBe(500);
    expect(log.json()).toEqual([expect.objectContaining({ level: "warn", status: 500, requestId: response.headers.get("x-request-id") })]);
  });
});

describe("the quiet logger for chatty clients", () => {
  it("writes a repeated line once per window, then says how many it held back", () => {
    const { logger, json } = capture();
    let now = 0;
    const quiet = quietLogger(logger, { windowMs: 60_000, clock: () => now, applies: (message) => message.startsWith("kafka: Connection") });
    for (let i = 0; i < 250; i++) {
      now = i * 100;
      quiet.error("kafka: Connection error", { broker: "b:9092" });
    }
    quiet.warn("kafka: record sent to the dead-letter topic", { offset: "1" });
    quiet.warn("kafka: record sent to the dead-letter topic", { offset: "2" });
    now = 60_000;
    quiet.error("kafka: Connection error", { broker: "b:9092" });
    expect(json().map((line) => [line.message, line.suppressed])).toEqual([
      ["kafka: Connection error", undefined],
      ["kafka: record sent to the dead-letter topic", undefined],
      ["kafka: record sent to the dead-letter topic", undefined],
      ["kafka: Connection error", 249],
    ]);
  });
});
