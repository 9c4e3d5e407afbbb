import { loadConfig } from "../api/config.ts";
import { openStore } from "../api/open-store.ts";
import type { EventStore } from "../domain/ports.ts";
import { UsageError } from "./cli-error.ts";

/** The store the CLI reads, and how to name it in messages. */
export interface OpenedStore {
  store: EventStore;
  description: string;
  /** Opens it again, to see events appended since (a live server keeps writing). */
  reopen(): Promise<EventStore>;
}

/**
 * Opens the store `npm start` would use (BATON_EVENT_STORE, DATA_DIR), with
 * `--data-dir` taking precedence, read-only: the CLI may run beside a server.
 */
export async function openConfiguredStore(env: Record<string, string | undefined>, dataDir?: string): Promise<OpenedStore> {
  let config;
  try {
    config = loadConfig({ ...env, ...(dataDir !== undefined ? { DATA_DIR: dataDir } : {}) });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (config.BATON_EVENT_STORE === "memory") {
    throw new UsageError("BATON_EVENT_STORE=memory keeps events inside the server process only; point the CLI at a durable store (file, with DATA_DIR or --data-dir)");
  }
  const description = `the ${config.BATON_EVENT_STORE} store in ${config.DATA_DIR}`;
  const open = async () => {
    try {
      return await openStore(config, { readOnly: true });
    } catch (error) {
      throw new UsageError(`cannot open ${description}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return { store: await open(), description, reopen: open };
}
