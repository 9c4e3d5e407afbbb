import type { LogEntry } from "kafkajs";

/**
 * kafkajs errors, without the "Response <api>" entries it retries by itself (a
 * group coordinator still loading on a fresh broker, a topic that exists).
 */
export const quietLogs =
  () =>
  ({ label, log }: LogEntry): void => {
    if (!log.message.startsWith("[Connection] Response") && !log.message.startsWith("Response ")) {
      console.error(`kafkajs ${label}: ${log.message}${log.error ? ` (${String(log.error)})` : ""}`);
    }
  };
