/**
 * Baton's one logger, for every runtime: JSON lines (`time`, `level`,
 * `message`, then fields such as `requestId` and `workflowId`) for machines,
 * or a short coloured line when a person watches a terminal. Portable: the
 * runtime entry hands it a `write` function, so nothing here imports `node:*`.
 * Values under secret-looking keys, and passwords in URLs, are never written.
 */
import type { Logger } from "../../engine/engine.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "pretty";
export type LogFields = Record<string, unknown>;

/** The engine's `Logger` plus levels and children that carry fields (a request id, a workflow id) into every line. */
export interface BatonLogger extends Logger {
  debug(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  child(fields: LogFields): BatonLogger;
  isEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  /** Writes one finished line (no trailing newline); `level` lets a runtime send warnings and errors to stderr. */
  write: (line: string, level: LogLevel) => void;
  level?: LogLevel;
  format?: LogFormat;
  /** The time each line carries; tests pass a fixed one. */
  now?: () => Date;
  fields?: LogFields;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values are credentials; matched on the key name, anywhere in the fields. */
const SECRET_KEY = /secret|passw|token|authorization|api[-_]?key|credential|cookie|private[-_]?key/i;
/** `scheme://user:password@host`: the password part. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;
export const REDACTED = "[redacted]";

/** Creates a logger that writes through `write`. */
export function createLogger(options: LoggerOptions): BatonLogger {
  const min = RANK[options.level ?? "info"];
  const now = options.now ?? (() => new Date());
  const format = options.format ?? "json";
  const make = (base: LogFields): BatonLogger => {
    const log = (level: LogLevel, message: string, fields?: LogFields) => {
      if (RANK[level] < min) return;
      const line = { time: now().toISOString(), level, message: redactText(message), ...redact({ ...base, ...fields }) };
      options.write(format === "json" ? jsonLine(line) : prettyLine(line), level);
    };
    return {
      debug: (message, fields) => log("debug", message, fields),
      info: (message, fields) => log("info", message, fields),
      warn: (message, fields) => log("warn", message, fields),
      error: (message, fields) => log("error", message, fields),
      child: (fields) => make({ ...base, ...fields }),
      isEnabled: (level) => RANK[level] >= min,
    };
  };
  return make(options.fields ?? {});
}

/** A logger that writes nothing (tests, tools). */
export const silentLogger: BatonLogger = createLogger({ write: () => {}, level: "error", format: "json" });

/** Copies `fields` with secrets replaced and errors reduced to what helps (name, message, stack). */
export function redact(fields: LogFields): LogFields {
  return redactValue(fields, 0) as LogFields;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) return { name: value.name, message: redactText(value.message), ...(value.stack ? { stack: redactText(value.stack) } : {}) };
  if (value === null || typeof value !== "object") return typeof value === "bigint" ? String(value) : value;
  if (depth >= 8) return "[nested too deep to log]";
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactValue(item, depth + 1));
  const out: LogFields = {};
  for (const [key, item] of Object.entries(value)) out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null && item !== "" ? REDACTED : redactValue(item, depth + 1);
  return out;
}

function redactText(text: string): string {
  return text.replace(URL_PASSWORD, `$1${REDACTED}@`);
}

function jsonLine(line: LogFields): string {
  try {
    return JSON.stringify(line);
  } catch {
    return JSON.stringify({ time: line.time, level: line.level, message: line.message, fields: "[not serialisable]" });
  }
}

const COLOUR: Record<LogLevel, string> = { debug: "\x1b[90m", info: "\x1b[36m", warn: "\x1b[33m", error: "\x1b[31m" };

function prettyLine({ time, level, message, ...fields }: LogFields): string {
  const lvl = level as LogLevel;
  const clock = String(time).slice(11, 23);
  const rest = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "string" ? (/\s/.test(value) ? JSON.stringify(value) : value) : jsonLine(value as LogFields)}`)
    .join(" ");
  return `\x1b[90m${clock}\x1b[0m ${COLOUR[lvl]}${lvl.toUpperCase().padEnd(5)}\x1b[0m ${message}${rest ? ` \x1b[90m${rest}\x1b[0m` : ""}`;
}
