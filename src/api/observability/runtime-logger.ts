/** The logger a runtime entry builds from the configuration and its own output streams. */
import type { Config } from "../config.ts";
import { type BatonLogger, createLogger, type LogLevel } from "./logger.ts";

export interface LogOutput {
  /** Writes one line (the entry adds the newline). */
  write: (line: string, level: LogLevel) => void;
  /** Whether a person is watching (stdout is a terminal): `BATON_LOG_FORMAT=auto` is then pretty. */
  terminal: boolean;
}

export function loggerFromConfig(config: Pick<Config, "BATON_LOG_LEVEL" | "BATON_LOG_FORMAT">, output: LogOutput): BatonLogger {
  const format = config.BATON_LOG_FORMAT === "auto" ? (output.terminal ? "pretty" : "json") : config.BATON_LOG_FORMAT;
  return createLogger({ write: output.write, level: config.BATON_LOG_LEVEL, format });
}

/** Lines through `console` (Deno, Bun, workerd): warnings and errors to stderr. */
export const consoleOutput = (terminal: boolean): LogOutput => ({
  terminal,
  write: (line, level) => (level === "warn" || level === "error" ? console.error(line) : console.log(line)),
});
