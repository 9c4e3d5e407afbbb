/**
 * A logger for chatty clients (kafkajs retrying a broker, EventStoreDB
 * resubscribing): a line whose message was already written within `windowMs`
 * is counted instead of written, and the next one after the window says how
 * many were held back. An outage then costs a line a minute, not hundreds.
 */
import type { BatonLogger, LogFields } from "./logger.ts";

export interface QuietOptions {
  windowMs?: number;
  /** Which lines may be held back (all by default); others, such as a record sent to a dead-letter topic, are always written. */
  applies?: (message: string, fields?: LogFields) => boolean;
  clock?: () => number;
}

export function quietLogger(logger: BatonLogger, { windowMs = 60_000, applies = () => true, clock = Date.now }: QuietOptions = {}): BatonLogger {
  const last = new Map<string, { at: number; suppressed: number }>();
  const quiet = (level: "debug" | "info" | "warn" | "error") => (message: string, fields?: LogFields) => {
    if (!applies(message, fields)) return logger[level](message, fields);
    const key = `${level} ${message}`;
    const now = clock();
    const seen = last.get(key);
    if (seen && now - seen.at < windowMs) {
      seen.suppressed += 1;
      return;
    }
    // Bounded: the oldest message is forgotten past 1000 distinct ones.
    if (!seen && last.size >= 1000) last.delete(last.keys().next().value!);
    last.set(key, { at: now, suppressed: 0 });
    logger[level](message, seen && seen.suppressed > 0 ? { ...fields, suppressed: seen.suppressed, suppressedWithinMs: windowMs } : fields);
  };
  return { ...logger, debug: quiet("debug"), info: quiet("info"), warn: quiet("warn"), error: quiet("error") };
}
