import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../scripts/services/kafka.sh", import.meta.url));

/** A broker started by scripts/services/kafka.sh. */
export interface KafkaBroker {
  /** `127.0.0.1:<port>`, for kafkajs `brokers: [..]` or KAFKA_BROKERS. */
  brokers: string;
  /** The broker's temp dir (config, data, server.log). */
  dir: string;
  /** Stops the broker and starts it again on the same port and data, after `downMs` down. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the broker and deletes its dir. */
  stop(): Promise<void>;
}

function runScript(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", [SCRIPT, ...args], { env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/services/kafka.sh ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** A broker this process knows by its address and dir (e.g. one a vitest globalSetup started). */
export function attachKafka(where: { brokers: string; dir: string }): KafkaBroker {
  return {
    ...where,
    restart: async (options = {}) =>
      void (await runScript(["restart", where.dir], { KAFKA_RESTART_DOWN_SECONDS: String((options.downMs ?? 0) / 1000) })),
    stop: async () => void (await runScript(["stop", where.dir])),
  };
}

/**
 * Installs Kafka if needed (jars cached under $BATON_CACHE_DIR) and starts a
 * fresh single-node KRaft broker on free loopback ports; resolves once it
 * answers metadata requests. The broker is also stopped when `ownerPid` (this
 * process by default) exits, however it exits. Rejects with the script's
 * message, which says what to install, when Java or Maven is missing.
 */
export async function startKafka(options: { ownerPid?: number } = {}): Promise<KafkaBroker> {
  const out = await runScript(["start"], { KAFKA_OWNER_PID: String(options.ownerPid ?? process.pid) });
  const value = (name: string) => {
    const match = new RegExp(`^${name}=(.+)$`, "m").exec(out);
    if (!match?.[1]) throw new Error(`scripts/services/kafka.sh start printed no ${name}:\n${out}`);
    return match[1].trim();
  };
  return attachKafka({ brokers: value("KAFKA_BROKERS"), dir: value("KAFKA_DIR") });
}

/**
 * True when BATON_SKIP_SERVICES names the Kafka suite: a comma- or
 * space-separated list containing `kafka` (or `all`). CI never sets it.
 */
export function kafkaSkipped(env: Record<string, string | undefined> = process.env): boolean {
  const names = (env.BATON_SKIP_SERVICES ?? "").toLowerCase().split(/[\s,]+/);
  return names.includes("kafka") || names.includes("all");
}

/** The broker the kafka project's global setup injected; its absence is an error, not a skip. */
export function requireShared(shared: { brokers: string; dir: string } | null | undefined): { brokers: string; dir: string } {
  if (!shared) {
    throw new Error("the kafka project's global setup provided no broker (BATON_SKIP_SERVICES leaves the whole project out instead)");
  }
  return shared;
}
