/**
 * Opens the event store the configuration names, for the Node entry points
 * (`npm start` and the `baton` CLI), so both read the same store the same way.
 */
import { openFileEventStore } from "../adapters/eventstore/file.ts";
import { openFileSnapshot } from "../adapters/eventstore/file-snapshot.ts";
import { createMemoryEventStore } from "../adapters/eventstore/memory.ts";
import { join } from "node:path";
import type { EventStore } from "../domain/ports.ts";
import type { Config } from "./config.ts";
import type { Logger } from "../engine/engine.ts";

export interface OpenStoreOptions {
  /**
   * For tools that only read, possibly beside a running server: the file store
   * is opened as a snapshot that never creates, repairs or writes the log.
   */
  readOnly?: boolean;
  /** Where repairs and lost subscriptions are reported (stderr lines when absent, for the CLI). */
  logger?: Pick<Logger, "error">;
}

const stderrLogger: Pick<Logger, "error"> = { error: (message) => console.error(message) };

export async function openStore(config: Config, options: OpenStoreOptions = {}): Promise<EventStore> {
  if (config.BATON_EVENT_STORE === "memory") return createMemoryEventStore();
  const logger = options.logger ?? stderrLogger;
  if (config.BATON_EVENT_STORE === "esdb") return openEsdb(config, logger);
  if (options.readOnly) return openFileSnapshot(config.DATA_DIR);
  return openFileEventStore({
    dir: config.DATA_DIR,
    fsync: config.BATON_FSYNC,
    cacheBytes: config.BATON_READ_CACHE_MB * 1024 * 1024,
    hotRecords: config.BATON_INDEX_HOT_RECORDS,
    onIndexProblem: (reason) => logger.error(`baton: ${join(config.DATA_DIR, "index")}: ${reason}`),
    onRepair: (info) =>
      logger.error(
        info.droppedBytes > 0
          ? `baton: cut a torn tail of ${info.droppedBytes} bytes at byte offset ${info.offset} of ${join(config.DATA_DIR, "events.log")} (${info.reason})`
          : `baton: ${join(config.DATA_DIR, "events.log")} at byte offset ${info.offset}: ${info.reason}`,
        { offset: info.offset, droppedBytes: info.droppedBytes },
      ),
  });
}

/** Imported only when chosen: the gRPC client is Node-only and slow to load. Reading beside a server is safe. */
async function openEsdb(config: Config, logger: Pick<Logger, "error">): Promise<EventStore> {
  if (!config.ESDB_URL) throw new Error("ESDB_URL is required when BATON_EVENT_STORE is esdb");
  const { openEsdbEventStore } = await import("../adapters/eventstore/esdb.ts");
  return openEsdbEventStore({
    connectionString: config.ESDB_URL,
    onSubscriptionError: (error) => logger.error("baton: lost EventStoreDB, resubscribing", { error: error instanceof Error ? error.message : String(error) }),
  });
}
