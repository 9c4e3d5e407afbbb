/**
 * A least-recently-used cache of decoded records for the file store, bounded
 * by the records' size on disk. It keeps hot streams (workflows in flight,
 * definitions) and the newest records off the disk; reads that scan the log
 * (catch-up, readAll) go around it, so that one replay cannot flush it.
 */
import type { RecordedEvent } from "../../domain/ports.ts";

/** Decoded records by record number. */
export interface BatchCache {
  get(batchNumber: number): readonly RecordedEvent[] | undefined;
  /** Adds (or refreshes) a record that is `bytes` long on disk, evicting the least recently used beyond the budget. */
  set(batchNumber: number, events: readonly RecordedEvent[], bytes: number): void;
}

/** Creates a cache holding records of at most `budgetBytes` (on-disk size) in total; 0 disables it. */
export function createBatchCache(budgetBytes: number): BatchCache {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<number, { events: readonly RecordedEvent[]; bytes: number }>();
  let total = 0;
  return {
    get(batchNumber) {
      const entry = entries.get(batchNumber);
      if (!entry) return undefined;
      entries.delete(batchNumber);
      entries.set(batchNumber, entry);
      return entry.events;
    },
    set(batchNumber, events, bytes) {
      const existing = entries.get(batchNumber);
      if (existing) {
        total -= existing.bytes;
        entries.delete(batchNumber);
      }
      if (bytes > budgetBytes) return;
      entries.set(batchNumber, { events, bytes });
      total += bytes;
      for (const [oldest, entry] of entries) {
        if (total <= budgetBytes) break;
        entries.delete(oldest);
        total -= entry.bytes;
      }
    },
  };
}
