import type { EngineDeps } from "../engine/engine.ts";
import type { Config } from "./config.ts";

/** The engine's memory bounds as the configuration sets them. */
export function memoryBounds(config: Config): Pick<EngineDeps, "retention" | "writeCacheSize"> {
  return {
    retention: { finishedInMemory: config.BATON_FINISHED_IN_MEMORY, searchableFinished: config.BATON_SEARCHABLE_FINISHED },
    writeCacheSize: config.BATON_WRITE_CACHE_SIZE,
  };
}
